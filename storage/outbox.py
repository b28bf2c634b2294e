"""Outgoing SMS and e-mail: queued in the business transaction, sent after commit.

A request that rolls back (it lost a race, say) leaves nothing queued, so it
sends nothing. Backends: ``LogBackend`` appends JSON lines to
``<data dir>/outbox.jsonl`` (development, tests); ``SmtpBackend`` sends e-mail
through a real SMTP server and hands SMS to the log backend (no SMS gateway is
reachable from here).
"""
from __future__ import annotations

import json
import logging
import smtplib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import case, func, insert, select, type_coerce, update
from sqlalchemy.orm import Session

from storage.db import UTCDateTime, utcnow
from storage.fast_sql import Prepared
from storage.models import NotificationPreference, OutboxItem, User

log = logging.getLogger(__name__)
_file_lock = threading.Lock()


_INSERT_ITEM = Prepared(insert(OutboxItem.__table__))


def enqueue(session: Session, channel: str, to: str, subject: str, text: str, words: dict | None = None) -> None:
    """``words``: subject and body as message ids and parameters, for an organisation's e-mail that each
    address receives in its own language (see use_localizer)."""
    if channel not in ("sms", "email"):
        raise ValueError(channel)
    # A plain Core INSERT: append-only rows need none of the unit of work's bookkeeping (sent with the
    # transaction's next statement: storage.deferred).
    _INSERT_ITEM.defer(session.connection(), {
        "channel": channel, "recipient": to, "subject": subject, "body": text, "created_at": utcnow(),
        "attempts": 0, "words": words})
    session.info["outbox_queued"] = True  # the request then drains after its commit


ORGANIZATION_PREFIX = "organization:"


def enqueue_for_organization(session: Session, organization_id: int, subject: str, text: str,
                             words: dict | None = None) -> None:
    """E-mail to every user of an organisation, addressed when sent (off the request's path), each in the
    language of their 消息设置 when ``words`` are given."""
    enqueue(session, "email", f"{ORGANIZATION_PREFIX}{organization_id}", subject, text, words)


# (words, locale) → (subject, body), or None to send the source language's text. The layer that owns the
# translations installs it (engine.task_notifications.configure); storage knows no catalogue.
Localizer = Callable[[dict, str], "tuple[str, str] | None"]
_localizer: list[Localizer | None] = [None]


def use_localizer(localizer: Localizer | None) -> None:
    _localizer[0] = localizer


@dataclass(frozen=True)
class Outgoing:
    """One message to one address, as the backends send it."""

    channel: str
    recipient: str
    subject: str
    body: str


def addressed(session: Session, items: list[OutboxItem]) -> dict[int, list[Outgoing]]:
    """Each item's messages, with every organisation's addresses looked up in one query."""
    organizations = {int(i.recipient.removeprefix(ORGANIZATION_PREFIX)) for i in items
                     if i.recipient.startswith(ORGANIZATION_PREFIX)}
    addresses: dict[int, list[tuple[str, str | None]]] = {}
    if organizations:
        for organization_id, email, locale in session.execute(
                select(User.organization_id, User.email, NotificationPreference.locale)
                .outerjoin(NotificationPreference, NotificationPreference.user_id == User.id)
                .where(User.organization_id.in_(organizations), User.is_enabled.is_(True),
                       NotificationPreference.outcomes.is_not(False))  # 消息设置: 办理结果
                .order_by(User.id)):
            addresses.setdefault(organization_id, []).append((email, locale))

    def outgoing(item: OutboxItem) -> list[Outgoing]:
        if not item.recipient.startswith(ORGANIZATION_PREFIX):
            return [Outgoing(item.channel, item.recipient, item.subject, item.body)]
        return [Outgoing(item.channel, to, *_in_language(item, locale))
                for to, locale in addresses.get(int(item.recipient.removeprefix(ORGANIZATION_PREFIX)), [])]

    return {item.id: outgoing(item) for item in items}


def _in_language(item: OutboxItem, locale: str | None) -> tuple[str, str]:
    localizer = _localizer[0]
    shown = localizer(item.words, locale) if item.words and locale and localizer else None
    return shown or (item.subject, item.body)


def queued_in(session: Session) -> bool:
    """True (once) when this session queued something since the last call."""
    return bool(session.info.pop("outbox_queued", False))


class LogBackend:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    def send(self, item: Outgoing) -> None:
        line = json.dumps({
            "channel": item.channel, "to": item.recipient, "subject": item.subject,
            "text": item.body, "at": utcnow().isoformat(),
        }, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with _file_lock, self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


class SmtpBackend:
    def __init__(self, host: str, port: int, sender: str, username: str | None = None,
                 password: str | None = None, use_tls: bool = True, sms: LogBackend | None = None):
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.use_tls = username, password, use_tls
        self.sms = sms

    def send(self, item: Outgoing) -> None:
        if item.channel == "sms":
            if self.sms is None:
                raise RuntimeError("no SMS backend configured")
            self.sms.send(item)
            return
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, item.recipient, item.subject
        message.set_content(item.body)
        with smtplib.SMTP(self.host, self.port, timeout=20) as smtp:
            if self.use_tls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


MAX_ATTEMPTS = 5  # an item that failed this often is given up (it stays, with its last error)


@dataclass(frozen=True)
class Backlog:
    pending: int  # unsent, still to be tried
    oldest_pending_at: datetime | None  # when the oldest of them was queued
    given_up: int  # unsent after MAX_ATTEMPTS failures


def backlog(session: Session) -> Backlog:
    """What waits to leave, in one query (the /metrics scrape reads it)."""
    unsent = OutboxItem.sent_at.is_(None)
    retried = OutboxItem.attempts < MAX_ATTEMPTS
    pending, oldest, given_up = session.execute(
        select(func.coalesce(func.sum(case((retried, 1), else_=0)), 0),
               type_coerce(func.min(case((retried, OutboxItem.created_at))), UTCDateTime),
               func.coalesce(func.sum(case((retried, 0), else_=1)), 0))
        .where(unsent)).one()
    return Backlog(int(pending), oldest, int(given_up))


DRAIN_BATCH = 100


def drain(session: Session, backend, limit: int = DRAIN_BATCH) -> int:
    """Send what is queued. Items are claimed (sent_at set) in one short transaction
    first, so two drainers never both send one; a failed send is put back."""
    query = (select(OutboxItem).where(OutboxItem.sent_at.is_(None), OutboxItem.attempts < MAX_ATTEMPTS)
             .order_by(OutboxItem.id).limit(limit))  # from ix_outbox_unsent: the queue alone, in this order
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    items = session.scalars(query).all()
    if not items:
        session.commit()
        return 0
    # One UPDATE claims the batch (a burst of requests is one drain, not one each).
    session.execute(update(OutboxItem.__table__).where(OutboxItem.__table__.c.id.in_([i.id for i in items]))
                    .values(sent_at=utcnow(), attempts=OutboxItem.__table__.c.attempts + 1))
    messages = addressed(session, items)
    session.commit()
    sent = 0
    for item in items:
        try:
            for message in messages[item.id]:
                backend.send(message)
            sent += 1
        except Exception as exc:  # noqa: BLE001 - keep draining; the item is retried
            log.warning("outbox item %s failed: %s", item.id, exc)
            session.execute(update(OutboxItem.__table__).where(OutboxItem.__table__.c.id == item.id)
                            .values(sent_at=None, last_error=str(exc)[:500]))
            session.commit()
    for item in items:  # the UPDATEs went around the ORM: reload on next access
        session.expire(item)
    return sent
