"""用户中心 → API 令牌: named tokens with an expiry, listed with their last use, revoked by their owner."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from engine import clock
from engine.domain import auth
from storage.models import ApiToken, User

# Choices of the page's 有效期 (days); the API's own POST /api/v1/tokens keeps auth.TOKEN_LIFETIME.
LIFETIME_DAYS = (7, 30, 90, 365)
# last_used_at is written at most this often per token: not one write per API request.
USE_RECORDING_STEP = timedelta(minutes=1)


def issue(session: Session, user: User, name: str, days: int) -> str:
    """A named token valid ``days`` days: the raw value, which is shown once and never stored."""
    return auth.issue_token(session, user, name=name.strip(), lifetime=timedelta(days=days))


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, so their owner sees them)."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id)
                                .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def revoke(session: Session, user_id: int, token_id: int) -> bool:
    """Revoke one of the user's own tokens; False when it is not theirs or already revoked."""
    token = session.get(ApiToken, token_id)
    if token is None or token.user_id != user_id or token.revoked_at is not None:
        return False
    token.revoked_at = clock.now()
    return True


def use_to_record(holder: auth.TokenHolder) -> bool:
    """Whether this request's use of the token is to be written (at most once a minute)."""
    return holder.last_used_at is None or clock.now() - holder.last_used_at >= USE_RECORDING_STEP


def record_use(session: Session | Connection, holder: auth.TokenHolder) -> None:
    """最近使用 of the token of this request, written at most once a minute; the caller commits."""
    if use_to_record(holder):
        session.execute(update(ApiToken).where(ApiToken.id == holder.token_id).values(last_used_at=clock.now()))


def state(token: ApiToken) -> str:
    """revoked, expired or active: what the token list shows."""
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= clock.now():
        return "expired"
    return "active"
