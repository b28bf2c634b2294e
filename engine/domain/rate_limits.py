"""Fixed-window request limits kept in the ``throttle`` table (no Redis needed): the API counts
each token's requests, and each address's calls of the token endpoint."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Integer, bindparam, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from engine import clock
from storage.db import UTCDateTime
from storage.fast_sql import Prepared

TOKEN_KEY_PREFIX = "api:token:"  # noqa: S105 (a throttle key, not a secret)
ADDRESS_KEY_PREFIX = "api:ip:"


def token_key(token_id: int) -> str:
    return f"{TOKEN_KEY_PREFIX}{token_id}"


def address_key(address: str | None) -> str:
    return f"{ADDRESS_KEY_PREFIX}{address or ''}"


def count(session: Session, key: str, window: timedelta) -> int:
    """Count one more under ``key`` (a window older than ``window`` starts again) and return the count,
    in one atomic statement. The caller commits."""
    now = clock.now()
    return _COUNT.execute(session.connection(), {"key": key, "now": now, "cutoff": now - window}).scalar_one()


def hit(session: Session, key: str, limit: int, window: timedelta) -> int:
    """Count one request under ``key``: 0 when it is allowed, else the seconds until its window ends.

    One statement (INSERT … ON CONFLICT DO UPDATE … RETURNING): it costs every API request little,
    and concurrent workers cannot lose each other's counts. A window older than ``window`` starts
    again at this request. The caller commits."""
    return hit_on(session.connection(), key, limit, window)


def hit_on(connection: Connection, key: str, limit: int, window: timedelta) -> int:
    """``hit`` on a connection (the web layer's own transaction or an autocommit one)."""
    now = clock.now()
    parameters = {"key": key, "now": now, "cutoff": now - window}
    count, window_start = _COUNT.execute(connection, parameters).first()
    return wait_after(count, window_start, limit, window, now)


def wait_after(count: int, window_start, limit: int, window: timedelta, now) -> int:
    """0 when the ``count``-th request of the window that began at ``window_start`` is allowed, else
    the seconds until that window ends."""
    if count <= limit:
        return 0
    return max(1, int((window_start + window - now).total_seconds() + 0.999))


# One text for both databases (SQLite ≥ 3.35 and PostgreSQL share the upsert syntax), typed so
# the moments go in and come out as the ORM stores them; a text statement also skips the ORM's
# per-execution work, which costs more here than the statement itself.
# What follows the row to insert: a new window, or one more in the current one (engine.domain.auth's
# token statement on PostgreSQL counts with it too).
UPSERT_COUNT = (
    'ON CONFLICT ("key") DO UPDATE SET '
    "count = CASE WHEN throttle.window_start <= :cutoff THEN 1 ELSE throttle.count + 1 END, "
    "window_start = CASE WHEN throttle.window_start <= :cutoff THEN excluded.window_start "
    "ELSE throttle.window_start END "
    "RETURNING count, window_start"
)
_COUNT = Prepared(
    text('INSERT INTO throttle ("key", count, window_start) VALUES (:key, 1, :now) ' + UPSERT_COUNT)  # noqa: S608
    .bindparams(bindparam("now", type_=UTCDateTime), bindparam("cutoff", type_=UTCDateTime))
    .columns(count=Integer, window_start=UTCDateTime)
)
