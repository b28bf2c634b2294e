"""The state's JSON text (orjson): what SpiffWorkflow's own encoder writes, and back to the same values."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

import workflows
from engine import serializer

REGISTRATION = dict(workflows.bpmn_files())["registration_vetting.bpmn"]


def _workflow(tmp_path, data: dict) -> tuple[BpmnWorkflow, object, dict]:
    path = tmp_path / "registration_vetting.bpmn"
    path.write_bytes(REGISTRATION)
    parser = SpiffBpmnParser()
    parser.add_bpmn_file(str(path))
    spec = parser.get_spec("registration_vetting")
    subprocess_specs = parser.get_subprocess_specs("registration_vetting")
    workflow = BpmnWorkflow(spec, subprocess_specs)
    workflow.task_tree.data.update(data)
    return workflow, spec, subprocess_specs


def test_state_text_is_what_spiffworkflows_encoder_writes(tmp_path):
    moment = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)
    data = {"submission_id": 7, "when": moment, "nested": {"until": moment, "wait": timedelta(days=2, seconds=5)},
            "tags": {"甲"}, "numbers": {1: "one"}, "text": "对标达标", "ratio": 0.25, "none": None,
            "items": [{"at": moment}, 3, "x"]}
    workflow, spec, subprocess_specs = _workflow(tmp_path, data)
    ours = serializer.dumps(workflow)
    reference = serializer._serializer.serialize_json(workflow)  # SpiffWorkflow's json.dumps + SpiffEncoder
    assert json.loads(ours) == json.loads(reference)
    restored = serializer.loads(ours, spec, subprocess_specs).task_tree.data
    assert restored["when"] == moment and restored["nested"]["until"] == moment
    assert restored["nested"]["wait"] == timedelta(days=2, seconds=5)
    assert restored["items"][0]["at"] == moment
    assert restored["tags"] == ["甲"] and restored["numbers"] == {"1": "one"} and restored["text"] == "对标达标"


def test_values_orjson_cannot_write_fall_back_to_the_standard_library(tmp_path):
    huge = 2**70  # beyond 64 bits
    workflow, spec, subprocess_specs = _workflow(tmp_path, {"huge": huge, "nan": float("nan")})
    workflow.task_tree.data.pop("nan")
    state = serializer.dumps(workflow)
    assert serializer.loads(state, spec, subprocess_specs).task_tree.data["huge"] == huge
    # A state the standard library wrote with NaN (not JSON, but what it writes) still loads.
    workflow.task_tree.data["nan"] = float("nan")
    legacy = serializer._serializer.serialize_json(workflow)
    assert "NaN" in legacy
    loaded = serializer.loads(legacy, spec, subprocess_specs).task_tree.data
    assert loaded["huge"] == huge and loaded["nan"] != loaded["nan"]


def _reference_serializer():
    """The platform's serializer with SpiffWorkflow's own TaskConverter (engine.serializer replaces it)."""
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

    config = dict(SPIFF_CONFIG)
    config[BpmnWorkflow] = serializer._ByReferenceWorkflowConverter
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


def test_task_ids_read_and_written_once_give_spiffworkflows_state(tmp_path):
    """Our task converter names and parses each id once per call (engine.serializer._named, _parsed): the
    state is the one SpiffWorkflow's converter writes, and reads back to the same tree."""
    workflow, spec, subprocess_specs = _workflow(tmp_path, {"submission_id": 7, "form": {"name": "甲"}})
    workflow.do_engine_steps()
    ready = workflow.get_next_task(state=TaskState.READY)
    ready.data.update({"decision": "approve", "form": {"name": "乙"}})  # a delta against the parent's data
    ready.data.pop("submission_id")
    assert len(workflow.tasks) > 5
    ours = serializer.dumps(workflow)
    reference = _reference_serializer()
    expected = reference.to_dict(workflow)
    expected[reference.VERSION_KEY] = reference.VERSION
    assert json.loads(ours) == json.loads(json.dumps(expected, cls=reference._encoder_cls))
    restored = serializer.loads(ours, spec, subprocess_specs)
    assert serializer.dumps(restored) == ours
    by_spiffworkflow = reference.from_dict({**json.loads(ours), "spec": spec, "subprocess_specs": subprocess_specs})
    assert {task.id: (task.parent.id if task.parent else None, [c.id for c in task.children], task.data)
            for task in restored.get_tasks()} == \
           {task.id: (task.parent.id if task.parent else None, [c.id for c in task.children], task.data)
            for task in by_spiffworkflow.get_tasks()}
    assert restored.get_task_from_id(ready.id).data == ready.data  # the deletion and the update kept
    assert serializer._ids.parsed is None and serializer._ids.named is None  # nothing kept between calls
