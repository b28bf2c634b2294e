"""Keeping the instance row and the inbox projection in step with the engine state."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, func, insert, or_, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from engine.task_due import due_at, timer_due
from storage import loaded_rows
from storage.fast_sql import Prepared
from storage.models import HumanTask, ProcessInstance

# Lanes whose tasks go to one organisation named in the instance data.
ORG_LANES = {"institution": "institution_org_id", "enterprise": "enterprise_org_id"}
APPLICANT_LANE = "applicant"


class EngineError(Exception):
    """The engine reached a state the platform refuses to save."""


def properties(task_spec) -> dict:
    return (getattr(task_spec, "extensions", None) or {}).get("properties", {})


def ready_user_tasks(workflow: BpmnWorkflow):
    return workflow.get_tasks(state=TaskState.READY, manual=True)


def assert_consistent(workflow: BpmnWorkflow) -> None:
    """Refuse the silent stall: 'completed' while unfinished tasks remain in the tree."""
    if not workflow.is_completed():
        return
    unfinished = TaskState.READY | TaskState.WAITING | TaskState.STARTED
    for wf in [workflow, *workflow.subprocesses.values()]:
        for task in wf.tasks.values():
            if task.state & unfinished:
                raise EngineError(f"workflow reports completion with {task.task_spec.name} open")


@dataclass
class Summary:
    """What the instance row and the inbox keep of a workflow: computed in one walk of its tasks."""

    ready: list  # READY user tasks, in the engine's order
    status: str
    stage: str | None
    stage_label: str | None  # the words the BPMN declares beside the stage code (stageLabel)
    next_timer_at: datetime | None
    stage_element: str | None = None  # the id of the BPMN element whose stage this is (the step bar's)


def summarize(workflow: BpmnWorkflow) -> Summary:
    """READY user tasks; engine status; the stage of the open user task, else of a waiting element,
    else of the last finished element (and that element's id); the earliest timer due."""
    ready, timers, error = [], [], False
    ready_staged = waiting_staged = None  # (element id, properties)
    finished = None  # (last_state_change, (element id, properties)) of the latest finished staged element
    for task in workflow.get_tasks():
        state = task.state
        if state == TaskState.READY and task.task_spec.manual:
            ready.append(task)
            ready_staged = ready_staged or _staged(task.task_spec)
        elif state == TaskState.WAITING:
            waiting_staged = waiting_staged or _staged(task.task_spec)
            timers.extend(timer_due(task))
        elif state == TaskState.COMPLETED:
            staged = _staged(task.task_spec)
            if staged and (finished is None or task.last_state_change > finished[0]):
                finished = (task.last_state_change, staged)
        elif state == TaskState.ERROR:
            error = True
    status = "error" if error else "completed" if workflow.is_completed() else "running" if ready else "waiting"
    element, props = ready_staged or waiting_staged or (finished[1] if finished else None) or (None, {})
    return Summary(ready, status, props.get("stage"), props.get("stageLabel"), min(timers) if timers else None,
                   element)


def _staged(task_spec) -> tuple[str, dict] | None:
    props = properties(task_spec)
    return (task_spec.name, props) if props.get("stage") else None


def boundary_messages(task_spec) -> list[str]:
    """Names of the messages that boundary events on this task catch while it is open."""
    names = []
    for split in task_spec.inputs:
        if type(split).__name__ != "BoundaryEventSplit":
            continue
        for event in split.outputs:
            definition = getattr(event, "event_definition", None)
            if event is not task_spec and isinstance(definition, MessageEventDefinition):
                names.append(definition.name)
    return names


# --- the status of a subject (a plan, an application …): the stage of its newest instance -----------


@dataclass(frozen=True)
class SubjectProjection:
    """Where a process's stage is kept for lists to filter on: ``model.status`` of the row whose id
    the instance data field ``data_field`` holds. ``after`` (session, row id) runs once the new status
    is written (a search index that follows it, say)."""

    model: type  # a mapped class with status and status_instance_id columns
    data_field: str
    after: Callable[[Session, int], None] | None = None


# Process key → its subject; registered at start-up by the modules that start those processes.
subjects: dict[str, SubjectProjection] = {}


def project_onto(process_key: str, model: type, data_field: str, after=None) -> None:
    subjects[process_key] = SubjectProjection(model, data_field, after)


def project_subject(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow, stage: str | None):
    """Write the instance's stage as its subject's status: the one code path that writes a status a
    list filters on. The newest instance of a subject wins (chained processes finish their save after
    the one they started), so an older one never overwrites a newer one's stage."""
    target = subjects.get(instance.process_key)
    row_id = workflow.task_tree.data.get(target.data_field) if target is not None else None
    if row_id is None or stage is None:
        return
    table = target.model.__table__
    written = session.connection().execute(
        update(table).where(table.c.id == int(row_id), or_(table.c.status_instance_id.is_(None),
                                                           table.c.status_instance_id <= instance.id))
        .values(status=stage, status_instance_id=instance.id)).rowcount
    if not written:
        return
    held = session.identity_map.get(identity_key(target.model, int(row_id)))
    if held is not None:  # the row the request holds learns it without a reload
        set_committed_value(held, "status", stage)
        set_committed_value(held, "status_instance_id", instance.id)
    if target.after is not None:
        target.after(session, int(row_id))


def task_organization(instance: ProcessInstance, task) -> int | None:
    lane = task.task_spec.lane
    if lane == APPLICANT_LANE:
        return instance.started_by_org_id
    field = ORG_LANES.get(lane)
    if field is None:
        return None
    value = task.data.get(field, task.workflow.top_workflow.data.get(field))
    if value is None:
        raise EngineError(f"task {task.task_spec.name} in lane {lane} but no {field} in data")
    return int(value)


_INSERT_TASK = Prepared(insert(HumanTask.__table__).returning(HumanTask.__table__.c.id))
_TASKS = HumanTask.__table__
_CLOSE_ROWS = (update(_TASKS)
               .where(_TASKS.c.instance_id == bindparam("b_instance_id"),
                      _TASKS.c.engine_task_id.in_(bindparam("engine_ids", expanding=True)),
                      _TASKS.c.state == "ready")
               .values(state=bindparam("new_state"), completed_at=func.coalesce(_TASKS.c.completed_at,
                                                                                bindparam("now"))))


def ready_task_ids(workflow: BpmnWorkflow) -> set[str]:
    """Engine ids of the READY user tasks: the rows the inbox holds open for a saved workflow."""
    return {str(task.id) for wf in (workflow, *workflow.subprocesses.values())
            for task in wf.tasks.values() if task.state == TaskState.READY and task.task_spec.manual}


def sync_human_tasks(session: Session, instance: ProcessInstance, workflow, ready_tasks: list,
                     now, open_ids: set[str]) -> list[HumanTask]:
    """Insert rows for new READY user tasks; close rows whose task is no longer READY (see new_rows)."""
    return open_rows(session, new_rows(session, instance, workflow, ready_tasks, now, open_ids))


def new_rows(session: Session, instance: ProcessInstance, workflow, ready_tasks: list,
             now, open_ids: set[str]) -> list[dict]:
    """Close the rows whose task is no longer READY; the values of the rows new READY user tasks need
    (``open_rows`` inserts them).

    ``open_ids``: the engine ids of the rows still open, known without reading them: the READY
    user tasks of the workflow as it was loaded, less the one the request claimed.
    """
    ready = {str(t.id): t for t in ready_tasks}
    _close_rows(session, instance, workflow, open_ids - ready.keys(), now)
    for engine_id in open_ids:
        ready.pop(engine_id, None)
    rows = []
    for engine_id, task in ready.items():
        props = properties(task.task_spec)
        rows.append({
            "instance_id": instance.id, "engine_task_id": engine_id, "process_key": task.workflow.spec.name,
            "task_name": task.task_spec.name, "title": task.task_spec.bpmn_name or task.task_spec.name,
            "form_key": props.get("formKey") or task.task_spec.name, "role": task.task_spec.lane or "office",
            "organization_id": task_organization(instance, task), "state": "ready", "created_at": now,
            "withdraw_message": next(iter(boundary_messages(task.task_spec)), None),
            "due_at": due_at(task, props, now),
        })
    return rows


def open_rows(session: Session, rows: list[dict]) -> list[HumanTask]:
    return [_insert_task(session, values) for values in rows]


def _close_rows(session: Session, instance: ProcessInstance, workflow, engine_ids: set[str], now) -> None:
    """Core UPDATEs closing the rows of tasks that left READY (rare: a withdrawal, a timer)."""
    if not engine_ids:
        return
    closed = {}
    for engine_id in engine_ids:
        try:
            task = workflow.get_task_from_id(UUID(engine_id))
        except TaskNotFoundException:  # finished long ago and cut from the saved state (engine.pruning)
            task = None
        closed[engine_id] = "completed" if task is not None and task.state == TaskState.COMPLETED else "cancelled"
    for new_state in set(closed.values()):
        session.connection().execute(_CLOSE_ROWS, {
            "b_instance_id": instance.id, "new_state": new_state, "now": now,
            "engine_ids": [engine_id for engine_id, state in closed.items() if state == new_state]})
    # Rows this session already holds learn their new state without being made dirty.
    for row in list(session.identity_map.values()):
        if isinstance(row, HumanTask) and row.instance_id == instance.id and row.engine_task_id in closed \
                and row.state == "ready":
            set_committed_value(row, "state", closed[row.engine_task_id])
            set_committed_value(row, "completed_at", row.completed_at or now)


def _insert_task(session: Session, values: dict) -> HumanTask:
    """A Core INSERT … RETURNING id, then the row joins the session as if loaded (no flush needed)."""
    task_id = _INSERT_TASK.execute(session.connection(), values).scalar_one()
    return loaded_rows.attach_new(session, HumanTask, {"id": task_id, "assignee_id": None, "completed_at": None,
                                                      "completed_by_id": None, **values})


def at_stage(stage: str):
    """SQL condition: instances whose current stage, as the engine's save projected it, is ``stage`` — a
    code a deployed BPMN declares, picked by a reader (流程实例's 阶段 filter). The engine, which writes
    the stage column, is the one place that matches it; no Python branches on a stage code."""
    return ProcessInstance.stage == stage
