"""An injectable clock: the engine, the timers and the domain services read time here.

SpiffWorkflow's timer module calls ``datetime.now(timezone.utc)`` directly, so
``install()`` swaps the ``datetime`` name in that one module for a subclass whose
``now()`` asks this clock. Tests and ``duibiao engine tick --now`` move the clock.
"""
from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")

_state = threading.local()
_global_frozen: list[datetime | None] = [None]


def now() -> datetime:
    """The current time, aware, in UTC."""
    frozen = getattr(_state, "frozen", None) or _global_frozen[0]
    return frozen if frozen is not None else datetime.now(UTC)


def set_now(moment: datetime | None) -> None:
    """Freeze the clock for the whole process (None: back to real time)."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError("the clock needs an aware datetime")
    _global_frozen[0] = moment.astimezone(UTC) if moment else None


def advance(delta: timedelta) -> datetime:
    set_now(now() + delta)
    return now()


@contextmanager
def frozen_at(moment: datetime) -> Iterator[datetime]:
    """Freeze the clock in this thread only (the scheduler's `--now`)."""
    previous = getattr(_state, "frozen", None)
    _state.frozen = moment.astimezone(UTC)
    try:
        yield _state.frozen
    finally:
        _state.frozen = previous


def parse_moment(text: str) -> datetime:
    """ISO 8601; a time without an offset is China time (DESIGN.md)."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA)
    return moment.astimezone(UTC)


def to_china(moment: datetime | None) -> datetime | None:
    return moment.astimezone(CHINA) if moment else None


class _ClockedDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        current = now()
        return current.astimezone(tz) if tz else current.astimezone(CHINA).replace(tzinfo=None)


def install() -> None:
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _ClockedDatetime
    timer.timezone = timezone
