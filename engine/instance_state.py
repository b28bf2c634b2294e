"""What an instance's engine state says, for the console's detail page (the one page that reads it).

The elements of the diagram it has passed (completed), stands on (current: a READY user task or a
started call activity), waits at (a timer, a message) or failed at, the sequence flows taken between
them, the timers pending with their due times, and the process data.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import bpmn, definitions, pruning, serializer, task_due
from engine.pruning import element_of as _element
from engine.pruning import reached_parent as _reached_parent
from engine.scripting import SafeScriptEngine
from engine.services import ServiceContext
from storage.models import ProcessInstance

# What the diagram marks, by engine task state (COMPLETED wins when an element ran more than once).
MARKED_STATES = ((TaskState.ERROR, "error"), (TaskState.READY, "current"), (TaskState.STARTED, "current"),
                 (TaskState.WAITING, "waiting"), (TaskState.COMPLETED, "completed"))
REACHED = pruning.REACHED


@dataclass
class PendingTimer:
    element_id: str
    name: str  # the timer event's BPMN name, or its id
    due: datetime


@dataclass
class EngineView:
    markers: dict[str, list[str]] = field(default_factory=dict)  # completed/current/waiting/error/flows → ids
    timers: list[PendingTimer] = field(default_factory=list)
    data: dict = field(default_factory=dict)
    readable: bool = True  # False: the state could not be read (shown as such, never a 500)


def read(session: Session, instance: ProcessInstance, source: str) -> EngineView:
    """Deserialize ``instance``'s state (loaded here: the only read of it) and describe it against
    the BPMN ``source`` of its version."""
    state = session.scalar(select(ProcessInstance.state).where(ProcessInstance.id == instance.id))
    try:
        spec, subprocess_specs = definitions.specs_for(session, instance.definition)
        workflow = serializer.loads(state, spec, subprocess_specs,
                                    SafeScriptEngine(ServiceContext(session, instance, None)))
    except Exception:  # noqa: BLE001 — a broken state is what an operator comes here to see
        return EngineView(readable=False)
    flows = _sequence_flows(source)
    tasks = [task for wf in (workflow, *workflow.subprocesses.values()) for task in wf.tasks.values()]
    view = EngineView(markers=_markers(tasks, flows, workflow), timers=_timers(tasks),
                      data=_current_data(workflow))
    failing = failing_element(instance.error, source)
    if failing and failing not in view.markers["error"]:
        view.markers["error"].append(failing)
    return view


def failing_element(error: str | None, source: str) -> str | None:
    """The element an error message names (``process.element: message``), if the diagram has it."""
    match = re.match(r"[\w-]+\.([\w-]+):", error or "")
    if not match:
        return None
    try:
        root = bpmn.parse_xml(source).getroot()
    except bpmn.BpmnError:
        return None
    return match.group(1) if root.xpath("//*[@id=$id]", id=match.group(1)) else None


def _sequence_flows(source: str) -> dict[tuple[str, str], str]:
    """(source element, target element) → sequence flow id, for the whole document."""
    try:
        root = bpmn.parse_xml(source).getroot()
    except bpmn.BpmnError:
        return {}
    return {(flow.get("sourceRef"), flow.get("targetRef")): flow.get("id")
            for flow in root.iter(f"{{{bpmn.BPMN_NS}}}sequenceFlow")}


def _markers(tasks, flows: dict, workflow) -> dict[str, list[str]]:
    """What the tasks in the state reached, and what the tasks cut from it (engine.pruning) had."""
    marked: dict[str, str] = dict.fromkeys(pruning.completed_elements(workflow), "completed")
    taken = {flows[pair] for pair in pruning.trail(workflow).flows if pair in flows}
    for task in tasks:
        element = _element(task)
        if element is None or not task.state & REACHED:
            continue
        kind = next(name for state, name in MARKED_STATES if task.state & state)
        if element not in marked or kind != "completed":
            marked[element] = kind
        source = _reached_parent(task)
        if source is not None and (_element(source), element) in flows:
            taken.add(flows[(_element(source), element)])
    found = {kind: sorted(e for e, k in marked.items() if k == kind)
             for kind in ("completed", "current", "waiting", "error")}
    found["flows"] = sorted(taken)
    return found


def _current_data(workflow) -> dict:
    """The process data as it stands: the workflow's own (filled at the end) under the data of the
    top-level task that changed last (a running instance's data lives in its tasks)."""
    reached = [task for task in workflow.tasks.values() if task.state & REACHED and task.data]
    latest = max(reached, key=lambda task: task.last_state_change, default=None)
    return {**workflow.data, **(latest.data if latest is not None else {})}


def _timers(tasks) -> list[PendingTimer]:
    found = []
    for task in tasks:
        if task.state != TaskState.WAITING:
            continue
        definition = getattr(task.task_spec, "event_definition", None)
        if not isinstance(definition, TimerEventDefinition):
            continue
        for due in task_due.timer_due(task):  # the same reading the save uses
            element = _element(task) or task.task_spec.name
            found.append(PendingTimer(element, task.task_spec.bpmn_name or element, due))
    return sorted(found, key=lambda timer: timer.due)
