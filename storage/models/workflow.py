"""Process definitions, instances, the inbox projection and the audit trail."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from storage.db import Base, UTCDateTime, utcnow


class ProcessDefinition(Base):
    __tablename__ = "process_definition"
    __table_args__ = (
        UniqueConstraint("key", "sha256"),
        UniqueConstraint("key", "version", name="uq_process_definition_key_version"),
        # One version per process is the one new instances start on.
        Index("uq_process_definition_current", "key", unique=True,
              sqlite_where=text("is_current"), postgresql_where=text("is_current")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)  # read once per version
    # Definition ids of called processes, fixed at deploy time.
    dependencies: Mapped[list] = mapped_column(JSON, default=list)
    deployed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deployed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The version new instances start on (the newest deployed, or one a designer made current again).
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str | None] = mapped_column(Text)  # the designer's words when deploying
    # The scenario files the version passed ({file name: YAML}); None: the ones beside the shipped file.
    scenarios: Mapped[dict | None] = mapped_column(JSON, deferred=True)
    # The designer-made forms its user tasks show, fixed at deploy time ({form key: form_definition id}).
    forms: Mapped[dict | None] = mapped_column(JSON)


class ProcessDraft(Base):
    """A designer's work in progress on one process (流程设计 → 保存), until deployed or discarded."""

    __tablename__ = "process_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)
    note: Mapped[str] = mapped_column(Text, default="")
    # The process's scenarios as the designer edits them with the draft ({file name: YAML}).
    scenarios: Mapped[dict] = mapped_column(JSON, default=dict, deferred=True)
    state: Mapped[str] = mapped_column(String(20), default="open")  # open | deployed | discarded
    # Counts saves: a save made against an older revision would overwrite a colleague's (refused).
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # The deployed version the draft was started from (what 比较 compares it with by default).
    base_definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definition.id"))
    deployed_definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definition.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    base_definition: Mapped[ProcessDefinition | None] = relationship(foreign_keys=[base_definition_id])


class DesignAudit(Base):
    """Who saved, discarded, deployed or made current which process version, when, with the diff summary."""

    __tablename__ = "design_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(30))
    process_key: Mapped[str] = mapped_column(String(100), index=True)
    draft_id: Mapped[int | None] = mapped_column(Integer)  # no foreign key: the trail outlives drafts
    definition_id: Mapped[int | None] = mapped_column(ForeignKey("process_definition.id"))
    version: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")
    summary: Mapped[dict] = mapped_column(JSON, default=dict)  # the diff: added / removed / changed ids


class OperatorAction(Base):
    """运维操作: what an operator did to an instance or one of its tasks (suspend, resume, cancel, reassign,
    retry, fire a timer, migrate), why, who and when — append-only."""

    __tablename__ = "operator_action"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    action: Mapped[str] = mapped_column(String(30))
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), index=True)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # e.g. from / to version, reassigned to


class ProcessInstance(Base):
    __tablename__ = "process_instance"
    # The operator console's list: one process, newest first (migration 0015).
    __table_args__ = (
        Index("ix_process_instance_key_created", "process_key", "created_at"),
        # The operator API's list by status, or by process and status, newest first (migration 0021).
        Index("ix_process_instance_status_created", "status", "created_at"),
        Index("ix_process_instance_key_status_created", "process_key", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    definition_id: Mapped[int] = mapped_column(ForeignKey("process_definition.id"), index=True)
    # Searched by process through ix_process_instance_key_created, by status through
    # ix_process_instance_status_created (a one-column index of either is one more write per save: 0035).
    process_key: Mapped[str] = mapped_column(String(100))
    business_key: Mapped[str | None] = mapped_column(String(100), index=True)
    subject: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[str] = mapped_column(String(20), default="running")
    stage: Mapped[str | None] = mapped_column(String(50), index=True)
    # The stage's words as the BPMN declares them (stageLabel), in the source language.
    stage_label: Mapped[str | None] = mapped_column(String(100))
    # The id of the BPMN element that set the stage (the open task, the waiting event, the end reached):
    # the step bar places the instance by it (engine.progress), an end event leaving no other trace.
    stage_element: Mapped[str | None] = mapped_column(String(100))
    # Why the instance is in error (the element and the message), for operators.
    error: Mapped[str | None] = mapped_column(Text)
    # Deferred: lists and the inbox never fetch the (large) workflow state.
    state: Mapped[str] = mapped_column(Text, deferred=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Sequence number of the newest process_event row (saves a MAX() per request).
    last_event_sequence: Mapped[int] = mapped_column(Integer, default=0)
    # Hash of that row (storage.event_chain): the next row chains to it without reading it.
    last_event_hash: Mapped[str | None] = mapped_column(String(64))
    next_timer_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    started_by_org_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    definition: Mapped[ProcessDefinition] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}


class HumanTask(Base):
    """Inbox projection: one row per READY user task, kept in step with the engine."""

    __tablename__ = "human_task"
    __table_args__ = (
        UniqueConstraint("instance_id", "engine_task_id"),
        Index("ix_human_task_inbox", "state", "role", "organization_id", "created_at"),
        # "Waiting on a person": does this instance have an open row? (console list; migration 0015)
        Index("ix_human_task_instance_state", "instance_id", "state"),
        # 待办 newest first: only the open rows, walked in order (migration 0020).
        Index("ix_human_task_ready_created", "created_at", "id", postgresql_where=text("state = 'ready'"),
              sqlite_where=text("state = 'ready'")),
        # 已办 of one user by completion time (migration 0026).
        Index("ix_human_task_done", "completed_by_id", "completed_at"),
        # 待办's 期限 filter and sort: the open rows by due date (migration 0028).
        Index("ix_human_task_ready_due", "due_at", "id", postgresql_where=text("state = 'ready'"),
              sqlite_where=text("state = 'ready'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed by uq_human_task_instance_id, completed_by_id by ix_human_task_done (migration 0035).
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    engine_task_id: Mapped[str] = mapped_column(String(36))
    process_key: Mapped[str] = mapped_column(String(100))
    task_name: Mapped[str] = mapped_column(String(100))
    title: Mapped[str] = mapped_column(String(200))
    form_key: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(30))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    state: Mapped[str] = mapped_column(String(20), default="ready")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The message a boundary event on this task catches while it is open (a withdrawal, say).
    withdraw_message: Mapped[str | None] = mapped_column(String(100))

    instance: Mapped[ProcessInstance] = relationship()


class ProcessEvent(Base):
    """Append-only audit trail of an instance, and its history: a ``task_completed`` (or ``withdrawn``)
    row is the record of one decision of one user task (task, BPMN name, actor, decision, reason)."""

    __tablename__ = "process_event"
    __table_args__ = (UniqueConstraint("instance_id", "sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"))
    sequence: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    task_name: Mapped[str | None] = mapped_column(String(100))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    human_task_id: Mapped[int | None] = mapped_column(ForeignKey("human_task.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(200))  # the task's BPMN name
    decision: Mapped[str | None] = mapped_column(String(30))
    reason: Mapped[str | None] = mapped_column(Text)
    # sha256 of the fields above and the instance's previous row's hash (storage.event_chain).
    hash: Mapped[str | None] = mapped_column(String(64))

