"""Passwords, login throttling and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import Boolean, bindparam, delete, or_, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from engine import clock
from engine.domain import rate_limits
from engine.text import N_
from storage.db import UTCDateTime
from storage.fast_sql import Prepared
from storage.models import ApiToken, PersonRoles, SpentNonce, Throttle, User

FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES = 5  # per account (login name)
# Per client address: offices share one NAT address, so one user's typos must never lock out
# colleagues, while a password sprayer trying many accounts from one address is still slowed down.
MAX_FAILURES_PER_ADDRESS = 50
ACCOUNT_KEY_PREFIX = "login:email:"
ADDRESS_KEY_PREFIX = "login:ip:"
BLOCK_FOR = timedelta(minutes=15)
TOKEN_LIFETIME = timedelta(days=30)
# A valid hash of a random password, checked when the e-mail is unknown so that
# both answers take as long (no account enumeration by timing).
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def hash_password(password: str) -> str:
    return generate_password_hash(password)  # scrypt


def email_problem(email: str | None) -> str | None:
    """None for an address an account may have as its user name, else the reason: one rule for
    注册, ``duibiao users create`` and the e-mail fields of the forms. Syntax and domain as the
    e-mail standards say, special-use domains refused (``.test``, ``.invalid``, ``.local``,
    ``.localhost`` …); the domain is not looked up."""
    try:
        validate_email(email or "", check_deliverability=False)
    except EmailNotValidError:
        return N_("请输入有效的邮箱地址")
    return None


def password_problem(password: str) -> str | None:
    """None for an acceptable password, else the reason in Chinese."""
    if len(password or "") < 8:
        return N_("密码至少 8 位")
    classes = sum([
        any(c.islower() for c in password), any(c.isupper() for c in password),
        any(c.isdigit() for c in password), any(not c.isalnum() for c in password),
    ])
    if classes < 2:
        return N_("密码须包含字母、数字、符号中的至少两类")
    if len(password) > 128:
        return N_("密码不能超过 128 位")
    return None


class PasswordChangeError(Exception):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field, self.message = field_name, message


def change_password(session: Session, user: User, old_password: str, new_password: str) -> None:
    """修改密码: the old password must be right and the new one different. The API tokens of the
    user are revoked; the web sessions carry a stamp of the password hash and end by themselves."""
    if not check_password_hash(user.password_hash, old_password or ""):
        raise PasswordChangeError("old_password", N_("旧密码不正确"))
    if new_password == old_password:
        raise PasswordChangeError("new_password", N_("新密码不能与旧密码相同"))
    user.password_hash = hash_password(new_password)
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def end_sessions(session: Session, user: User) -> None:
    """End every web session and API token of ``user`` at once (停用, password reset, …): the session
    epoch goes up, which every web session carries (webapp.auth.load_user refuses an older one), and the
    user's API tokens are revoked. The caller commits."""
    session.execute(update(User).where(User.id == user.id)
                    .values(session_epoch=User.session_epoch + 1).execution_options(synchronize_session=False))
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                    .values(revoked_at=clock.now()).execution_options(synchronize_session=False))
    session.expire(user, ["session_epoch"])


def find_user(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == (email or "").strip().lower())).first()


def verify_credentials(session: Session, email: str, password: str) -> User | None:
    user = find_user(session, email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or ""):
        return None
    return user


def login_keys(email: str, address: str | None) -> list[str]:
    """The throttle keys of one login attempt: the account tried and the client address."""
    return [f"{ACCOUNT_KEY_PREFIX}{(email or '').strip().lower()}", f"{ADDRESS_KEY_PREFIX}{address or ''}"]


def failure_limit(key: str) -> int:
    return MAX_FAILURES_PER_ADDRESS if key.startswith(ADDRESS_KEY_PREFIX) else MAX_FAILURES


def blocked_seconds(session: Session, keys: list[str]) -> int:
    """Seconds until login may be tried again for any of ``keys`` (0: allowed)."""
    now = clock.now()
    waits = [
        (row.blocked_until - now).total_seconds()
        for row in session.scalars(select(Throttle).where(Throttle.key.in_(keys)))
        if row.blocked_until and row.blocked_until > now
    ]
    return int(max(waits) + 0.999) if waits else 0


