"""Starting instances, completing tasks, delivering messages: one transaction each.

The life of one request: load the instance (specs from the per-definition
cache) → apply the caller's domain changes → complete the task → run the
engine to its next wait state → save state, instance status and stage, the
inbox projection and the audit events. The caller commits; the version column
makes the loser of a race fail instead of creating a second downstream task.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from functools import lru_cache
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnEvent, BpmnWorkflow
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.spiff.specs.event_definitions import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session, undefer
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from engine import clock, definitions, history, metrics, projection, pruning, serializer, task_notifications
from engine.scripting import ExpressionFailure, SafeScriptEngine
from engine.services import ServiceContext
from storage import deferred, event_chain, loaded_rows
from storage.fast_sql import Prepared
from storage.loaded_rows import RowShape
from storage.models import HumanTask, ProcessDefinition, ProcessEvent, ProcessInstance

Apply = Callable[[ServiceContext], dict | None]
log = logging.getLogger(__name__)


class AlreadyHandled(Exception):
    """The task was completed (or the instance moved on) by someone else first."""


class NotWaiting(AlreadyHandled):
    """The instance catches no such message now (or its BPMN version never did): nothing changed."""


class NotFound(Exception):
    pass


class Halted(AlreadyHandled):
    """The instance is suspended or cancelled by an operator: nothing in it moves until it is resumed."""


# Statuses an operator put the instance in; no user, message or timer moves it then.
HALTED = ("suspended", "cancelled")


def start_instance(
    session: Session,
    key: str,
    *,
    subject: str,
    business_key: str | None = None,
    actor_id: int | None = None,
    org_id: int | None = None,
    data: dict | None = None,
) -> ProcessInstance:
    definition = definitions.current(session, key)
    if definition is None:
        raise NotFound(f"process {key} is not deployed")
    spec, subprocess_specs = definitions.specs_for(session, definition)
    now = clock.now()
    instance = ProcessInstance(
        definition_id=definition.id, process_key=key, business_key=business_key,
        subject=subject, status="running", state="", started_by_id=actor_id,
        started_by_org_id=org_id, created_at=now, updated_at=now,
    )
    session.add(instance)
    session.flush()
    context = ServiceContext(session, instance, actor_id, open_task_ids=set())
    workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=SafeScriptEngine(context))
    workflow.task_tree.data.update(data or {})
    record(context, "started", summary={"key": key, "version": definition.version})
    run_engine(workflow, context)
    save(session, instance, workflow, context)
    return instance


# Hot-path statements, built once (building one costs more than running it on SQLite).
# The task, its instance with the state and the instance's definition, read by one statement whose rows
# become the three ORM objects (storage.loaded_rows: the ORM's own joined load cost ≈ 9 % of a completion).
_TASK_ROW = RowShape(HumanTask, "t")
_INSTANCE_ROW = RowShape(ProcessInstance, "i", undefer=("state",))
_DEFINITION_ROW = RowShape(ProcessDefinition, "d")
_INSTANCE_AT, _DEFINITION_AT = len(_TASK_ROW.keys), len(_TASK_ROW.keys) + len(_INSTANCE_ROW.keys)  # in the row
_LOAD_TASK = Prepared(
    select(*_TASK_ROW.columns, *_INSTANCE_ROW.columns, *_DEFINITION_ROW.columns)
    .join_from(HumanTask, ProcessInstance, HumanTask.instance_id == ProcessInstance.id)
    .join(ProcessDefinition, ProcessInstance.definition_id == ProcessDefinition.id)
    .where(HumanTask.id == bindparam("task_id")))
_CLAIM = Prepared(update(HumanTask.__table__)
                  .where(HumanTask.__table__.c.id == bindparam("task_id"), HumanTask.__table__.c.state == "ready")
                  .values(state="completed", completed_at=bindparam("now"), completed_by_id=bindparam("actor_id")))
_WITH_STATE = (undefer(ProcessInstance.state),)  # built once: building the option costs more than the get
_INSERT_EVENT = Prepared(insert(ProcessEvent.__table__))
_INSTANCE = ProcessInstance.__table__


@lru_cache(maxsize=256)  # a few sets in practice (what a step changes)
def _instance_update(columns: tuple[str, ...]) -> Prepared:
    """The instance's UPDATE of ``columns`` and its version, guarded by the version: built once per set."""
    return Prepared(update(_INSTANCE)
                    .where(_INSTANCE.c.id == bindparam("b_id"), _INSTANCE.c.version == bindparam("b_version"))
                    .values({name: bindparam(f"v_{name}") for name in (*columns, "version")}))


