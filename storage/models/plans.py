"""对标方案: the comparison report and the formal plan an institution writes for a pilot."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UTCDateTime, utcnow
from storage.models.accounts import Organization
from storage.models.files import StoredFile
from storage.models.pilots import Enrollment, Pilot
from storage.models.reviewed import Reviewed


class Plan(Base):
    """One institution's plan in one pilot; ``status`` is written by the processes only."""

    __tablename__ = "plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id"), index=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    standard_number: Mapped[str | None] = mapped_column(String(60))
    standard_name: Mapped[str | None] = mapped_column(String(200))
    # The stage of its newest process instance, written by the engine's save only (a projection that
    # lists filter on; engine.projection.project_subject), and which instance wrote it.
    status: Mapped[str] = mapped_column(String(30), default="report_drafting", index=True)
    status_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    # 公示 window of the current (or last) publicity round, and 发布时间.
    publicity_round: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    publicity_starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    publicity_ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pilot: Mapped[Pilot] = relationship(lazy="joined")
    enrollment: Mapped[Enrollment] = relationship()
    organization: Mapped[Organization] = relationship()  # the institution writing the plan


class PlanSubmission(Reviewed, Base):
    """A submission for review (the comparison report, or the formal plan), kept as history."""

    __tablename__ = "plan_submission"
    __table_args__ = (UniqueConstraint("plan_id", "stage", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    # report (比对分析报告) | plan (正式版): which document was filed, not a BPMN stage (column "stage")
    kind: Mapped[str] = mapped_column("stage", String(20))
    sequence: Mapped[int] = mapped_column(Integer)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    plan: Mapped[Plan] = relationship()
    documents: Mapped[list[PlanDocument]] = relationship(order_by="PlanDocument.id")


class PlanDocument(Base):
    __tablename__ = "plan_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("plan_submission.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))

    file: Mapped[StoredFile] = relationship(lazy="joined")


class Indicator(Base):
    """指标项 of a plan's current draft (a submitted version is snapshotted in its submission)."""

    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("plan_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 序号
    level1: Mapped[str] = mapped_column(String(20))  # 一级指标: safety | performance | low_carbon | smart
    level2: Mapped[str] = mapped_column(String(100))  # 二级指标
    value: Mapped[str] = mapped_column(String(100))  # 指标值
    basis: Mapped[str] = mapped_column(String(200))  # 对标依据
    method: Mapped[str] = mapped_column(String(200))  # 试验/评价方法标准


class PlanCoDrafter(Base):
    """参编单位: an enterprise named as co-drafter of a plan."""

    __tablename__ = "plan_co_drafter"
    __table_args__ = (UniqueConstraint("plan_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)


class PlanComment(Base):
    """修订意见 filed during a publicity round; the office marks it 采纳 or 不采纳 with a reply."""

    __tablename__ = "plan_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    publicity_round: Mapped[int] = mapped_column(Integer)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    text: Mapped[str] = mapped_column(Text)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolution: Mapped[str | None] = mapped_column(String(10))  # adopt | dismiss
    reply: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    file: Mapped[StoredFile | None] = relationship(lazy="joined")
    organization: Mapped[Organization] = relationship(lazy="joined")  # who filed it
