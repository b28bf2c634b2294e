"""Workflow state with the specs kept out of it (stored by reference).

SpiffWorkflow's default serializer embeds the whole process spec in every
instance's state (about 15 of the 19 KB of a new instance). Here the workflow
converter leaves the specs out; on load the specs parsed once per definition
are handed back in, and the registry passes objects it does not know through
untouched. The task converter writes SpiffWorkflow's own task state, with each
task id converted once per call.
"""
from __future__ import annotations

import json
import threading
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task, TaskState
from SpiffWorkflow.util.deep_merge import DeepMerge

from engine import pruning

# A state names every task four times (its key in the tasks, its own id, in its parent's children, as its
# children's parent). Within one ``loads`` each text becomes a UUID once, and within one ``dumps`` each
# UUID object its text once (keyed by the object: the tree shares one object per id). Per thread: the
# scheduler's thread loads workflows beside the request's.
_ids = threading.local()


def _parsed(text: str) -> UUID:
    parsed = getattr(_ids, "parsed", None)
    if parsed is None:
        return UUID(text)
    found = parsed.get(text)
    if found is None:
        found = parsed[text] = UUID(text)
    return found


def _named(uuid: UUID) -> str:
    named = getattr(_ids, "named", None)
    if named is None:
        return str(uuid)
    found = named.get(id(uuid))
    if found is None:  # the object is kept with its text: no other can take its id during the call
        found = named[id(uuid)] = (uuid, str(uuid))
    return found[1]


class _TaskConverter(TaskConverter):
    """SpiffWorkflow 3.2's TaskConverter (the same state, data kept as a delta against the parent's), its
    ids written and read through ``_named`` and ``_parsed`` and the parent looked up once (issue 15: the
    ids' conversions and hashing were ≈ 6 % of a completion)."""

    def to_dict(self, task):
        parent = task.parent
        delta = {} if parent is None else {  # only what the task changed in its parent's data
            "updates": DeepMerge.get_updated_keys(parent.data, task.data),
            "deletions": DeepMerge.get_deleted_keys(parent.data, task.data),
        }
        return {
            "id": _named(task.id),
            "parent": _named(task._parent) if parent is not None else None,
            "children": [_named(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": task.data if parent is None else {},
            "delta": delta,
        }

    def from_dict(self, dct, workflow):
        task_spec = workflow.spec.task_specs.get(dct["task_spec"])
        task = self.target_class(workflow, task_spec, state=dct["state"], id=_parsed(dct["id"]))
        task._parent = _parsed(dct["parent"]) if dct["parent"] is not None else None
        task._children = [_parsed(child) for child in dct["children"]]
        task.last_state_change = dct["last_state_change"]
        task.triggered = dct["triggered"]
        task.internal_data = self.registry.restore(dct["internal_data"])
        if isinstance(task_spec, CatchingEvent) and task.has_state(TaskState.WAITING):
            task.workflow.top_workflow.event_manager.add_task(task)
        delta = dct.get("delta")
        if delta and task.parent is not None:
            data = DeepMerge.merge({}, task.parent.data)
            data.update(self.registry.restore(delta.get("updates", {})))
            for key in delta.get("deletions", {}):
                data.pop(key, None)
        else:
            data = self.registry.restore(dct["data"])
        task.data = data
        return task


class _ByReferenceWorkflowConverter(BpmnWorkflowConverter):
    def mapping_to_dict(self, mapping, **kwargs):
        return {_named(key): self.registry.convert(value, **kwargs) for key, value in mapping.items()}

    def mapping_from_dict(self, mapping, key_class=None, **kwargs):
        return super().mapping_from_dict(mapping, _parsed if key_class is UUID else key_class, **kwargs)

    def to_dict(self, workflow):
        # Only what a future step can need is saved (engine.pruning); the tree itself is untouched.
        with pruning.pruned(workflow) as trail:
            dct = WorkflowConverter.to_dict(self, workflow)
            dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        if trail:
            dct[pruning.TRAIL_KEY] = trail.as_dict()
        return dct


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = _ByReferenceWorkflowConverter
    config[Task] = _TaskConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_serializer = _make_serializer()


# SpiffWorkflow's serialize_json / deserialize_json with orjson for the text (about 10× faster than the
# standard library on a state, issue 15). Values the registry converts (datetime, timedelta, UUID and
# what the platform registers) still go through SpiffWorkflow's own encoder (its ``default``): orjson is
# told to pass datetimes, dataclasses and subclasses of str / int / dict / list to it. (Task data here
# are JSON values — form answers, service results — besides those: orjson would write a UUID object as
# its text and a float NaN as null, where the standard library writes NaN.)
_ORJSON_OPTIONS = (orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
                   | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS)
_encode = _serializer._encoder_cls().default  # registered types as their dicts, callables null, sets lists


def dumps(workflow: BpmnWorkflow) -> str:
    registry = _serializer.registry
    registry._encoder_mode = True  # as serialize_json: leave data values to _encode
    _ids.named = {}
    try:
        dct = _serializer.to_dict(workflow)
    finally:
        registry._encoder_mode = False
        _ids.named = None
    dct[_serializer.VERSION_KEY] = _serializer.VERSION
    try:
        return orjson.dumps(dct, default=_encode, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:  # an integer beyond 64 bits, say: the standard library writes it
        return json.dumps(dct, cls=_serializer._encoder_cls)


def _parse(state: str) -> dict:
    try:
        return orjson.loads(state)
    except orjson.JSONDecodeError:  # NaN / Infinity, as the standard library writes them
        return json.loads(state)


def loads(state: str, spec, subprocess_specs: dict, script_engine=None) -> BpmnWorkflow:
    dct = _parse(state)
    _serializer.migrate(dct)
    dct["spec"] = spec
    dct["subprocess_specs"] = dict(subprocess_specs)
    trail = dct.pop(pruning.TRAIL_KEY, None)
    _ids.parsed = {}
    try:
        workflow = _serializer.from_dict(dct)
    finally:
        _ids.parsed = None
    pruning.attach(workflow, trail)
    if script_engine is not None:
        workflow.script_engine = script_engine
    return workflow


def default_serializer() -> BpmnWorkflowSerializer:
    """SpiffWorkflow's own serializer (specs embedded), for comparisons and benchmarks."""
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))


def registry():
    """The serializer's converter registry (what SpiffWorkflow's spec and workflow diffs compare with)."""
    return _serializer.registry