def load_task(session: Session, task_id: int) -> HumanTask | None:
    """A task with its instance, the instance's state and definition: what completing it reads, in one
    statement (objects the session holds already are kept, as the ORM's query would)."""
    loaded_rows.autoflush(session)
    row = _LOAD_TASK.execute(session.connection(), {"task_id": task_id}).first()
    if row is None:
        return None
    definition = _DEFINITION_ROW.attach(session, row, _DEFINITION_AT)
    instance = _INSTANCE_ROW.attach(session, row, _INSTANCE_AT)
    task = _TASK_ROW.attach(session, row)
    # Loaded relationships, as the joined load set them: they also keep the objects in the session's
    # (weak-referencing) identity map for the rest of the request.
    loaded_rows.relate(instance, "definition", definition)
    loaded_rows.relate(task, "instance", instance)
    return task


def load(session: Session, instance: ProcessInstance, context: ServiceContext) -> BpmnWorkflow:
    spec, subprocess_specs = definitions.specs_for(session, instance.definition)
    workflow = serializer.loads(instance.state, spec, subprocess_specs, SafeScriptEngine(context))
    context.open_task_ids = projection.ready_task_ids(workflow)  # what the inbox holds open
    return workflow


def complete_task(
    session: Session, human_task: HumanTask, actor_id: int | None, apply: Apply | None = None
) -> list[HumanTask]:
    """Complete a READY user task; ``apply`` writes domain rows and returns workflow data."""
    if human_task.state != "ready":
        raise Halted(human_task.id) if human_task.state == "suspended" else AlreadyHandled(human_task.id)
    # Usually loaded with the task (see load_task): no query then.
    instance = session.get(ProcessInstance, human_task.instance_id, options=_WITH_STATE)
    context = ServiceContext(session, instance, actor_id)
    now = clock.now()
    # PostgreSQL: sent now, and read with the request's next statement (storage.deferred), so that the
    # server claims the row while the state is read; save() checks its row count.
    _CLAIM.defer(session.connection(), {"task_id": human_task.id, "now": now, "actor_id": actor_id},
                 check=_one_row_or(AlreadyHandled, human_task.id))
    deferred.send_ahead(session.connection())
    workflow = load(session, instance, context)
    task = pruning.find_task(workflow, UUID(human_task.engine_task_id))  # None: finished and cut
    if task is None or task.state != TaskState.READY:
        raise AlreadyHandled(human_task.id)
    context.open_task_ids.discard(human_task.engine_task_id)
    # Mirror the UPDATE on the loaded row without making it dirty again.
    for key, value in (("state", "completed"), ("completed_at", now), ("completed_by_id", actor_id)):
        set_committed_value(human_task, key, value)
    context.data = task.data
    # One flush at the end instead of one before every query the domain code makes.
    with session.no_autoflush:
        data = (apply(context) if apply else None) or {}
        task.data.update(data)
        task.run()
        record(context, "task_completed", task.task_spec.name, {**_summary(data), **context.details},
               human_task_id=human_task.id, title=human_task.title,
               decision=data.get("decision", context.history_decision),
               reason=(context.reason or "").strip() or None)
        run_engine(workflow, context)
        created = save(session, instance, workflow, context)
    metrics.task_completed(human_task.process_key, human_task.form_key)
    return created


def send_message(
    session: Session, instance: ProcessInstance, message: str, actor_id: int | None,
    payload: dict | None = None, must_cancel: str | None = None,
) -> list[HumanTask]:
    """Deliver a BPMN message to the instance (a withdrawal, say).

    ``must_cancel`` names the user task the message has to interrupt: if it is no
    longer open (already decided), nothing changes and AlreadyHandled is raised.
    """
    if instance.status in HALTED:
        raise Halted(instance.id)
    context = ServiceContext(session, instance, actor_id)
    workflow = load(session, instance, context)
    interrupted = [t for t in projection.ready_user_tasks(workflow) if t.task_spec.name == must_cancel]
    if must_cancel and not interrupted:
        raise AlreadyHandled(must_cancel)
    try:
        workflow.send_event(BpmnEvent(MessageEventDefinition(message), payload or {}))
    except ExpressionFailure as exc:  # a correlation expression refused or stopped: a step that failed
        _step_failed(workflow, context, exc)
        return save(session, instance, workflow, context)
    except WorkflowException as exc:  # SpiffWorkflow's "This process is not waiting for …"
        raise NotWaiting(message) from exc
    record(context, "message", summary={"message": message})
    run_engine(workflow, context)
    if must_cancel and [
        t for t in projection.ready_user_tasks(workflow) if t.task_spec.name == must_cancel
    ]:
        raise AlreadyHandled(must_cancel)
    for task in interrupted:  # 撤回 is a decision of the submitter's: it joins the history
        record(context, history.WITHDRAWN, task.task_spec.name, title=task.task_spec.bpmn_name or task.task_spec.name,
               decision=history.WITHDRAWN)
    return save(session, instance, workflow, context)


