"""数据字典: the option lists the forms offer, edited by the office, with every change kept."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UTCDateTime, utcnow
from storage.models.accounts import User


class DictionaryEntry(Base):
    """One option of one list: its code (stored in records, never changed), label, order and whether
    new input may choose it (a disabled entry still names the records that hold it)."""

    __tablename__ = "dictionary_entry"
    __table_args__ = (UniqueConstraint("dictionary", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dictionary: Mapped[str] = mapped_column(String(40), index=True)
    code: Mapped[str] = mapped_column(String(40))
    label: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: as shipped


class DictionaryChange(Base):
    """The audit of 数据字典 (append-only): who added, relabelled, reordered, 停用 or 启用 which entry,
    when, with the entry before and after."""

    __tablename__ = "dictionary_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    dictionary: Mapped[str] = mapped_column(String(40), index=True)
    code: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(20))  # add, edit, disable, enable
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict] = mapped_column(JSON)
    changed_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    changed_by: Mapped[User] = relationship(lazy="joined")
