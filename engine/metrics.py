"""Operations signals the engine emits: a task completed, an instance put in error, a timer fired.

The engine knows neither Flask nor Prometheus: it calls these functions and whoever installed a
``Recorder`` (the web layer's /metrics, see webapp/metrics.py) counts. Without one they do nothing,
so the engine, its tests and the CLI run unchanged. A recorder must never raise: a signal is not
worth failing a business transaction for, so errors are logged and swallowed here.
"""
from __future__ import annotations

import logging
from typing import Protocol

log = logging.getLogger(__name__)


class Recorder(Protocol):
    def task_completed(self, process_key: str, form_key: str) -> None: ...

    def instance_errored(self, process_key: str) -> None: ...

    def timer_fired(self, process_key: str, lag_seconds: float) -> None: ...

    def timer_failed(self, process_key: str) -> None: ...


_recorders: list[Recorder] = []


def install(recorder: Recorder) -> None:
    """Add a recorder (once: installing the same object again changes nothing)."""
    if not any(existing is recorder for existing in _recorders):
        _recorders.append(recorder)


def uninstall(recorder: Recorder) -> None:
    _recorders[:] = [existing for existing in _recorders if existing is not recorder]


def recording() -> bool:
    """Whether anyone listens (lets a caller skip a lookup made only for a label)."""
    return bool(_recorders)


def _emit(method: str, *args) -> None:
    for recorder in list(_recorders):
        try:
            getattr(recorder, method)(*args)
        except Exception:  # noqa: BLE001 - see the module docstring
            log.exception("metrics recorder failed on %s", method)


def task_completed(process_key: str, form_key: str) -> None:
    """A user task was completed (runtime.complete_task)."""
    _emit("task_completed", process_key or "", form_key or "")


def instance_errored(process_key: str) -> None:
    """An instance was put in error (runtime.mark_error)."""
    _emit("instance_errored", process_key or "")


def timer_fired(process_key: str, lag_seconds: float) -> None:
    """A sweep fired a due timer ``lag_seconds`` after it was due (never negative)."""
    _emit("timer_fired", process_key or "", max(0.0, lag_seconds))


def timer_failed(process_key: str) -> None:
    """Firing an instance's timer raised (the sweep logged it and went on)."""
    _emit("timer_failed", process_key or "")