def reserve_attempt(session: Session, keys: list[str]) -> bool:
    """Count this login attempt before its password is checked — one atomic upsert per key — so that N
    parallel attempts make N counts and no more than the limit reach the password check. False: a key
    is over its limit (it is then blocked). The caller commits before checking the password."""
    now = clock.now()
    over = [key for key in keys if rate_limits.count(session, key, FAILURE_WINDOW) > failure_limit(key)]
    for key in over:
        session.execute(update(Throttle).where(
            Throttle.key == key, or_(Throttle.blocked_until.is_(None), Throttle.blocked_until < now))
            .values(blocked_until=now + BLOCK_FOR).execution_options(synchronize_session=False))
    return not over


def record_failure(session: Session, keys: list[str]) -> None:
    """After a wrong password (reserve_attempt counted the attempt): a key that reached its limit is
    blocked for a while."""
    now = clock.now()
    for key in keys:
        session.execute(update(Throttle).where(Throttle.key == key, Throttle.count >= failure_limit(key))
                        .values(blocked_until=now + BLOCK_FOR).execution_options(synchronize_session=False))


def clear_failures(session: Session, keys: list[str]) -> None:
    """After a successful login: forget the account's failures. The address keeps its count of failures
    (less this attempt, which succeeded), so a sprayer cannot reset it by logging in to an account of its
    own now and then."""
    for key in keys:
        if key.startswith(ADDRESS_KEY_PREFIX):
            session.execute(update(Throttle).where(Throttle.key == key, Throttle.count > 0)
                            .values(count=Throttle.count - 1).execution_options(synchronize_session=False))
        else:
            session.execute(delete(Throttle).where(Throttle.key == key)
                            .execution_options(synchronize_session=False))


def digest_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str = "", lifetime: timedelta = TOKEN_LIFETIME) -> str:
    """A new token for ``user`` (the raw value, shown once; only its digest is kept)."""
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    session.add(ApiToken(user_id=user.id, digest=digest_token(raw), created_at=now,
                         expires_at=now + lifetime, name=name))
    return raw


# The caller of an API request and its token, by the token's digest: plain columns (no ORM entity, and a
# text statement skips the ORM's per-execution work): the API reads the caller's ids, roles and rights, and
# whether its organisation is 停用; anything else loads the User row (ApiCaller.row).
_CALLER_SQL = (
    "SELECT user_account.id, user_account.email, user_account.organization_id, user_account.roles, "
    "user_account.rights, user_account.full_name, user_account.is_enabled, organization.status, "
    "api_token.id AS token_id, api_token.last_used_at "
    "FROM user_account JOIN api_token ON api_token.user_id = user_account.id "
    "JOIN organization ON organization.id = user_account.organization_id "
    "WHERE api_token.digest = :digest AND user_account.is_enabled = true AND api_token.revoked_at IS NULL "
    "AND (api_token.expires_at IS NULL OR api_token.expires_at > :now) LIMIT 1"
)
_CALLER_COLUMNS = {"is_enabled": Boolean, "last_used_at": UTCDateTime}
_TOKEN_CALLER = Prepared(text(_CALLER_SQL).bindparams(bindparam("now", type_=UTCDateTime)).columns(**_CALLER_COLUMNS))
# PostgreSQL: the same, with the token's rate-limit count (engine.domain.rate_limits) in the one statement,
# which runs in a transaction of its own (an autocommit connection, or storage.deferred.read_ahead_apart):
# one round trip for both. A count lost to a power failure costs nothing, so its transaction commits
# without waiting for the WAL to reach the disk (``relaxed``: set before the first row is written, in force
# at the commit).
_TOKEN_CALLER_COUNTED = Prepared(
    text("WITH relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true)), "  # noqa: S608
         f"caller AS ({_CALLER_SQL}), hit AS ("  # (constant texts, no input)
         'INSERT INTO throttle ("key", count, window_start) SELECT :prefix || caller.token_id, 1, :now '
         f"FROM caller, relaxed {rate_limits.UPSERT_COUNT}) "
         "SELECT caller.*, hit.count, hit.window_start FROM caller LEFT JOIN hit ON true")
    .bindparams(bindparam("now", type_=UTCDateTime), bindparam("cutoff", type_=UTCDateTime))
    .columns(**_CALLER_COLUMNS, window_start=UTCDateTime)
)


