"""Fixed-window request limits kept in the ``throttle`` table (no Redis needed): the API counts
each token's requests, and each address's calls of the token endpoint."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import case
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from engine import clock
from storage.models import Throttle

TOKEN_KEY_PREFIX = "api:token:"  # noqa: S105 (a throttle key, not a secret)
ADDRESS_KEY_PREFIX = "api:ip:"
_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def token_key(token_id: int) -> str:
    return f"{TOKEN_KEY_PREFIX}{token_id}"


def address_key(address: str | None) -> str:
    return f"{ADDRESS_KEY_PREFIX}{address or ''}"


def hit(session: Session, key: str, limit: int, window: timedelta) -> int:
    """Count one request under ``key``: 0 when it is allowed, else the seconds until its window ends.

    One statement (INSERT … ON CONFLICT DO UPDATE … RETURNING): it costs every API request little,
    and concurrent workers cannot lose each other's counts. A window older than ``window`` starts
    again at this request. The caller commits."""
    now = clock.now()
    insert = _UPSERTS[session.get_bind().dialect.name](Throttle)
    expired = Throttle.window_start <= now - window
    statement = insert.values(key=key, count=1, window_start=now).on_conflict_do_update(
        index_elements=[Throttle.key],
        set_={"count": case((expired, 1), else_=Throttle.count + 1),
              "window_start": case((expired, now), else_=Throttle.window_start)},
    ).returning(Throttle.count, Throttle.window_start)
    count, window_start = session.execute(statement).one()
    if count <= limit:
        return 0
    return max(1, int((window_start + window - now).total_seconds() + 0.999))
