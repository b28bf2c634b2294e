"""What every review shares: recording a decision on the submission under review."""
from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, func, inspect, select, update
from sqlalchemy.orm import object_session
from sqlalchemy.orm.attributes import set_committed_value

from engine import clock, history
from storage.fast_sql import Prepared

DECISIONS = ("approve", "return", "reject")
_FIELDS = ("decision", "reason", "decided_at", "decided_by_id")


def next_sequence(session, column, *where) -> int:
    """The next number in a history (the submissions of one application, say), counted from 1."""
    return (session.scalar(select(func.max(column)).where(*where)) or 0) + 1


@cache
def _update_decision(table):
    return Prepared(update(table).where(table.c.id == bindparam("row_id")).values(
        {name: bindparam(f"v_{name}") for name in _FIELDS}))


def record_decision(submission, decision: str, reason: str | None, actor_id: int | None) -> None:
    """Set every decision field each time (a stale value would re-route a loop)."""
    if decision not in (*DECISIONS, "withdrawn"):
        raise ValueError(decision)
    values = {"decision": decision, "reason": (reason or "").strip() or None, "decided_at": clock.now(),
              "decided_by_id": actor_id}
    if not inspect(submission).persistent:
        for name, value in values.items():
            setattr(submission, name, value)
        return
    # A stored submission: one UPDATE (sent with the next statement), mirrored on the row (the flush then
    # has less to do).
    _update_decision(type(submission).__table__).defer(
        object_session(submission).connection(),
        {"row_id": submission.id, **{f"v_{name}": value for name, value in values.items()}})
    for name, value in values.items():
        set_committed_value(submission, name, value)


def record_review(context, submission, decision: str) -> None:
    """A review step (a generic 审核, say) decided ``decision`` on the submission. Called by the service
    task the BPMN routes that decision to, so that the review's form need not know the submission. The
    reason and reviewer are the ones of the review completed in this request, else (an operator's 重试
    of this service task, later) those its history record kept."""
    decided_now = next((e for e in reversed(context.events) if e["kind"] == "task_completed"), None)
    if decided_now is not None:
        record_decision(submission, decision, context.reason, context.actor_id)
        return
    kept = history.latest_record(context.session, context.instance.id)
    record_decision(submission, decision, kept.reason if kept else None, kept.actor_id if kept else None)
