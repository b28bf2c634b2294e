"""Workflow state with the specs kept out of it (stored by reference).

SpiffWorkflow's default serializer embeds the whole process spec in every
instance's state (about 15 of the 19 KB of a new instance). Here the workflow
converter leaves the specs out; on load the specs parsed once per definition
are handed back in, and the registry passes objects it does not know through
untouched.
"""
from __future__ import annotations

import json

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    WorkflowConverter,
)
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from engine import pruning


class _ByReferenceWorkflowConverter(BpmnWorkflowConverter):
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
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_serializer = _make_serializer()


def dumps(workflow: BpmnWorkflow) -> str:
    return _serializer.serialize_json(workflow)


def loads(state: str, spec, subprocess_specs: dict, script_engine=None) -> BpmnWorkflow:
    dct = json.loads(state)
    _serializer.migrate(dct)
    dct["spec"] = spec
    dct["subprocess_specs"] = dict(subprocess_specs)
    trail = dct.pop(pruning.TRAIL_KEY, None)
    workflow = _serializer.from_dict(dct)
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
