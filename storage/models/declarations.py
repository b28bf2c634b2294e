"""我要对标: an enterprise's self-declaration (自我声明) of a product benchmarked against standards."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UTCDateTime, utcnow
from storage.models.accounts import Organization
from storage.models.files import StoredFile
from storage.models.workflow import ProcessInstance


class Declaration(Base):
    """One self-declaration; public from the moment it is published.

    ``status`` (new → published → confirmed | taken_down) is written by the
    self_declaration process only. ``standards`` holds the 对比标准 as a list of
    ``{"number", "name"}`` (标准号 normalised). ``search_text`` is the search key of
    产品名称, 产品型号 and the 标准号s (engine.domain.declarations.search_text).
    """

    __tablename__ = "declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(100))
    product_model: Mapped[str] = mapped_column(String(100))
    standards: Mapped[list] = mapped_column(JSON, default=list)
    statement: Mapped[str] = mapped_column(Text)  # 声明内容
    attachment_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"), index=True)
    # The stage of its newest process instance, written by the engine's save only (a projection that
    # lists filter on; engine.projection.project_subject), and which instance wrote it.
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    status_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    taken_down_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taken_down_reason: Mapped[str | None] = mapped_column(Text)  # shown publicly
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    search_text: Mapped[str] = mapped_column(Text, default="")

    enterprise: Mapped[Organization] = relationship(lazy="joined")
    # Its process: the words of its status are the instance's stage label (the BPMN's).
    instance: Mapped[ProcessInstance | None] = relationship(foreign_keys=[instance_id], lazy="joined")
    attachment: Mapped[StoredFile | None] = relationship()
    indicators: Mapped[list[DeclarationIndicator]] = relationship(
        order_by="DeclarationIndicator.position", back_populates="declaration")


class DeclarationIndicator(Base):
    """指标: the enterprise's own value beside the benchmark value and where that comes from."""

    __tablename__ = "declaration_indicator"
    __table_args__ = (UniqueConstraint("declaration_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    declaration_id: Mapped[int] = mapped_column(ForeignKey("declaration.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 序号, from 1
    name: Mapped[str] = mapped_column(String(100))  # 指标名称
    own_value: Mapped[str] = mapped_column(String(100))  # 企业指标值
    benchmark_value: Mapped[str] = mapped_column(String(100))  # 对标值
    benchmark_standard: Mapped[str] = mapped_column(String(200))  # 对标标准

    declaration: Mapped[Declaration] = relationship(back_populates="indicators")
