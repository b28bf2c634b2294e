"""机构服务 (an institution's public service profile, listed in 机构名录) and 组织架构 (the programme's
structure, edited by the office and shown under 关于我们)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UTCDateTime, utcnow
from storage.models.files import StoredFile


class ServiceProfile(Base):
    """机构服务 → 服务信息 of one institution: what the public sees in 机构名录 while ``published``.

    The contact particulars are the public ones and may differ from the account's. Public only
    while ``published`` and the organisation is an active institution (checked when read).
    """

    __tablename__ = "service_profile"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    summary: Mapped[str] = mapped_column(Text)  # 服务简介
    qualifications: Mapped[str | None] = mapped_column(Text)  # 资质
    qualification_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"), index=True)
    contact: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str | None] = mapped_column(String(200))
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)  # 是否公开
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    qualification_file: Mapped[StoredFile | None] = relationship(lazy="joined")
    fields: Mapped[list[ServiceProfileField]] = relationship(
        order_by="ServiceProfileField.position", cascade="all, delete-orphan", lazy="selectin")


class ServiceProfileField(Base):
    """One 服务领域 (a GB/T 4754 class code such as ``M7454``) of a service profile; 机构名录 filters on it."""

    __tablename__ = "service_profile_field"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("service_profile.organization_id"), index=True)
    code: Mapped[str] = mapped_column(String(10), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)


class OrgChart(Base):
    """组织架构: one row (id 1): whether it is published, and its optional image (PNG / JPEG)."""

    __tablename__ = "org_chart"

    id: Mapped[int] = mapped_column(primary_key=True)
    published: Mapped[bool] = mapped_column(Boolean, default=False)
    image_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    image: Mapped[StoredFile | None] = relationship(lazy="joined")


class OrgChartNode(Base):
    """One box of the 组织架构 tree: 名称, 职责, its parent (None: a root) and its place among its siblings."""

    __tablename__ = "org_chart_node"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org_chart_node.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(50))
    duty: Mapped[str | None] = mapped_column(Text)  # 职责
