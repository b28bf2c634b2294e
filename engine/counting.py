"""Capped counts for the long lists: past ``COUNT_CAP`` rows the exact number is not worth a scan.

A list at 100k instances counts at most ``COUNT_CAP + 1`` matching rows (a LIMIT inside the count);
beyond that it reports ``CappedCount(COUNT_CAP)`` and its pager says 共 1000+ 条.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

COUNT_CAP = 1_000


class CappedCount(int):
    """A count that stopped at the cap: the true number is larger."""

    capped = True


def capped_count(session: Session, query) -> int:
    """The rows ``query`` selects, exactly up to ``COUNT_CAP``, else ``CappedCount(COUNT_CAP)``."""
    found = session.scalar(select(func.count()).select_from(query.limit(COUNT_CAP + 1).subquery())) or 0
    return CappedCount(COUNT_CAP) if found > COUNT_CAP else found
