"""消息设置: which e-mails each user receives, and the daily digests already sent."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime, utcnow


class NotificationPreference(Base):
    """One user's choices; a user without a row receives every e-mail (the defaults below)."""

    __tablename__ = "notification_preference"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    new_task: Mapped[bool] = mapped_column(Boolean, default=True)  # 新待办
    daily_digest: Mapped[bool] = mapped_column(Boolean, default=True)  # 每日汇总
    outcomes: Mapped[bool] = mapped_column(Boolean, default=True)  # 办理结果
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")  # the language of e-mails and messages
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DigestSent(Base):
    """A daily digest sent to a user on a day (China date): the job runs again without sending twice."""

    __tablename__ = "digest_sent"

    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
