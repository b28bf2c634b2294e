"""Firing due BPMN timers: one instance per transaction, found through an indexed column.

On PostgreSQL each due instance is claimed with ``FOR UPDATE SKIP LOCKED`` so
several sweepers (app nodes, ``duibiao scheduler``) never fire the same timer
twice; on SQLite ``BEGIN IMMEDIATE`` serialises the sweepers and the version
column guards the rest.
"""
from __future__ import annotations

import logging
from datetime import datetime

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine import clock, metrics, runtime
from engine.services import ServiceContext
from storage.models import ProcessInstance

log = logging.getLogger(__name__)
# Suspended, cancelled and failed (出错) instances are skipped: a suspended one's overdue timers fire
# at the first sweep after it is resumed.
ACTIVE = ("running", "waiting")


def _claim_next(session: Session, now: datetime, skip: set[int]) -> ProcessInstance | None:
    query = (
        select(ProcessInstance)
        .where(ProcessInstance.next_timer_at <= now, ProcessInstance.status.in_(ACTIVE))
        .order_by(ProcessInstance.next_timer_at, ProcessInstance.id)
        .limit(1)
    )
    if skip:
        query = query.where(ProcessInstance.id.not_in(skip))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=ProcessInstance)
    return session.scalars(query).first()


def overdue(session: Session, now: datetime) -> tuple[int, datetime | None]:
    """Active instances whose timer is due by ``now``, and the oldest due time: one query on the
    sweep's index (the /metrics scrape reads it; a healthy sweep keeps it near empty)."""
    return tuple(session.execute(
        select(func.count(ProcessInstance.id), func.min(ProcessInstance.next_timer_at))
        .where(ProcessInstance.next_timer_at <= now, ProcessInstance.status.in_(ACTIVE))).one())


def fire_instance(session: Session, instance: ProcessInstance) -> bool:
    """Fire the instance's due timers; False (and nothing saved) when none was really due."""
    context = ServiceContext(session, instance, None)
    workflow = runtime.load(session, instance, context)
    waiting = {task.id for task in workflow.get_tasks(state=TaskState.WAITING)}
    workflow.refresh_timers()
    if not any(task.state != TaskState.WAITING for task in map(workflow.get_task_from_id, waiting)
               if task is not None):
        return False
    runtime.record(context, "timer", summary={"due": instance.next_timer_at.isoformat()})
    runtime.run_engine(workflow, context)
    runtime.save(session, instance, workflow, context)
    return True


def fire_due(factory: sessionmaker, due_before: datetime | None = None, limit: int = 1000) -> int:
    """Fire every timer due by ``due_before`` (default: now); returns how many instances were advanced.

    ``due_before`` only decides which timers are due (the query and SpiffWorkflow's own check
    see it); the tasks, events and domain rows the firing writes carry the real ``clock.now()``,
    so ``duibiao engine tick --now <a future moment>`` never dates anything in the future.
    """
    due = due_before if due_before is not None else clock.now()
    with clock.timers_due_at(due):
        return _fire_due(factory, due, limit)


def _fire_due(factory: sessionmaker, now: datetime, limit: int) -> int:
    fired, seen = 0, set()
    while len(seen) < limit:
        with factory() as session:
            instance = _claim_next(session, now, seen)
            if instance is None:
                session.rollback()
                break
            seen.add(instance.id)
            process_key, due_at = instance.process_key, instance.next_timer_at  # saving moves them
            try:
                if fire_instance(session, instance):
                    session.commit()
                    fired += 1
                    # How late the sweep came: real time, not the --now a tick may look ahead to.
                    metrics.timer_fired(process_key, (clock.now() - due_at).total_seconds())
                else:
                    session.rollback()
            except runtime.AlreadyHandled:
                session.rollback()  # another sweeper got there first
            except Exception:
                session.rollback()
                log.exception("timer of instance %s failed", instance.id)
                metrics.timer_failed(process_key)
    return fired
