"""Designer-made forms: their deployed versions, the designers' drafts, and every submission's answers."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime, utcnow


class FormDefinition(Base):
    """One deployed version of a form (a form-js schema). Process versions are bound to the form
    versions they were deployed with (ProcessDefinition.forms), so running instances keep their forms."""

    __tablename__ = "form_definition"
    __table_args__ = (
        UniqueConstraint("key", "sha256"),
        UniqueConstraint("key", "version", name="uq_form_definition_key_version"),
        Index("uq_form_definition_current", "key", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    schema: Mapped[dict] = mapped_column(JSON)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The version the next process deploy binds (the newest deployed).
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)


class FormDraft(Base):
    """A designer's work in progress on one form (流程设计 → 表单), until deployed with a process or discarded."""

    __tablename__ = "form_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    form_key: Mapped[str] = mapped_column(String(100), index=True)
    schema: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | deployed | discarded
    # Counts saves: a save made against an older revision would overwrite a colleague's (refused).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    base_definition_id: Mapped[int | None] = mapped_column(ForeignKey("form_definition.id"))
    deployed_definition_id: Mapped[int | None] = mapped_column(ForeignKey("form_definition.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FormSubmission(Base):
    """The answers of one completed user task given on a designer-made form: who, when, which form
    version, every value (files by stored-file id). Kept here, not in the workflow state; only the
    fields the form marks as outcomes go to the workflow data."""

    __tablename__ = "form_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    human_task_id: Mapped[int] = mapped_column(ForeignKey("human_task.id"), unique=True)
    form_definition_id: Mapped[int] = mapped_column(ForeignKey("form_definition.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answers: Mapped[dict] = mapped_column(JSON, default=dict)


class FormSubmissionFile(Base):
    """A PDF uploaded with a designer-made form's answers (who may download it follows the instance)."""

    __tablename__ = "form_submission_file"

    submission_id: Mapped[int] = mapped_column(ForeignKey("form_submission.id"), primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_file.id"), primary_key=True, index=True)
