"""Capped counts for the long lists: the exact number of a long list is not worth a scan.

A list counts the matching rows up to ``COUNT_CAP`` past the first row of the page shown (a LIMIT
inside the count: ``offset + COUNT_CAP + 1`` rows at most). Beyond that it reports
``CappedCount(offset + COUNT_CAP)``, a lower bound: its pager says e.g. 共 200+ 条 on page 1 and
共 380+ 条 on page 10, and always offers the next ten pages. So the count's work on a list's first
page is the same at 100k rows as at 1k (issue 15), and a deeper page counts no more than its OFFSET
already walks.
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

COUNT_CAP = 200  # rows counted past the first row of the page shown: ten pages of 20


class CappedCount(int):
    """A count that stopped at the cap: the true number is larger."""

    capped = True


def capped_count(session: Session, query, offset: int = 0) -> int:
    """The rows ``query`` selects, exactly up to ``offset + COUNT_CAP``, else ``CappedCount`` of that
    (``offset``: the rows before the page shown)."""
    cap = max(offset, 0) + COUNT_CAP
    found = session.scalar(select(func.count()).select_from(query.limit(cap + 1).subquery())) or 0
    return CappedCount(cap) if found > cap else found
