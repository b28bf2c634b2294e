"""我的消息 and the e-mail that accompanies a notice."""
from __future__ import annotations

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from engine import clock
from storage import outbox
from storage.models import Message


def notify(session: Session, organization_id: int, title: str, body: str = "",
           link: str | None = None, email: bool = True) -> None:
    # Append-only: a Core INSERT on the request's connection, no unit-of-work bookkeeping.
    session.connection().execute(_INSERT_MESSAGE, {
        "organization_id": organization_id, "title": title, "body": body, "link": link,
        "created_at": clock.now()})
    if email:  # addressed to the organisation's users when the outbox is drained
        outbox.enqueue_for_organization(session, organization_id, f"【全国对标达标信息服务平台】{title}", body)


_INSERT_MESSAGE = insert(Message.__table__)


def unread_count(session: Session, organization_id: int) -> int:
    return session.scalar(
        select(func.count(Message.id)).where(
            Message.organization_id == organization_id, Message.read_at.is_(None)
        )
    ) or 0


def list_for(session: Session, organization_id: int, page: int, per_page: int = 20):
    query = select(Message).where(Message.organization_id == organization_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Message.created_at.desc(), Message.id.desc())
        .offset((page - 1) * per_page).limit(per_page)
    ).all()
    return rows, total


def mark_read(session: Session, organization_id: int, message_ids: list[int]) -> None:
    session.execute(
        update(Message)
        .where(Message.organization_id == organization_id, Message.id.in_(message_ids),
               Message.read_at.is_(None))
        .values(read_at=clock.now())
    )
