"""What every review shares: recording a decision on the submission under review."""
from __future__ import annotations

from engine import clock

DECISIONS = ("approve", "return", "reject")


def record_decision(submission, decision: str, reason: str | None, actor_id: int | None) -> None:
    """Set every decision field each time (a stale value would re-route a loop)."""
    if decision not in (*DECISIONS, "withdrawn"):
        raise ValueError(decision)
    submission.decision = decision
    submission.reason = (reason or "").strip() or None
    submission.decided_at = clock.now()
    submission.decided_by_id = actor_id
