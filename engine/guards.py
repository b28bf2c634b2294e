"""Patches to SpiffWorkflow internals that the platform relies on (pinned to 3.2.0).

SpiffWorkflow's task iterators stop descending at depth 1000. Every pass of a
return-for-revision loop deepens the task tree by a few levels, so after about
200 passes a READY task is never found and the workflow reports itself completed
— silently. The iterators are iterative (no recursion), so raising the default
bound is safe; ``engine.runtime`` also refuses to save a workflow that claims to be
complete while its tree still holds unfinished tasks.

Two ancestor walks of ``Task`` are recursive (one Python frame per tree level)
and hit Python's recursion limit after about 200 loop passes inside a Join;
they are replaced by loops with the same results.
"""
from __future__ import annotations

from SpiffWorkflow.version import __version__ as SPIFF_VERSION

MAX_TREE_DEPTH = 1_000_000
_installed = False


def install() -> None:
    global _installed
    if _installed:
        return
    if SPIFF_VERSION != "3.2.0":
        raise RuntimeError(f"engine.guards is written for SpiffWorkflow 3.2.0, not {SPIFF_VERSION}")
    from SpiffWorkflow.bpmn.util.task import BpmnTaskIterator
    from SpiffWorkflow.task import Task
    from SpiffWorkflow.util.task import TaskIterator

    Task.is_descendant_of = _is_descendant_of
    Task.find_ancestor = _find_ancestor
    for cls in (TaskIterator, BpmnTaskIterator):
        defaults = list(cls.__init__.__defaults__)
        # (end_at_spec, max_depth, ...) are the first defaults of both signatures.
        defaults[1] = MAX_TREE_DEPTH
        cls.__init__.__defaults__ = tuple(defaults)
    from engine import clock

    clock.install()
    _installed = True


def _is_descendant_of(self, task) -> bool:
    ancestor = self.parent
    while ancestor is not None:
        if ancestor == task:
            return True
        ancestor = ancestor.parent
    return False


def _find_ancestor(self, spec_name: str):
    ancestor = self.parent
    while ancestor is not None:
        if ancestor.task_spec.name == spec_name:
            return ancestor
        ancestor = ancestor.parent
    return None
