"""`duibiao engine check`: does each instance's row and inbox say what its engine state says?

The instance row (status, stage, stage_label, stage_element, next_timer_at) and the inbox projection (human_task rows
in state ``ready``) are written from the engine state by every save (runtime.save). A crash between
two writes, a hand edit or a bug can leave them apart: this module finds such differences and, when
asked, rewrites the projection from the state (the state is the truth; it is never changed here).

Statuses an operator sets (suspended, cancelled) and ``error`` are not the engine's to compute: for
those only the stage is compared, and a cancelled instance must hold no open inbox row. A suspended
instance holds its open tasks as rows in state ``suspended`` (out of every inbox until 恢复): those are
what its READY tasks are compared with, and a repair leaves them held.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.orm import Session, undefer

from engine import clock, definitions, projection, serializer
from engine.scripting import SafeScriptEngine
from engine.services import ServiceContext
from storage.models import HumanTask, ProcessInstance

ENGINE_STATUSES = frozenset({"running", "waiting", "completed"})
COMPARED_COLUMNS = ("status", "stage", "stage_label", "stage_element", "next_timer_at")
STAGE_COLUMNS = ("stage", "stage_label", "stage_element")  # compared whatever the instance's status


@dataclass
class Finding:
    """The differences of one instance: column → (stored, expected); inbox rows missing or extra."""

    instance_id: int
    columns: dict[str, tuple] = field(default_factory=dict)
    missing_tasks: list[str] = field(default_factory=list)  # READY user tasks without an open row
    extra_tasks: list[str] = field(default_factory=list)  # open rows of tasks that are not READY
    unreadable: str | None = None  # the state could not be loaded (nothing to compare; never repaired)

    def __bool__(self) -> bool:
        return bool(self.columns or self.missing_tasks or self.extra_tasks or self.unreadable)


def check(session: Session, repair: bool = False, batch: int = 50) -> list[Finding]:
    """Every instance, ``batch`` at a time (states are large: each batch is let go before the next);
    with ``repair`` the differences are rewritten and committed batch by batch."""
    ids = session.scalars(select(ProcessInstance.id).order_by(ProcessInstance.id)).all()
    findings = []
    for start in range(0, len(ids), batch):
        chunk = ids[start:start + batch]
        instances = session.scalars(select(ProcessInstance).where(ProcessInstance.id.in_(chunk))
                                    .options(undefer(ProcessInstance.state)).order_by(ProcessInstance.id)).all()
        for instance in instances:
            finding = check_instance(session, instance, repair)
            if finding:
                findings.append(finding)
        if repair:
            session.commit()
        session.expunge_all()
    return findings


def check_instance(session: Session, instance: ProcessInstance, repair: bool = False) -> Finding:
    finding = Finding(instance.id)
    try:
        workflow = _load(session, instance)
    except Exception as exc:  # noqa: BLE001 — one broken state must not hide the others' findings
        finding.unreadable = f"{type(exc).__name__}: {exc}"[:300]
        return finding
    summary = projection.summarize(workflow)
    expected = {"status": summary.status, "stage": summary.stage, "stage_label": summary.stage_label,
                "stage_element": summary.stage_element, "next_timer_at": summary.next_timer_at}
    compared = COMPARED_COLUMNS if instance.status in ENGINE_STATUSES else STAGE_COLUMNS
    for column in compared:
        stored = getattr(instance, column)
        if stored != expected[column]:
            finding.columns[column] = (stored, expected[column])
    open_rows = set(session.scalars(select(HumanTask.engine_task_id).where(
        HumanTask.instance_id == instance.id, HumanTask.state == _open_state(instance))).all())
    ready = projection.ready_task_ids(workflow) if instance.status != "cancelled" else set()
    finding.missing_tasks = sorted(ready - open_rows)
    finding.extra_tasks = sorted(open_rows - ready)
    if repair and finding:  # (an unreadable state returned above: nothing to repair from)
        _repair(session, instance, workflow, finding)
    return finding


def _open_state(instance: ProcessInstance) -> str:
    return "suspended" if instance.status == "suspended" else "ready"


def _move_rows(session: Session, instance: ProcessInstance, from_state: str, to_state: str) -> None:
    session.flush()
    session.execute(update(HumanTask).where(HumanTask.instance_id == instance.id, HumanTask.state == from_state)
                    .values(state=to_state).execution_options(synchronize_session=False))


def _load(session: Session, instance: ProcessInstance):
    spec, subprocess_specs = definitions.specs_for(session, instance.definition)
    context = ServiceContext(session, instance, None)
    return serializer.loads(instance.state, spec, subprocess_specs, SafeScriptEngine(context))


def _repair(session: Session, instance: ProcessInstance, workflow, finding: Finding) -> None:
    """Rewrite what differs from the state: the columns, then the inbox (rows of tasks no longer READY
    are closed, READY tasks without an open row get one, reopening a closed row of the same task)."""
    now = clock.now()
    if finding.columns:
        values = {column: expected for column, (_, expected) in finding.columns.items()}
        session.execute(update(ProcessInstance).where(ProcessInstance.id == instance.id)
                        .values(**values, version=ProcessInstance.version + 1)
                        .execution_options(synchronize_session=False))
    if not (finding.missing_tasks or finding.extra_tasks):
        return
    held = _open_state(instance) == "suspended"
    if held:  # repaired as if offered, then held back again: a suspended instance stays out of every inbox
        _move_rows(session, instance, "suspended", "ready")
    closed = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id,
                                                     HumanTask.engine_task_id.in_(finding.missing_tasks))).all()
    for row in closed:  # the unique (instance, engine task) pair: reopen rather than insert
        row.state, row.completed_at, row.completed_by_id = "ready", None, None
    session.flush()
    open_ids = set(session.scalars(select(HumanTask.engine_task_id).where(
        HumanTask.instance_id == instance.id, HumanTask.state == "ready")).all())
    ready = [] if instance.status == "cancelled" else projection.summarize(workflow).ready
    projection.sync_human_tasks(session, instance, workflow, ready, now, open_ids)
    if held:
        _move_rows(session, instance, "ready", "suspended")
