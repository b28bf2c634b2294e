"""The state's JSON text (orjson): what SpiffWorkflow's own encoder writes, and back to the same values."""
from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

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