class ApiCaller(PersonRoles):
    """The person an API request acts for, read with its token: ids, roles, rights and the organisation's
    status as plain values. Any other attribute is the User row's, loaded once on first use."""

    def __init__(self, session: Session, user_id: int, email: str, organization_id: int, roles: str,
                 rights: str, full_name: str, is_enabled: bool, organization_status: str):
        self.id, self.email, self.organization_id = user_id, email, organization_id
        self.roles, self.rights, self.full_name, self.is_enabled = roles, rights, full_name, is_enabled
        self.organization_status = organization_status
        self._session, self._row = session, None

    @property
    def row(self) -> User:
        """The User row (one SELECT the first time): for code that needs the ORM object itself."""
        if self._row is None:
            self._row = self._session.get(User, self.id)
        return self._row

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.row, name)


@dataclass(frozen=True)
class TokenHolder:
    user: ApiCaller
    token_id: int
    last_used_at: datetime | None


def token_holder(session: Session, raw: str) -> TokenHolder | None:
    """The enabled user holding this unexpired, unrevoked token, with the token's id and last use
    (one statement, on every API request)."""
    row = _TOKEN_CALLER.execute(session.connection(), {"digest": digest_token(raw), "now": clock.now()}).first()
    if row is None:
        return None
    *person, token_id, last_used_at = row
    return TokenHolder(ApiCaller(session, *person), token_id, last_used_at)


@dataclass(frozen=True)
class CountedHolder:
    holder: TokenHolder
    wait: int  # rate_limits.wait_after: seconds to wait, 0 to go on


def counted_token_holder(connection: Connection, session: Session, raw: str, limit: int,
                         window: timedelta) -> CountedHolder | None:
    """PostgreSQL: ``token_holder`` and the token's rate-limit count (``rate_limits.hit_on``) in one
    statement on ``connection`` (autocommit: the count stays whatever becomes of the request); the caller's
    User row, when asked for, comes from ``session``."""
    now = clock.now()
    row = _TOKEN_CALLER_COUNTED.execute(connection, _counted_parameters(raw, window, now)).first()
    return _counted_holder(session, row, limit, window, now)


def counted_token_holder_ahead(session: Session, raw: str, limit: int,
                               window: timedelta) -> Callable[[], CountedHolder | None] | None:
    """PostgreSQL: ``counted_token_holder``'s statement on the session's own connection, in a transaction of
    its own (the count stays whatever becomes of the request), sent with the session's first statement in
    one round trip (storage.deferred.read_ahead_apart); the function returned answers it. None when the
    session's transaction has sent something already, or on SQLite."""
    now = clock.now()
    ahead = _TOKEN_CALLER_COUNTED.read_ahead_apart(session.connection(), _counted_parameters(raw, window, now))
    if ahead is None:
        return None
    return lambda: _counted_holder(session, ahead.outcome().first(), limit, window, now)


def _counted_parameters(raw: str, window: timedelta, now: datetime) -> dict:
    return {"digest": digest_token(raw), "now": now, "cutoff": now - window, "prefix": rate_limits.TOKEN_KEY_PREFIX}


def _counted_holder(session: Session, row, limit: int, window: timedelta, now: datetime) -> CountedHolder | None:
    if row is None:
        return None
    *person, token_id, last_used_at, count, window_start = row
    holder = TokenHolder(ApiCaller(session, *person), token_id, last_used_at)
    return CountedHolder(holder, rate_limits.wait_after(count, window_start, limit, window, now))


def user_for_token(session: Session, raw: str) -> User | None:
    found = token_holder(session, raw)
    return found.user.row if found else None


# --- single-use values (a session that logged out, a captcha answered) ------------------------------

_SPEND = text('INSERT INTO spent_nonce (nonce, expires_at) VALUES (:nonce, :expires_at) '
              'ON CONFLICT (nonce) DO NOTHING').bindparams(bindparam("expires_at", type_=UTCDateTime()))
_PURGE = delete(SpentNonce).where(SpentNonce.expires_at < bindparam("now"))


def spend_nonce(session: Session, nonce: str, lifetime: timedelta) -> bool:
    """Remember ``nonce`` as used until ``lifetime`` has passed: True the first time, False when it was
    spent already (one atomic statement, so two parallel uses cannot both win)."""
    now = clock.now()
    session.execute(_PURGE, {"now": now})  # expired ones can be forgotten (indexed)
    result = session.connection().execute(_SPEND, {"nonce": nonce[:64], "expires_at": now + lifetime})
    return result.rowcount == 1
