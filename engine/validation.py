"""Checks of a BPMN document beyond what SpiffWorkflow's parser enforces."""
from __future__ import annotations

from SpiffWorkflow.bpmn.specs.mixins.user_task import UserTask

from engine import bpmn, expressions, services
from engine.projection import properties

ROLE_LANES = {"public", "enterprise", "institution", "office", "designer", "operator", "applicant"}


def problems_of(documents: dict[str, bytes], key: str) -> list[str]:
    found = []
    try:
        spec, subprocess_specs = bpmn.build_specs(documents, key)
    except bpmn.BpmnError as exc:
        return [f"{key}: {exc}"]
    services.load_all()
    for process_spec in [spec, *subprocess_specs.values()]:
        for name, task_spec in process_spec.task_specs.items():
            where = f"{process_spec.name}.{name}"
            lane = getattr(task_spec, "lane", None)
            if lane is not None and lane not in ROLE_LANES:
                found.append(f"{where}: lane '{lane}' is not a role key")
            if isinstance(task_spec, UserTask):
                props = properties(task_spec)
                for required in ("formKey", "stage"):
                    if not props.get(required):
                        found.append(f"{where}: user task without a '{required}' property")
            operation = getattr(task_spec, "operation_name", None)
            if operation and operation not in services.registry:
                found.append(f"{where}: service '{operation}' is not registered")
            for condition in _conditions(task_spec):
                try:
                    expressions.validate(condition, "eval")
                except expressions.ExpressionError as exc:
                    found.append(f"{where}: condition {condition!r} refused: {exc}")
    return found


def _conditions(task_spec) -> list[str]:
    conditions = []
    for condition, _target in getattr(task_spec, "cond_task_specs", []) or []:
        source = getattr(condition, "args", [condition])[0] if condition else None
        if isinstance(source, str):
            conditions.append(source)
    return conditions


def validate_shipped() -> list[str]:
    import workflows

    files = dict(workflows.bpmn_files())
    found = []
    for filename, source in files.items():
        try:
            infos = bpmn.describe(bpmn.parse_xml(source))
        except bpmn.BpmnError as exc:
            found.append(f"{filename}: {exc}")
            continue
        for info in infos:
            found.extend(problems_of(files, info.key))
    return found
