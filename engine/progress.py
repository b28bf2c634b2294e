"""The step bar: where a subject stands along its process's main path, drawn from the BPMN.

The main path of a process is read from its deployed BPMN, never from a Python list: the longest simple
path from its start event to an end event, counted in stages (elements with a ``stage`` property), with
the flows out of each element taken in document order so that among equally long paths the first drawn
wins (the 通过 flows come first in the shipped files). A simple path never enters an element twice, so
loop-backs (退回 → 修改 → again) are skipped; boundary events (撤回) are not followed. A designer who adds
a staged step on that path sees it in the bar at once. Computed once per definition version.

A step stands for the elements of the process that declare its stage (the main path's own, and their
twins in another lane: 提交正式版 for an institution or an enterprise). Where an instance stands is decided
by elements only, never by comparing stage codes: the user tasks it completed (``process_event``) and the
element that set its stage (``process_instance.stage_element``, written by the engine's save — an end
event reached leaves no other trace). Done, current, next; a finished instance shows the steps it never
reached as skipped, and an element off the main path (已退回, 已撤回, 不予通过) appears as a detour after
the last step done. ``bars`` reads the bars of a page of instances in one query (plus one per version the
cache has not seen).
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
    elements: frozenset[str] = frozenset()  # the ids of the elements the step stands for


@dataclass(frozen=True)
class MainPath:
    process_name: str
    steps: tuple[Step, ...]
    step_of: dict  # element id → the index of its step, for every element a step stands for


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
    declaring: dict[str, list[str]] = {}  # stage → the elements declaring it, in document order
    for node_id, node in nodes.items():
        if node["props"].get("stage"):
            declaring.setdefault(node["props"]["stage"], []).append(node_id)
    steps, seen = [], set()
    for node_id in best:
        props = nodes[node_id]["props"]
        stage = props.get("stage")
        if stage and stage not in seen:
            seen.add(stage)
            steps.append(Step(stage, props.get("stageLabel") or stage, nodes[node_id]["name"],
                              frozenset(declaring[stage])))
    step_of = {element: index for index, step in enumerate(steps) for element in step.elements}
    return MainPath(process.get("name") or process_key, tuple(steps), step_of)


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
    """``completed``: the element ids of the user tasks the instance completed (read when not given)."""
    if completed is None:
        completed = _completed(session, [instance.id]).get(instance.id, set())
    return _bar(main_path_of(session, instance.definition), instance, completed)


def _bar(path: MainPath, instance: ProcessInstance, completed: set[str]) -> Bar:
    done_steps = {path.step_of[element] for element in completed if element in path.step_of}
    here = path.step_of.get(instance.stage_element)  # None: no stage, or an element off the main path
    finished = instance.status in FINISHED
    shown = []
    for index, step in enumerate(path.steps):
        if finished:
            state = "done" if index in done_steps or index == here else "skipped"
        elif here is not None:
            state = "done" if index < here else "current" if index == here else "next"
        else:
            state = "done" if index in done_steps else "next"
        shown.append(ShownStep(step.label, step.name, state))
    if here is None and instance.stage_label:  # an element off the main path: after the last step done
        last_done = max((i for i, s in enumerate(shown) if s.state == "done"), default=-1)
        shown.insert(last_done + 1, ShownStep(instance.stage_label, "", "detour"))
    return Bar(instance, path.process_name, shown)


def bars(session: Session, instances: list[ProcessInstance]) -> dict[int, Bar]:
    """Instance id → its bar, for a page of instances (loaded with their definition, as ProcessInstance
    rows are): one query for their completed tasks, plus one for the BPMN of the versions not cached."""
    instances = [instance for instance in instances if instance is not None]
    if not instances:
        return {}
    paths = _paths(session, [instance.definition for instance in instances])
    completed = _completed(session, [instance.id for instance in instances])
    return {instance.id: _bar(paths[instance.definition_id], instance, completed.get(instance.id, set()))
            for instance in instances}


def _paths(session: Session, found: list[ProcessDefinition]) -> dict[int, MainPath]:
    """Definition id → its main path; the BPMN of the versions not cached read in one query."""
    definitions = {definition.id: definition for definition in found}
    missing = [d.id for d in definitions.values() if (d.key, d.sha256) not in _cache]
    if missing:
        for definition_id, source in session.execute(select(ProcessDefinition.id, ProcessDefinition.bpmn_xml)
                                                     .where(ProcessDefinition.id.in_(missing))):
            definition = definitions[definition_id]
            with _lock:
                _cache[(definition.key, definition.sha256)] = main_path(source, definition.key)
    return {definition_id: main_path_of(session, definition) for definition_id, definition in definitions.items()}


def _completed(session: Session, instance_ids: list[int]) -> dict[int, set[str]]:
    """Instance id → the element ids (BPMN task names) of its completed user tasks (one query)."""
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
    found = bars(session, rows)
    return [found[row.id] for row in rows]
