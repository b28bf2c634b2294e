"""Fixed-window request limits kept in the ``throttle`` table (no Redis needed): the API counts
each token's requests, and each address's calls of the token endpoint."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import clock
from storage.models import Throttle

TOKEN_KEY_PREFIX = "api:token:"
ADDRESS_KEY_PREFIX = "api:ip:"


def token_key(token_id: int) -> str:
    return f"{TOKEN_KEY_PREFIX}{token_id}"


def address_key(address: str | None) -> str:
    return f"{ADDRESS_KEY_PREFIX}{address or ''}"


def hit(session: Session, key: str, limit: int, window: timedelta) -> int:
    """Count one request under ``key``: 0 when it is allowed, else the seconds until the window
    ends. The count is raised in the database (UPDATE … SET count = count + 1), so concurrent
    workers do not lose each other's requests; the caller commits."""
    now = clock.now()
    raised = session.execute(update(Throttle).where(Throttle.key == key, Throttle.window_start > now - window)
                             .values(count=Throttle.count + 1))
    if raised.rowcount == 0:
        _new_window(session, key, now)
    row = session.execute(select(Throttle.count, Throttle.window_start).where(Throttle.key == key)).one()
    if row.count <= limit:
        return 0
    return max(1, int((row.window_start + window - now).total_seconds() + 0.999))


def _new_window(session: Session, key: str, now) -> None:
    """Start the key's window at ``now`` with this one request (the row exists unless first seen)."""
    changed = session.execute(update(Throttle).where(Throttle.key == key).values(count=1, window_start=now))
    if changed.rowcount:
        return
    try:
        with session.begin_nested():  # another worker may insert the same key first
            session.add(Throttle(key=key, count=1, window_start=now))
    except IntegrityError:
        session.execute(update(Throttle).where(Throttle.key == key).values(count=Throttle.count + 1))
