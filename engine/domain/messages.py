"""我的消息 and the e-mail that accompanies a notice."""
from __future__ import annotations

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.orm import Session

from engine import clock, text
from storage import outbox
from storage.fast_sql import Prepared
from storage.models import Message, NotificationPreference

DEFAULT_LOCALE = "zh_CN"


def notify(session: Session, organization_id: int, title: str, body: str = "",
           link: str | None = None, email: bool = True) -> None:
    """A notice to the organisation. ``title`` and ``body`` may be engine text (``N_``, ``lines``): the
    entry keeps their words too, and 我的消息 shows it in each reader's language (the e-mail too, in each
    recipient's language)."""
    words = {"title": text.to_data(title), "body": text.to_data(body)} \
        if isinstance(title, text.Text) or isinstance(body, text.Text) else None
    # Append-only: a Core INSERT on the request's connection, no unit-of-work bookkeeping, sent with the
    # transaction's next statement (storage.deferred).
    _INSERT_MESSAGE.defer(session.connection(), {
        "organization_id": organization_id, "title": str(title), "body": str(body), "link": link,
        "created_at": clock.now(), "words": words})
    _notified_in_transaction(session).add(organization_id)
    if email:  # addressed when the outbox is drained: the users who did not turn 办理结果 e-mails off,
        # each in the language of their 消息设置 (engine.task_notifications.mail_in_language)
        subject = text.N_("【全国对标达标信息服务平台】%(title)s", title=title)
        outbox.enqueue_for_organization(session, organization_id, str(subject), str(body), words={
            "subject": text.to_data(subject), "body": text.to_data(body)} if words else None)


_INSERT_MESSAGE = Prepared(insert(Message.__table__))


def _notified_in_transaction(session: Session) -> set[int]:
    """The organisations this transaction wrote a notice to (engine.task_notifications reads it)."""
    transaction = session.get_transaction()
    held = session.info.get("notified_organizations")
    if held is None or held[0] is not transaction:
        held = session.info["notified_organizations"] = (transaction, set())
    return held[1]


def notified_in_transaction(session: Session) -> frozenset[int]:
    return frozenset(_notified_in_transaction(session))


def _visible(organization_id: int, user_id: int | None):
    """An organisation's notices, and those addressed to this one user of it (a new task, say); without
    a user, the organisation's notices only."""
    if user_id is None:
        return (Message.organization_id == organization_id) & Message.user_id.is_(None)
    return (Message.organization_id == organization_id) & or_(Message.user_id.is_(None), Message.user_id == user_id)


def unread_count(session: Session, organization_id: int, user_id: int | None = None) -> int:
    return session.scalar(
        select(func.count(Message.id)).where(_visible(organization_id, user_id), Message.read_at.is_(None))
    ) or 0


def list_for(session: Session, organization_id: int, page: int, per_page: int = 20, user_id: int | None = None):
    query = select(Message).where(_visible(organization_id, user_id))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Message.created_at.desc(), Message.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return rows, total


def mark_read(session: Session, organization_id: int, message_ids: list[int], user_id: int | None = None) -> None:
    session.execute(
        update(Message)
        .where(_visible(organization_id, user_id), Message.id.in_(message_ids),
               Message.read_at.is_(None))
        .values(read_at=clock.now())
    )


# --- 消息设置: which e-mails a user receives (the 我的消息 entries are always written) ------------------

PREFERENCE_FIELDS = ("new_task", "daily_digest", "outcomes")


def preference_of(session: Session, user_id: int) -> NotificationPreference:
    """The user's choices; the defaults (every e-mail) until they save some."""
    return session.get(NotificationPreference, user_id) or default_preference(user_id)


def default_preference(user_id: int) -> NotificationPreference:
    return NotificationPreference(user_id=user_id, new_task=True, daily_digest=True, outcomes=True,
                                  locale=DEFAULT_LOCALE)


def stored_locale(session: Session, user_id: int) -> str | None:
    """The language stored on the user (the header's switch; 消息设置 rows start in Chinese), None without a row."""
    row = session.get(NotificationPreference, user_id)
    return row.locale if row is not None else None


def save_locale(session: Session, user_id: int, locale: str) -> None:
    """The user's language: their pages after login, their e-mails and their 我的消息 entries."""
    row = session.get(NotificationPreference, user_id)
    if row is None:
        row = default_preference(user_id)
        session.add(row)
    row.locale = locale
    row.updated_at = clock.now()


def save_preferences(session: Session, user_id: int, **choices: bool) -> NotificationPreference:
    unknown = set(choices) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValueError(f"unknown notification choices: {sorted(unknown)}")
    row = session.get(NotificationPreference, user_id)
    if row is None:
        row = preference_of(session, user_id)
        session.add(row)
    for name, value in choices.items():
        setattr(row, name, bool(value))
    row.updated_at = clock.now()
    return row
