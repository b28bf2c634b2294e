"""When each demo step happens: moments counted back from the load, so the demo never goes stale.

Every loader takes ``base`` (the moment ``duibiao demo`` started) and runs each step with the
clock frozen, in this thread only, at ``base`` minus some days: the rows, task times and audit
events then tell a plausible story (a plan published two weeks ago, an application filed today)
whatever the date of the load.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from engine import clock


def before(base: datetime, days: float = 0, hours: float = 0) -> datetime:
    return base - timedelta(days=days, hours=hours)


@contextmanager
def at(moment: datetime) -> Iterator[datetime]:
    """Run the steps inside as if it were ``moment`` (``clock.now()`` answers it in this thread)."""
    with clock.frozen_at(moment) as frozen:
        yield frozen
