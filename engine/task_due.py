"""办理期限: when a user task is due, as its BPMN declares it.

Two ways, the first one that applies:

- a timer boundary event on the task (e.g. a reminder or an escalation after ``"P5D"``): the task is due
  when that timer fires, the moment SpiffWorkflow computed when the task became ready;
- the platform property ``timeLimitDays`` on the user task (a whole number of days, 1 … 365): due that
  many days after the task became ready.

Neither: the task has no due date. engine.projection stores the moment as ``human_task.due_at``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

TIME_LIMIT = "timeLimitDays"  # spiffworkflow:property name on a user task
MAX_DAYS = 365


def time_limit_days(props: dict) -> int | None:
    """The declared time limit in days; None when absent or not a whole number in 1 … MAX_DAYS."""
    text = str(props.get(TIME_LIMIT) or "").strip()
    if not text.isdigit() or not 1 <= int(text) <= MAX_DAYS:
        return None
    return int(text)


def timer_due(task) -> list[datetime]:
    """The moment a waiting timer event task fires ([] for any other task, or one not yet scheduled)."""
    definition = getattr(task.task_spec, "event_definition", None)
    value = task.internal_data.get("event_value")
    if not (isinstance(definition, TimerEventDefinition) and value):
        return []
    try:
        return [TimerEventDefinition.get_datetime(value)]
    except (TypeError, ValueError):
        return []


def boundary_timer_due(task) -> datetime | None:
    """The earliest timer among the boundary events attached to ``task`` (its siblings under the
    engine's boundary split), None when it has none."""
    parent = task.parent
    if parent is None or type(parent.task_spec).__name__ != "BoundaryEventSplit":
        return None
    moments = [moment for sibling in parent.children if sibling is not task for moment in timer_due(sibling)]
    return min(moments) if moments else None


def due_at(task, props: dict, ready_at: datetime) -> datetime | None:
    """When ``task`` (READY now, since ``ready_at``) is due: its boundary timer, else its time limit."""
    moment = boundary_timer_due(task)
    if moment is not None:
        return moment
    days = time_limit_days(props)
    return ready_at + timedelta(days=days) if days else None
