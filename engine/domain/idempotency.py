"""Idempotency keys: a request retried with the same key gets the first answer and changes nothing.

The record (user, key) → fingerprint of the request, status and body of the answer is added in the
transaction of the change it answers: it exists exactly when the change was committed, so a crash
between the two is impossible and a retry after a lost answer replays instead of acting twice. Two
copies of one request racing meet at the change itself (one completes the task, the other finds it
handled) or, failing that, at the unique (user, key) pair; the loser then reads the winner's record.
Records live 24 hours; ``purge_expired`` (the scheduler's sweep) deletes older ones.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import clock
from storage.models import IdempotencyKey

LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255


@dataclass(frozen=True)
class Request:
    """What a key is bound to: the user sending it and the fingerprint of the request."""

    user_id: int
    key: str
    fingerprint: str


def valid_key(key: str) -> bool:
    """1–255 visible ASCII characters (a UUID is the usual choice)."""
    return 0 < len(key) <= MAX_KEY_LENGTH and all(33 <= ord(c) <= 126 for c in key)


def fingerprint(method: str, path: str, parts: list) -> str:
    """sha256 of the method, the path and the body's parts as the server read them (JSON values, form
    fields, files by content digest): the same request sent again, whatever its multipart boundary or
    key order, has the same fingerprint."""
    text = json.dumps([method.upper(), path, parts], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def find(session: Session, request: Request) -> IdempotencyKey | None:
    """The unexpired record of the user's key, if any."""
    return session.scalars(select(IdempotencyKey).where(
        IdempotencyKey.user_id == request.user_id, IdempotencyKey.key == request.key,
        IdempotencyKey.expires_at > clock.now())).first()


def remember(session: Session, request: Request, status: int, body: dict) -> None:
    """Add the answer to the current transaction (the one that makes the change); an expired record of
    the same key makes way for it."""
    now = clock.now()
    session.execute(delete(IdempotencyKey).where(
        IdempotencyKey.user_id == request.user_id, IdempotencyKey.key == request.key,
        IdempotencyKey.expires_at <= now))
    session.add(IdempotencyKey(user_id=request.user_id, key=request.key, fingerprint=request.fingerprint,
                               status=status, body=json.dumps(body, ensure_ascii=False),
                               created_at=now, expires_at=now + LIFETIME))


def purge_expired(session: Session) -> int:
    """Delete the records past their 24 hours; returns how many went. The caller commits."""
    result = session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= clock.now()))
    return result.rowcount or 0
