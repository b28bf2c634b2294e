"""An injectable clock: the engine, the timers and the domain services read time here.

SpiffWorkflow's timer module calls ``datetime.now(timezone.utc)`` directly, so
``install()`` swaps the ``datetime`` name in that one module for a subclass whose
``now()`` asks this clock. Tests and the demo loader move the clock itself.

Two readings are kept apart: ``now()`` stamps every row, task and event, while
``timer_now()`` is what SpiffWorkflow's timers compare their due times with. They differ
only inside ``timers_due_at(moment)``, where a sweep (``duibiao engine tick --now``/``--in``)
decides which timers are due at ``moment`` while what it records keeps the real time.
"""
from __future__ import annotations

import re
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


def timer_now() -> datetime:
    """What SpiffWorkflow's timers take for now: the moment of ``timers_due_at``, else ``now()``."""
    return getattr(_state, "timers_due_at", None) or now()


@contextmanager
def timers_due_at(moment: datetime) -> Iterator[datetime]:
    """In this thread, timers due by ``moment`` count as due (the moment may lie ahead of
    ``now()``); nothing else sees it: rows, tasks and events keep ``now()``. A timer reached
    inside computes its due time from ``moment`` too."""
    previous = getattr(_state, "timers_due_at", None)
    _state.timers_due_at = moment.astimezone(UTC)
    try:
        yield _state.timers_due_at
    finally:
        _state.timers_due_at = previous


_DURATION = re.compile(r"P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?")


def parse_duration(text: str) -> timedelta:
    """An ISO 8601 duration in weeks, days, hours, minutes and seconds (``P8D``, ``PT36H``, ``P1DT2H``)."""
    value = text.strip().upper()
    match = _DURATION.fullmatch(value)
    if match is None or value in ("P", "PT") or value.endswith("T"):
        raise ValueError(f"not an ISO 8601 duration such as P8D or PT12H: {text!r}")
    weeks, days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes, seconds=seconds)


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
        current = timer_now()
        return current.astimezone(tz) if tz else current.astimezone(CHINA).replace(tzinfo=None)


def install() -> None:
    from SpiffWorkflow.bpmn.specs.event_definitions import timer

    timer.datetime = _ClockedDatetime
    timer.timezone = timezone
