"""SMS and e-mail waiting to leave; written in the business transaction, drained after commit."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime, utcnow


class OutboxItem(Base):
    __tablename__ = "outbox"
    # What waits to be sent, in order (storage.outbox.drain): sent rows, nearly all of them, stay out of it,
    # so the index stays as small as the queue and the drain reads it whatever the statistics say.
    __table_args__ = (
        Index("ix_outbox_unsent", "id", sqlite_where=text("sent_at IS NULL"),
              postgresql_where=text("sent_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # sms | email
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # An organisation's e-mail as message ids and parameters (engine.text.to_data): each address gets it in
    # its 消息设置 language when the outbox is drained (storage.outbox.use_localizer); subject and body
    # above are the source language's.
    words: Mapped[dict | None] = mapped_column(JSON)
