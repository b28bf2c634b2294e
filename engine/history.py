"""历史: every decision of every user task as its own record (task, BPMN name, actor, decision, reason).

The record is the task's audit row (``process_event`` of kind ``task_completed``, or ``withdrawn`` when
a withdrawal interrupted the task), written by the runtime whatever the form; 已办, the history tables
and the operator's instance page read it by task, never by form key.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.models import ProcessEvent, ProcessInstance

DECIDED = ("task_completed", "withdrawn")
WITHDRAWN = "withdrawn"


def latest_decision(session: Session, instance_id: int) -> str | None:
    """The newest decision taken in an instance (a return, a withdrawal …)."""
    return session.scalar(select(ProcessEvent.decision).where(
        ProcessEvent.instance_id == instance_id, ProcessEvent.kind.in_(DECIDED))
        .order_by(ProcessEvent.sequence.desc()).limit(1))


def latest_record(session: Session, instance_id: int) -> ProcessEvent | None:
    """The newest decision record of an instance."""
    return session.scalars(select(ProcessEvent).where(
        ProcessEvent.instance_id == instance_id, ProcessEvent.kind.in_(DECIDED))
        .order_by(ProcessEvent.sequence.desc()).limit(1)).first()


def of_tasks(session: Session, task_ids: list[int]) -> dict[int, ProcessEvent]:
    """Human task id → its decision record (one query)."""
    if not task_ids:
        return {}
    return {row.human_task_id: row for row in session.scalars(
        select(ProcessEvent).where(ProcessEvent.human_task_id.in_(task_ids), ProcessEvent.kind.in_(DECIDED)))}


def of_subject(session: Session, *, business_key: str | None = None, instance_id: int | None = None,
               limit: int = 200) -> list[ProcessEvent]:
    """The decisions on one subject, oldest first: of every instance under its business key (the
    chained processes of a plan share one), or of one instance."""
    query = select(ProcessEvent).where(ProcessEvent.kind.in_(DECIDED))
    if business_key is not None:
        query = query.join(ProcessInstance, ProcessInstance.id == ProcessEvent.instance_id).where(
            ProcessInstance.business_key == business_key)
    elif instance_id is not None:
        query = query.where(ProcessEvent.instance_id == instance_id)
    else:
        return []
    return list(session.scalars(query.order_by(ProcessEvent.created_at, ProcessEvent.id).limit(limit)))
