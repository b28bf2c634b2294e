"""The step bar: where a subject stands along its process's main path, drawn from the BPMN.

The main path of a process is read from its deployed BPMN, never from a Python list: the longest simple
path from its start event to an end event, counted in stages (elements with a ``stage`` property), with
the flows out of each element taken in document order so that among equally long paths the first drawn
wins (the 通过 flows come first in the shipped files). A simple path never enters an element twice, so
loop-backs (退回 → 修改 → again) are skipped; boundary events (撤回) are not followed. A designer who adds
a staged step on that path sees it in the bar at once. Computed once per definition version.

Which steps are done comes from the instance's history (``process_event``: the user tasks completed) and
its current stage (the engine's save): done, current, next; a finished instance shows the steps it never
reached as skipped, and a stage off the main path (已退回, 已撤回, 不予通过) appears as a detour after the
last step done.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import bpmn
from storage.models import ProcessDefinition, ProcessEvent, ProcessInstance

_FLOW_NODES_SKIPPED = {"sequenceFlow", "laneSet", "extensionElements", "documentation", "textAnnotation",
                       "association", "boundaryEvent"}
MAX_VISITS = 200_000  # a pathological graph gives up searching (the best path found so far is used)


@dataclass(frozen=True)
class Step:
    stage: str
    label: str  # the BPMN stageLabel
    name: str  # the element's BPMN name (the step's title)


@dataclass(frozen=True)
class MainPath:
    process_name: str
    steps: tuple[Step, ...]
    stage_of: dict  # element id → its stage, for every staged element of the process


@dataclass
class ShownStep:
    label: str
    name: str
    state: str  # done | current | next | skipped | detour


@dataclass
class Bar:
    instance: ProcessInstance
    process_name: str
    steps: list[ShownStep] = field(default_factory=list)


# --- the main path of a BPMN process --------------------------------------------------------------------


def main_path(source: bytes | str, process_key: str) -> MainPath:
    root = bpmn.parse_xml(source).getroot()
    process = next((p for p in root.iterfind(f"{{{bpmn.BPMN_NS}}}process") if p.get("id") == process_key), None)
    if process is None:
        return MainPath(process_key, (), {})
    nodes, outgoing = _graph(process)
    starts = [node_id for node_id, node in nodes.items() if node["kind"] == "startEvent"]
    best: list[str] = []
    for start in starts:
        best = max(best, _longest(start, nodes, outgoing), key=lambda path: _score(path, nodes))
    steps, seen = [], set()
    for node_id in best:
        props = nodes[node_id]["props"]
        stage = props.get("stage")
        if stage and stage not in seen:
            seen.add(stage)
            steps.append(Step(stage, props.get("stageLabel") or stage, nodes[node_id]["name"]))
    stage_of = {node_id: node["props"]["stage"] for node_id, node in nodes.items() if node["props"].get("stage")}
    return MainPath(process.get("name") or process_key, tuple(steps), stage_of)


def _graph(process) -> tuple[dict, dict]:
    nodes, outgoing = {}, {}
    for child in process:
        if not isinstance(child.tag, str):
            continue
        kind = child.tag.rpartition("}")[2]
        if kind == "sequenceFlow":
            outgoing.setdefault(child.get("sourceRef"), []).append(child.get("targetRef"))
        elif kind not in _FLOW_NODES_SKIPPED and child.get("id"):
            props = {p.get("name"): p.get("value") or "" for p in child.iter(f"{{{bpmn.SPIFF_NS}}}property")}
            nodes[child.get("id")] = {"kind": kind, "name": child.get("name") or child.get("id"), "props": props}
    return nodes, outgoing


def _score(path: list[str], nodes: dict) -> int:
    return len({nodes[n]["props"]["stage"] for n in path if nodes[n]["props"].get("stage")})


def _longest(start: str, nodes: dict, outgoing: dict) -> list[str]:
    """The simple path from ``start`` to an end (a node without outgoing flows) with the most stages; the
    first found in document order among equals. Iterative depth-first search."""
    best: list[str] = []
    best_score = -1
    stack = [(start, [start])]
    visits = 0
    while stack and visits < MAX_VISITS:
        visits += 1
        node_id, path = stack.pop()
        targets = [t for t in outgoing.get(node_id, []) if t in nodes and t not in path]
        if not outgoing.get(node_id):
            score = _score(path, nodes)
            if score > best_score:
                best, best_score = path, score
            continue
        for target in reversed(targets):  # popped in document order
            stack.append((target, [*path, target]))
    return best


_cache: dict[tuple[str, str], MainPath] = {}
_lock = threading.Lock()


def main_path_of(session: Session, definition: ProcessDefinition) -> MainPath:
    """The main path of a deployed version (cached by its key and digest)."""
    key = (definition.key, definition.sha256)
    cached = _cache.get(key)
    if cached is None:
        cached = main_path(definition.bpmn_xml, definition.key)
        with _lock:
            _cache[key] = cached
    return cached


# --- where an instance stands --------------------------------------------------------------------------


FINISHED = ("completed", "cancelled")


def bar(session: Session, instance: ProcessInstance, completed: set[str] | None = None) -> Bar:
    """``completed``: the element names of the user tasks the instance completed (read when not given)."""
    path = main_path_of(session, instance.definition)
    if completed is None:
        completed = _completed(session, [instance.id]).get(instance.id, set())
    done_stages = {path.stage_of[name] for name in completed if name in path.stage_of}
    stages = [step.stage for step in path.steps]
    current = stages.index(instance.stage) if instance.stage in stages else None
    finished = instance.status in FINISHED
    shown = []
    for index, step in enumerate(path.steps):
        if finished:
            state = "done" if step.stage in done_stages or step.stage == instance.stage else "skipped"
        elif current is not None:
            state = "done" if index < current else "current" if index == current else "next"
        else:
            state = "done" if step.stage in done_stages else "next"
        shown.append(ShownStep(step.label, step.name, state))
    if current is None and instance.stage_label:  # a stage off the main path: after the last step done
        last_done = max((i for i, s in enumerate(shown) if s.state == "done"), default=-1)
        shown.insert(last_done + 1, ShownStep(instance.stage_label, "", "detour"))
    return Bar(instance, path.process_name, shown)


def _completed(session: Session, instance_ids: list[int]) -> dict[int, set[str]]:
    """Instance id → the element names of its completed user tasks (one query)."""
    found: dict[int, set[str]] = {}
    for instance_id, name in session.execute(select(ProcessEvent.instance_id, ProcessEvent.task_name).where(
            ProcessEvent.instance_id.in_(instance_ids), ProcessEvent.kind == "task_completed")):
        found.setdefault(instance_id, set()).add(name)
    return found


def bars_of_subject(session: Session, instance: ProcessInstance | None) -> list[Bar]:
    """The bars of a subject: the newest instance of each process under its business key (an enrolment's
    报名审核, 编制方案, 正式版, 公示 …), oldest process first; or the one instance without a key."""
    if instance is None:
        return []
    if not instance.business_key:
        return [bar(session, instance)]
    newest: dict[str, ProcessInstance] = {}
    for row in session.scalars(select(ProcessInstance).where(
            ProcessInstance.business_key == instance.business_key).order_by(ProcessInstance.id)):
        newest[row.process_key] = row
    rows = sorted(newest.values(), key=lambda r: r.id)
    completed = _completed(session, [row.id for row in rows])
    return [bar(session, row, completed.get(row.id, set())) for row in rows]
