"""Moving a running workflow onto a newer version of its process (SpiffWorkflow's spec diff).

A move is safe when no task the instance is at (READY, WAITING, STARTED, ERROR) was removed or
changed in the new version, and no finished task's element is gone (its state could not be read
back). SpiffWorkflow resets the READY and WAITING tasks onto the new specs; a waiting timer keeps
its due time. The result is checked by a save-and-load round trip before anything is written.
"""
from __future__ import annotations

from dataclasses import dataclass

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from engine import serializer
from engine.text import N_, Text

# Where an instance is: a changed or removed element here makes the move unsafe.
AT = TaskState.READY | TaskState.WAITING | TaskState.STARTED | TaskState.ERROR
# Tasks the reset drops and predicts again: a removed element there does no harm.
PREDICTED = TaskState.MAYBE | TaskState.LIKELY | TaskState.FUTURE


@dataclass
class Refusal(Exception):
    message: Text


def _name(task) -> str:
    return task.task_spec.bpmn_name or task.task_spec.name


def _check(diff) -> None:
    for task in diff.removed:
        if task.state & AT:
            raise Refusal(N_("当前步骤“%(task)s”在新版本中已删除，不能迁移", task=_name(task)))
        if not task.state & PREDICTED and task.task_spec.name not in ("Start", "End"):
            raise Refusal(N_("已完成的步骤“%(task)s”在新版本中已删除，不能迁移", task=_name(task)))
    for task in diff.changed:
        if task.state & AT:
            raise Refusal(N_("当前步骤“%(task)s”在新版本中已修改，不能迁移", task=_name(task)))


def migrate(workflow: BpmnWorkflow, spec, subprocess_specs: dict) -> BpmnWorkflow:
    """Move ``workflow`` onto ``spec`` in place, or raise Refusal (the workflow is then unusable:
    the caller drops it)."""
    registry = serializer.registry()
    top_diff, sub_diffs = diff_workflow(registry, workflow, spec, subprocess_specs)
    _check(top_diff)
    for sub_diff in sub_diffs.values():
        if sub_diff is None:
            raise Refusal(N_("正在运行的子流程在新版本中已不存在，不能迁移"))
        _check(sub_diff)
    # Keep the due times of waiting timers: a reset would start their durations again.
    waiting = {task.id: dict(task.internal_data) for task in workflow.get_tasks(state=TaskState.WAITING)}
    migrate_workflow(top_diff, workflow, spec)
    for sub_id, sub_diff in sub_diffs.items():
        subprocess = workflow.subprocesses[sub_id]
        migrate_workflow(sub_diff, subprocess, subprocess_specs[subprocess.spec.name])
    workflow.subprocess_specs = dict(subprocess_specs)
    for task_id, internal in waiting.items():
        task = workflow.get_task_from_id(task_id)
        if task is not None and task.state == TaskState.WAITING:
            task.internal_data.update(internal)
    try:  # what will be saved must load again with the new specs
        serializer.loads(serializer.dumps(workflow), spec, subprocess_specs)
    except Exception as exc:  # noqa: BLE001 - any failure means the move is not safe
        raise Refusal(N_("迁移后的流程状态无法读取（%(error)s），不能迁移", error=str(exc)[:200])) from exc
    return workflow
