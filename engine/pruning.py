"""Flat history: the saved state keeps only the part of the task tree a future step can need.

SpiffWorkflow keeps every task it ever created: each pass of a return-for-revision loop hangs a new
copy of the loop's tasks under the last one, and every finished call activity keeps its whole
subprocess, so loading, stepping and saving an instance cost more with every pass. Their record is
elsewhere already (``process_event``, the submission and decision tables): the tree is not history.

When the state is saved, each workflow's tree is cut down to

    root  →  one task of each spec met on the way down  →  P  →  A  →  (everything under A, untouched)

where A is the deepest task above every *anchor* and P its parent; of the finished tasks between the
root and A only the nearest one of each task spec is kept (a chain bounded by the size of the diagram;
a walk up from A meets the same specs in the same order as before the cut). The anchors are what a
later step or a reader of the state can reach back into: every unfinished task (READY, WAITING, STARTED, ERROR
and the predicted ones), the workflow's ``last_task``, the call-activity task of every subprocess
kept, the newest finished task with a ``stage`` (the stage an instance shows when nothing is open)
and the newest top-level task holding data (the process data the console shows). Since A is above
all of them, a parallel split whose branches are still running, a boundary-event split and its
attached events, a join's inputs and a timer's due time all stay in A's subtree as they were; P is
kept because a task reset from A (an operator's 重试) takes its data from its parent; the root keeps
the instance's starting data. Finished branches that hang off the chain are dropped, and so is a
finished call activity's subprocess.

The cut is made on a view for the serializer only: the workflow object in memory is left as it was
(the rest of the request still reads it). What the dropped tasks passed through — the elements
completed and the sequence flows taken — is kept in the state as a ``Trail`` (bounded by the size of
the diagrams, not by the number of passes) for the operator's diagram (engine.instance_state) and
the scenario runner's "reached" checks.
"""
from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field

from SpiffWorkflow.exceptions import TaskNotFoundException
from SpiffWorkflow.util.task import TaskState

from engine.projection import properties

FINISHED = TaskState.COMPLETED | TaskState.CANCELLED
# States the console's diagram marks (see engine.instance_state).
REACHED = TaskState.COMPLETED | TaskState.READY | TaskState.STARTED | TaskState.WAITING | TaskState.ERROR
TRAIL_KEY = "pruned"
_ATTRIBUTE = "_duibiao_trail"
_enabled = True


@dataclass
class Trail:
    """What the tasks cut from the state passed through."""

    completed: set[tuple[str, str]] = field(default_factory=set)  # (process key, task spec name)
    flows: set[tuple[str, str]] = field(default_factory=set)  # (source element id, target element id)

    def __bool__(self) -> bool:
        return bool(self.completed or self.flows)

    def union(self, other: Trail) -> Trail:
        return Trail(self.completed | other.completed, self.flows | other.flows)

    def as_dict(self) -> dict:
        return {"completed": sorted(map(list, self.completed)), "flows": sorted(map(list, self.flows))}

    @classmethod
    def from_dict(cls, dct: dict | None) -> Trail:
        dct = dct or {}
        return cls({tuple(item) for item in dct.get("completed", ())}, {tuple(item) for item in dct.get("flows", ())})


def trail(workflow) -> Trail:
    """What earlier saves cut from ``workflow`` (empty for a workflow never cut)."""
    return getattr(workflow, _ATTRIBUTE, None) or Trail()


def attach(workflow, dct: dict | None) -> None:
    """Give a loaded workflow the trail its saved state carried."""
    setattr(workflow, _ATTRIBUTE, Trail.from_dict(dct))


def find_task(workflow, task_id):
    """The task with this id (subprocesses too), or None: a finished task may have been cut."""
    try:
        return workflow.get_task_from_id(task_id)
    except TaskNotFoundException:
        return None


def completed_specs(workflow) -> set[tuple[str, str]]:
    """(process key, task spec name) of every task the instance completed, cut or not."""
    found = {(task.workflow.spec.name, task.task_spec.name)
             for wf in (workflow, *workflow.subprocesses.values()) for task in wf.tasks.values()
             if task.state == TaskState.COMPLETED}
    return found | trail(workflow).completed


def completed_elements(workflow) -> set[str]:
    """BPMN element ids of the completed tasks that were cut (resolved through the specs)."""
    specs = {workflow.spec.name: workflow.spec, **workflow.subprocess_specs}
    found = set()
    for process, name in trail(workflow).completed:
        spec = specs.get(process)
        task_spec = spec.task_specs.get(name) if spec is not None else None
        element = getattr(task_spec, "bpmn_id", None)
        if element is not None:
            found.add(element)
    return found


@contextlib.contextmanager
def disabled() -> Iterator[None]:
    """Save whole trees (for comparisons and benchmarks)."""
    global _enabled
    before, _enabled = _enabled, False
    try:
        yield
    finally:
        _enabled = before


@contextlib.contextmanager
def pruned(workflow) -> Iterator[Trail]:
    """While inside, ``workflow`` (and its subprocesses) show only what is kept; yields the trail to
    save with it. Everything is put back on exit."""
    if not _enabled:
        yield trail(workflow)
        return
    undo: list = []
    try:
        yield trail(workflow).union(_cut(workflow, undo))
    finally:
        for restore in reversed(undo):
            restore()