def withdraw(session: Session, task: HumanTask | None, actor_id: int | None) -> list[HumanTask]:
    """撤回: deliver the message a boundary event on the open ``task`` catches (the BPMN decides which
    tasks can be withdrawn from, whatever they are called); AlreadyHandled when it cannot be now."""
    if task is None or task.state != "ready" or not task.withdraw_message:
        raise AlreadyHandled(task.id if task is not None else None)
    instance = session.get(ProcessInstance, task.instance_id, options=_WITH_STATE)
    return send_message(session, instance, task.withdraw_message, actor_id, must_cancel=task.task_name)


# Failures that are the platform's answer to the request, not a step that broke: they propagate.
_NOT_A_STEP_FAILURE = (AlreadyHandled, projection.EngineError, StaleDataError)


def run_engine(workflow: BpmnWorkflow, context: ServiceContext) -> None:
    """``do_engine_steps()``; a service task, script or condition that fails leaves its task in ERROR
    (SpiffWorkflow marks it) and the instance goes to 出错 with the element and the message, while
    what the request did before it is kept (each service call runs in a savepoint)."""
    try:
        workflow.do_engine_steps()
    except _NOT_A_STEP_FAILURE:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure of designer-built steps becomes a state
        _step_failed(workflow, context, exc)


def _step_failed(workflow: BpmnWorkflow, context: ServiceContext, exc: Exception) -> None:
    failed = failed_task(workflow, exc)
    named = getattr(exc, "task", None)
    if failed is None and named is not None and not named.has_state(TaskState.FINISHED_MASK):
        named.error()  # a timer or multi-instance expression fails outside the task's run
        failed = named
    element = failed.task_spec.name if failed is not None else "?"
    message = _failure_message(exc)
    log.warning("instance %s stopped at %s: %s", context.instance.id, element, message)
    context.failure = f"{element}: {message}"[:2000]
    record(context, "error", element, summary={"message": message[:200]})


def failed_task(workflow: BpmnWorkflow, exc: Exception | None = None):
    """The task in ERROR (the one the exception names, else the first found, subprocesses too)."""
    named = getattr(exc, "task", None)
    if named is not None and named.state == TaskState.ERROR:
        return named
    return next(iter(workflow.get_tasks(state=TaskState.ERROR)), None)


def _failure_message(exc: Exception) -> str:
    cause = getattr(exc, "exception", None) or exc.__cause__
    text = str(exc) or type(exc).__name__
    if cause is not None and str(cause) and str(cause) not in text:
        text = f"{text} ({type(cause).__name__}: {cause})"
    return text


def mark_error(session: Session, instance_id: int, reason: str) -> None:
    """Put an instance in error with the reason, for operators (nothing else about it changes)."""
    session.execute(update(ProcessInstance).where(ProcessInstance.id == instance_id)
                    .values(status="error", error=reason[:2000], updated_at=clock.now())
                    .execution_options(synchronize_session="fetch"))
    if metrics.recording():
        metrics.instance_errored(session.scalar(select(ProcessInstance.process_key)
                                                .where(ProcessInstance.id == instance_id)) or "")


def record(context: ServiceContext, kind: str, task_name: str | None = None,
           summary: dict | None = None, **decision) -> None:
    """An audit row; ``decision`` (human_task_id, title, decision, reason) makes it a history record."""
    context.events.append({"kind": kind, "task_name": task_name, "summary": summary or {},
                           "human_task_id": None, "title": None, "decision": None, "reason": None, **decision})


