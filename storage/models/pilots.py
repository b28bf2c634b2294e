"""试点 (pilot recruitments) and 报名 (enrolments) with their submissions."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UTCDateTime, utcnow
from storage.models.accounts import Organization
from storage.models.files import StoredFile
from storage.models.reviewed import Reviewed


class Pilot(Base):
    __tablename__ = "pilot"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    product_name: Mapped[str] = mapped_column(String(100))
    recruit_type: Mapped[str] = mapped_column(String(20))
    field: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date] = mapped_column(Date)  # 报名截止, inclusive, China time
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # 结束招募: the office ended the recruitment before its 报名截止 (None: it runs to the deadline).
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # last 编辑 after 发布
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    files: Mapped[list[PilotFile]] = relationship(order_by="PilotFile.id")


class PilotFile(Base):
    __tablename__ = "pilot_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))

    file: Mapped[StoredFile] = relationship(lazy="joined")


class Enrollment(Base):
    """One organisation's enrolment in one pilot; its status is the process's stage."""

    __tablename__ = "enrollment"
    __table_args__ = (UniqueConstraint("pilot_id", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilot.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    instance_id: Mapped[int | None] = mapped_column(ForeignKey("process_instance.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pilot: Mapped[Pilot] = relationship(lazy="joined")
    organization: Mapped[Organization] = relationship()
    submissions: Mapped[list[EnrollmentSubmission]] = relationship(
        order_by="EnrollmentSubmission.sequence.desc()", back_populates="enrollment")


class EnrollmentSubmission(Reviewed, Base):
    """One (re)submission of an enrolment's qualification files, kept as history."""

    __tablename__ = "enrollment_submission"
    __table_args__ = (UniqueConstraint("enrollment_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollment.id"), index=True)
    sequence: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    enrollment: Mapped[Enrollment] = relationship(back_populates="submissions")
    files: Mapped[list[EnrollmentFile]] = relationship(order_by="EnrollmentFile.id")


class EnrollmentFile(Base):
    __tablename__ = "enrollment_file"

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("enrollment_submission.id"), index=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"))

    file: Mapped[StoredFile] = relationship(lazy="joined")
