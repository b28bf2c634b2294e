"""Firing due BPMN timers: claimed in batches through an indexed column, swept until none is due.

A sweep walks the due instances in ``(next_timer_at, id)`` order with a keyset cursor: each batch
is one query of constant shape (no list of what was already seen), fired in one transaction. On
PostgreSQL the batch is claimed with ``FOR UPDATE SKIP LOCKED`` so several sweepers (app nodes,
``duibiao scheduler``) take disjoint batches and never fire the same timer twice; on SQLite
``BEGIN IMMEDIATE`` serialises the sweepers (a second one reads only after the first committed,
when the fired rows have left the due range) and the version column guards the rest.

When an instance of a batch fails, the batch is rolled back and fired again one instance per
transaction, so the failure stays with that instance; it is then left alone until the next sweep
(no retry loop), like an instance SpiffWorkflow finds nothing really due in.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from engine import clock, metrics, runtime
from engine.services import ServiceContext
from storage.models import ProcessInstance

log = logging.getLogger(__name__)
# Suspended, cancelled and failed (出错) instances are skipped: a suspended one's overdue timers fire
# at the first sweep after it is resumed.
ACTIVE = ("running", "waiting")
# Instances fired per transaction: one claim, one state read and one commit for this many timers.
# A batch's rows stay locked until it commits (a few ms each), so it is kept small.
BATCH = 50
# Passes over the due range per sweep: a later pass takes what a pass skipped as locked by another
# sweeper and timers that fell due by firing; a pass that fires nothing ends the sweep.
MAX_PASSES = 5


@dataclass
class _Sweep:
    """One sweep's progress: what it fired, and the instances it leaves to the next sweep."""

    now: datetime
    batch: int
    fired: int = 0
    left: set[int] = field(default_factory=set)  # failed, or nothing really due: not tried again


def _due(session: Session, now: datetime) -> tuple:
    """Due and active: found through the ``next_timer_at`` index, which also gives the sweep's order.
    SQLite, with no statistics, would rather take the status index and sort every active instance
    (milliseconds per thousand waiting, on each claim): ``status || ''`` keeps that index out of it."""
    status = ProcessInstance.status
    if session.get_bind().dialect.name == "sqlite":
        status = status + ""
    return ProcessInstance.next_timer_at <= now, status.in_(ACTIVE)


def overdue(session: Session, now: datetime) -> tuple[int, datetime | None]:
    """Active instances whose timer is due by ``now``, and the oldest due time: one query on the
    sweep's index (the /metrics scrape reads it; a healthy sweep keeps it near empty)."""
    return tuple(session.execute(
        select(func.count(ProcessInstance.id), func.min(ProcessInstance.next_timer_at))
        .where(*_due(session, now))).one())


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


def fire_due(factory: sessionmaker, due_before: datetime | None = None, batch: int = BATCH) -> int:
    """Fire every timer due by ``due_before`` (default: now); returns how many instances were advanced.

    ``due_before`` only decides which timers are due (the query and SpiffWorkflow's own check
    see it); the tasks, events and domain rows the firing writes carry the real ``clock.now()``,
    so ``duibiao engine tick --now <a future moment>`` never dates anything in the future.
    """
    due = due_before if due_before is not None else clock.now()
    sweep = _Sweep(due, batch)
    with clock.timers_due_at(due):
        for _ in range(MAX_PASSES):
            before = sweep.fired
            _one_pass(factory, sweep)
            if sweep.fired == before:
                break
    return sweep.fired


def _one_pass(factory: sessionmaker, sweep: _Sweep) -> None:
    """Walk the due range once, batch after batch, from the oldest due time on."""
    after: tuple[datetime, int] | None = None
    while True:
        claimed = _fire_batch(factory, sweep, after)
        if claimed:
            after = claimed[-1]
        if len(claimed) < sweep.batch:
            return


def _claim(session: Session, sweep: _Sweep, after: tuple[datetime, int] | None) -> list[ProcessInstance]:
    """The next batch of due instances after the cursor (the same statement every time)."""
    query = (
        select(ProcessInstance)
        .where(*_due(session, sweep.now))
        .order_by(ProcessInstance.next_timer_at, ProcessInstance.id)
        .limit(sweep.batch)
    )
    if after is not None:
        due_at, last_id = after
        query = query.where(ProcessInstance.next_timer_at >= due_at,
                            or_(ProcessInstance.next_timer_at > due_at, ProcessInstance.id > last_id))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True, of=ProcessInstance)
    return list(session.scalars(query))


def _load_states(session: Session, instances: list[ProcessInstance]) -> None:
    """The claimed instances' workflow state in one query (the claim itself never reads it)."""
    states = dict(session.execute(select(ProcessInstance.id, ProcessInstance.state)
                                  .where(ProcessInstance.id.in_([row.id for row in instances]))).all())
    for instance in instances:
        set_committed_value(instance, "state", states[instance.id])


def _fire_batch(factory: sessionmaker, sweep: _Sweep,
                after: tuple[datetime, int] | None) -> list[tuple[datetime, int]]:
    """Claim and fire one batch in one transaction; its cursor positions, in order."""
    with factory() as session:
        instances = _claim(session, sweep, after)
        claimed = [(row.next_timer_at, row.id) for row in instances]
        todo = [row for row in instances if row.id not in sweep.left]
        if not todo:
            session.rollback()
            return claimed
        _load_states(session, todo)
        todo_ids, fired = [row.id for row in todo], []
        try:
            for instance in todo:
                process_key, due_at = instance.process_key, instance.next_timer_at  # saving moves them
                if fire_instance(session, instance):
                    fired.append((process_key, due_at))
                else:
                    sweep.left.add(instance.id)
            session.commit()
        except Exception:  # one instance's failure must not cost the others their firing
            session.rollback()
            log.info("a timer batch failed; firing its %s instances one at a time", len(todo_ids))
            for instance_id in todo_ids:
                _fire_alone(factory, sweep, instance_id)
            return claimed
    _count_fired(sweep, fired)
    return claimed


def _fire_alone(factory: sessionmaker, sweep: _Sweep, instance_id: int) -> None:
    """Fire one instance in a transaction of its own (after its batch failed)."""
    if instance_id in sweep.left:
        return
    with factory() as session:
        query = select(ProcessInstance).where(ProcessInstance.id == instance_id, *_due(session, sweep.now))
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=ProcessInstance)
        instance = session.scalars(query).first()
        if instance is None:  # another sweeper fired it meanwhile, or holds it now
            session.rollback()
            return
        process_key, due_at = instance.process_key, instance.next_timer_at
        try:
            if fire_instance(session, instance):
                session.commit()
                _count_fired(sweep, [(process_key, due_at)])
                return
            session.rollback()
        except runtime.AlreadyHandled:
            session.rollback()  # another sweeper or a user moved it first
        except Exception:
            session.rollback()
            log.exception("timer of instance %s failed", instance_id)
            metrics.timer_failed(process_key)
        sweep.left.add(instance_id)


def _count_fired(sweep: _Sweep, fired: list[tuple[str, datetime]]) -> None:
    sweep.fired += len(fired)
    for process_key, due_at in fired:
        # How late the sweep came: real time, not the --now a tick may look ahead to.
        metrics.timer_fired(process_key, (clock.now() - due_at).total_seconds())