def save(session: Session, instance: ProcessInstance, workflow: BpmnWorkflow,
         context: ServiceContext, status: str | None = None) -> list[HumanTask]:
    """``status`` overrides the engine's (an operator's cancellation)."""
    projection.assert_consistent(workflow)
    deferred.send_ahead(session.connection())  # the step's writes, run by the server while the state is saved
    now = clock.now()
    summary = projection.summarize(workflow)  # one walk of the task tree
    ready = summary.ready
    # A failure with no task in ERROR (a completion condition, a correlation) still stops the instance.
    status = status or ("error" if context.failure else summary.status)
    values = {"state": serializer.dumps(workflow), "status": status, "stage": summary.stage,
              "stage_label": summary.stage_label, "stage_element": summary.stage_element,
              "next_timer_at": summary.next_timer_at, "updated_at": now,
              "completed_at": instance.completed_at, "error": _error_text(instance, status, context)}
    if values["status"] == "completed" and instance.status != "completed":
        values["completed_at"] = now
        record(context, "completed", summary={"stage": values["stage"]})
    if context.open_task_ids is None:  # a context that did not come from load() or start_instance()
        raise projection.EngineError("saving a workflow whose open inbox rows are unknown")
    events, values["last_event_sequence"], values["last_event_hash"] = _event_rows(instance, context, now)
    try:
        session.flush()  # the domain rows the request changed
    except StaleDataError as exc:
        raise AlreadyHandled(instance.id) from exc
    # Deferred (PostgreSQL): this UPDATE and the audit rows go with the new inbox rows' INSERT. The UPDATE
    # first: a racer that moved the instance on is met by its version, before the audit rows' numbers.
    _update_instance(session, instance, values)
    if events:  # append-only: one plain INSERT, outside the unit of work
        _INSERT_EVENT.defer_many(session.connection(), events)
    rows = projection.new_rows(session, instance, workflow, ready, now, context.open_task_ids)
    people = task_notifications.read_people_ahead(session, rows)  # read with the INSERT, below
    created = projection.open_rows(session, rows)
    task_notifications.tasks_ready(session, instance, workflow, created, context.actor_id, people)  # 我的消息 + e-mail
    projection.project_subject(session, instance, workflow, values["stage"])
    deferred.check(session.connection())  # the claim's and this UPDATE's row counts (AlreadyHandled)
    return created


def _error_text(instance: ProcessInstance, status: str, context: ServiceContext) -> str | None:
    """The new failure, else the one the instance is still in (an ERROR task remains), else none."""
    if status != "error":
        return None
    return context.failure or instance.error


_SET_STATUS = Prepared(update(_INSTANCE)
                       .where(_INSTANCE.c.id == bindparam("b_id"), _INSTANCE.c.version == bindparam("b_version"))
                       .values(status=bindparam("v_status"), updated_at=bindparam("v_updated_at"),
                               version=bindparam("v_version")))


def set_status(session: Session, instance: ProcessInstance, status: str) -> None:
    """An operator's 挂起 / 恢复: the instance's status alone (its workflow state does not move), written
    here like every save, guarded by the version column (AlreadyHandled: someone moved it first)."""
    session.flush()
    version, now = instance.version, clock.now()
    result = _SET_STATUS.execute(session.connection(), {"v_status": status, "v_updated_at": now,
                                                         "v_version": version + 1, "b_id": instance.id,
                                                         "b_version": version})
    if result.rowcount != 1:
        raise AlreadyHandled(instance.id)
    for key, value in (("status", status), ("updated_at", now), ("version", version + 1)):
        set_committed_value(instance, key, value)


def _update_instance(session: Session, instance: ProcessInstance, values: dict) -> None:
    """One Core UPDATE guarded by the version column (the loser of a race updates no row), of the columns
    whose values changed (SQLite then leaves the indexes of the others alone: an unchanged status, timer
    or completion time spared ≈ 5 % of a SQLite completion). A column not loaded counts as changed."""
    version, loaded = instance.version, instance.__dict__
    changed = {key: value for key, value in values.items() if key not in loaded or loaded[key] != value}
    _instance_update(tuple(changed)).defer(session.connection(), {
        **{f"v_{key}": value for key, value in changed.items()},
        "v_version": version + 1, "b_id": instance.id, "b_version": version},
        check=_one_row_or(AlreadyHandled, instance.id))
    # Mirror the UPDATE on the loaded row without making it dirty.
    for key, value in {**changed, "version": version + 1}.items():
        set_committed_value(instance, key, value)


def _event_rows(instance, context, now) -> tuple[list[dict], int, str | None]:
    """The request's audit rows, chained (storage.event_chain), and the instance's new last event sequence
    and hash."""
    last, newest = instance.last_event_sequence or 0, instance.last_event_hash
    if not context.events:
        return [], last, newest
    rows = [{**event, "instance_id": instance.id, "sequence": last + offset, "actor_id": context.actor_id,
             "created_at": now}
            for offset, event in enumerate(context.events, start=1)]
    newest = event_chain.link(rows, newest)
    last += len(context.events)
    context.events.clear()
    return rows, last, newest


def _one_row_or(error: type[Exception], *args) -> Callable[[int], None]:
    """A deferred write's check: it changed exactly one row, else ``error(*args)``."""
    def check(rowcount: int) -> None:
        if rowcount != 1:
            raise error(*args)

    return check


def _summary(data: dict) -> dict:
    """What the audit trail keeps of submitted data: short scalar values only."""
    return {
        key: value if not isinstance(value, str) else value[:200]
        for key, value in data.items()
        if isinstance(value, str | int | float | bool) or value is None
    }

