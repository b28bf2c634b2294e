"""参与达标: applications against a published plan, their evaluations, and certificates."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UTCDateTime, utcnow
from storage.models.accounts import Organization
from storage.models.files import StoredFile
from storage.models.plans import Plan, PlanSubmission
from storage.models.reviewed import Reviewed


class Application(Base):
    """One enterprise's application for one product model against one published plan.

    ``plan_submission_id`` is the formal version that was public when the enterprise
    applied: its indicators are what the application is measured against, whatever
    later versions of the plan say. ``status`` is written by the process only.
    """

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    plan_submission_id: Mapped[int] = mapped_column(ForeignKey("plan_submission.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    product_name: Mapped[str] = mapped_column(String(100))
    product_model: Mapped[str] = mapped_column(String(100))
    model_key: Mapped[str] = mapped_column(String(100), index=True)  # 产品型号 compared without case/spaces
    # The stage of its newest process instance, written by the engine's save only (a projection that
    # lists filter on; engine.projection.project_subject), and which instance wrote it.
    status: Mapped[str] = mapped_column(String(30), default="institution_review", index=True)
    status_instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    plan: Mapped[Plan] = relationship(lazy="joined")
    plan_version: Mapped[PlanSubmission] = relationship()
    enterprise: Mapped[Organization] = relationship(foreign_keys=[enterprise_id])
    institution: Mapped[Organization] = relationship(foreign_keys=[institution_id])


class ApplicationSubmission(Reviewed, Base):
    """One (re)submission by the enterprise; the institution's 退回 is its decision."""

    __tablename__ = "application_submission"
    __table_args__ = (UniqueConstraint("application_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    product_model: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")  # 备注
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    application: Mapped[Application] = relationship()
    reports: Mapped[list[ApplicationReport]] = relationship(order_by="ApplicationReport.id")
    measurements: Mapped[list[Measurement]] = relationship(order_by="Measurement.position")


class ApplicationReport(Base):
    """产品检测报告 (PDF) of one submission."""

    __tablename__ = "application_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("application_submission.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), index=True)

    file: Mapped[StoredFile] = relationship(lazy="joined")


class Measurement(Base):
    """检测值 of one indicator, with the indicator as the published plan stated it."""

    __tablename__ = "measurement"
    __table_args__ = (UniqueConstraint("submission_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("application_submission.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    level1: Mapped[str] = mapped_column(String(20))
    level2: Mapped[str] = mapped_column(String(100))
    value: Mapped[str] = mapped_column(String(100))  # 指标值
    basis: Mapped[str] = mapped_column(String(200))  # 对标依据
    method: Mapped[str] = mapped_column(String(200))  # 试验/评价方法标准
    measured: Mapped[str] = mapped_column(String(100), default="")  # 检测值 ("" when optional and left out)


class Evaluation(Reviewed, Base):
    """The institution's evaluation of one submission; the office files (or returns) it.

    ``items`` holds one ``{"position", "verdict": "pass"|"fail", "remark"}`` per measurement.
    """

    __tablename__ = "evaluation"
    __table_args__ = (UniqueConstraint("application_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("application_submission.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    conclusion: Mapped[str] = mapped_column(String(10))  # pass (达标) | fail (未达标)
    explanation: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))


class Certificate(Base):
    """The platform's certificate for a filed 达标 result; ``facts`` is what it states, frozen."""

    __tablename__ = "certificate"
    # 达标结果: the valid certificates, newest first (migration 0020).
    __table_args__ = (Index("ix_certificate_valid_issued", "issued_at", "id",
                            postgresql_where=text("revoked_at IS NULL"), sqlite_where=text("revoked_at IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    number: Mapped[str | None] = mapped_column(String(30), unique=True)  # 证书编号
    code: Mapped[str] = mapped_column(String(32), unique=True)  # verification code in /verify/<code>
    facts: Mapped[dict] = mapped_column(JSON, default=dict)
    search_text: Mapped[str] = mapped_column(Text, default="")
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    uploaded_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_file.id"))  # the institution's 证书
    uploaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    application: Mapped[Application] = relationship()
    uploaded_file: Mapped[StoredFile | None] = relationship()