def _cut(top, undo: list) -> Trail:
    workflows = [top, *top.subprocesses.values()]
    owner = {task_id: wf for wf in workflows for task_id in wf.tasks}
    staged = _latest(task for wf in workflows for task in wf.tasks.values()
                     if task.state == TaskState.COMPLETED and properties(task.task_spec).get("stage"))
    kept_subprocesses = _kept_subprocesses(top, owner, staged)
    new = Trail()
    for sp_id in [sp_id for sp_id in top.subprocesses if sp_id not in kept_subprocesses]:
        _record(top.subprocesses[sp_id], set(), new)
    anchors: dict[int, list] = {id(wf): [] for wf in workflows}
    for sp_id in kept_subprocesses:
        anchors[id(owner[sp_id])].append(owner[sp_id].tasks[sp_id])
    if staged is not None:
        anchors[id(staged.workflow)].append(staged)
    latest_data = _latest(task for task in top.tasks.values() if task.state & REACHED and task.data)
    if latest_data is not None:
        anchors[id(top)].append(latest_data)
    for wf in workflows:
        if wf is top or wf.parent_task_id in kept_subprocesses:
            _cut_tree(wf, anchors[id(wf)], new, undo)
    if len(kept_subprocesses) != len(top.subprocesses):
        subprocesses = top.subprocesses
        top.subprocesses = {sp_id: sp for sp_id, sp in subprocesses.items() if sp_id in kept_subprocesses}
        undo.append(lambda: setattr(top, "subprocesses", subprocesses))
    return new


def _latest(tasks):
    return max(tasks, key=lambda task: task.last_state_change, default=None)


def _kept_subprocesses(top, owner: dict, staged) -> set:
    """Subprocesses whose call activity is unfinished, or that hold the newest staged task, with the
    subprocesses they are nested in."""
    kept = {sp_id for sp_id, sp in top.subprocesses.items()
            if owner.get(sp_id) is None or not owner[sp_id].tasks[sp_id].has_state(FINISHED)}
    if staged is not None and staged.workflow is not top:
        kept.add(staged.workflow.parent_task_id)
    changed = True
    while changed:  # a kept subprocess keeps the one it runs in, and a dropped one drops its nested ones
        changed = False
        for sp_id in list(kept):
            wf = owner.get(sp_id)
            if wf is not None and wf is not top and wf.parent_task_id not in kept:
                kept.add(wf.parent_task_id)
                changed = True
    return kept


def _cut_tree(wf, anchors: list, new: Trail, undo: list) -> None:
    anchors = anchors + [task for task in wf.tasks.values() if not task.has_state(FINISHED)]
    if wf.last_task is not None and wf.last_task.id in wf.tasks:
        anchors.append(wf.last_task)
    if not anchors:
        return
    top_task = _common_ancestor(anchors)
    chain = _chain(wf.task_tree, top_task)
    kept = {task.id for task in chain}
    stack = [top_task]
    while stack:
        task = stack.pop()
        kept.update(task._children)
        stack.extend(task.children)
    if len(kept) == len(wf.tasks):
        return
    _record(wf, kept, new)
    tasks = wf.tasks
    links = [(task, task._parent, task._children) for task in chain]
    wf.tasks = {task_id: task for task_id, task in tasks.items() if task_id in kept}
    for upper, lower in zip(chain, chain[1:], strict=False):
        upper._children, lower._parent = [lower.id], upper.id

    def restore():
        wf.tasks = tasks
        for task, parent_id, children in links:
            task._parent, task._children = parent_id, children

    undo.append(restore)


def _chain(root, top_task) -> list:
    """What is kept above ``top_task``, top down: the root, and of the tasks between, the nearest one
    of each task spec (so a walk up the tree meets the specs in the order it always did: a parallel
    gateway in a loop looks for its inputs that way, a boundary event for its split), with
    ``top_task``'s parent among them (a reset takes its data from there)."""
    chain, seen = [top_task], set()
    task = top_task.parent
    while task is not None and task is not root:
        if task.task_spec.name not in seen or task is top_task.parent:
            chain.append(task)
            seen.add(task.task_spec.name)
        task = task.parent
    if top_task is not root:
        chain.append(root)
    chain.reverse()
    return chain


def _common_ancestor(anchors: list):
    """The deepest task that is an ancestor of (or is) every anchor."""
    path = []
    task = anchors[0]
    while task is not None:
        path.append(task)
        task = task.parent
    path.reverse()
    index = {task.id: number for number, task in enumerate(path)}
    deepest = len(path) - 1
    for anchor in anchors[1:]:
        task = anchor
        while task.id not in index:
            task = task.parent
        deepest = min(deepest, index[task.id])
    return path[deepest]


def _record(wf, kept: set, new: Trail) -> None:
    """Add what the tasks of ``wf`` outside ``kept`` completed and the flows into them (and into kept
    tasks whose diagram predecessor is cut) to ``new``."""
    process = wf.spec.name
    for task in wf.tasks.values():
        if task.id not in kept and task.state == TaskState.COMPLETED:
            new.completed.add((process, task.task_spec.name))
        element = element_of(task)
        if element is None or not task.state & REACHED:
            continue
        source = reached_parent(task)
        if source is not None and (task.id not in kept or source.id not in kept):
            new.flows.add((element_of(source), element))


def element_of(task) -> str | None:
    return getattr(task.task_spec, "bpmn_id", None)


def reached_parent(task):
    """The nearest completed ancestor drawn in the diagram (the one the console draws a flow from)."""
    parent = task.parent
    while parent is not None:
        if element_of(parent) is not None and parent.state & TaskState.COMPLETED:
            return parent
        parent = parent.parent
    return None
