"""Articles (文章) the programme office publishes in the portal's content columns (工作动态, 帮助中心, …)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UTCDateTime, utcnow
from storage.models.files import StoredFile


class Article(Base):
    """One article in one column; public only while ``status`` is ``published``.

    ``column_key`` is one of engine.domain.articles.COLUMNS. ``body`` is plain text
    (shown escaped, line breaks kept). ``published_at`` is set by the first 发布 and
    kept when a withdrawn article is published again.
    """

    __tablename__ = "article"
    # The public column list: WHERE column_key = ? AND status = 'published' ORDER BY published_at DESC.
    __table_args__ = (Index("ix_article_public_list", "column_key", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    column_key: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(100))
    body: Mapped[str] = mapped_column(Text)
    attachment_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="draft", index=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    attachment: Mapped[StoredFile | None] = relationship()
