"""Sends the outbox: from a background thread of the web process, woken right after a commit that
queued mail, or — in production, under load — from a process of its own (``duibiao outbox``,
``DUIBIAO_OUTBOX_WORKER=0`` on the web nodes), so that sending never takes the request workers' CPU.

A request must not wait for an SMTP server; the scheduler's sweep drains whatever
is left (after a crash, say). Under TESTING (or OUTBOX_SYNC) the request drains
itself, so tests can read the outbox file as soon as the response arrives.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from flask import Flask

from storage import outbox

log = logging.getLogger(__name__)


BATCH_DELAY = 0.5  # seconds: mail of a burst of requests goes out in one drain, not one each


class OutboxWorker:
    def __init__(self, app: Flask):
        self.app = app
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()

    def notify(self) -> None:
        if not self.app.config["OUTBOX_WORKER"]:  # `duibiao outbox` polls for it
            return
        if self.thread is None:
            with self.lock:
                if self.thread is None:
                    self.thread = threading.Thread(target=self._run, name="outbox", daemon=True)
                    self.thread.start()
        self.wake.set()

    def _run(self) -> None:
        sessions = self.app.extensions["duibiao.sessions"].session_factory
        backend = self.app.extensions["duibiao.mail"]
        while True:
            self.wake.wait()
            time.sleep(BATCH_DELAY)
            self.wake.clear()
            try:
                with sessions() as session:
                    outbox.drain(session, backend)
            except Exception:  # the sweep retries later
                log.exception("outbox drain failed")


POLL_SECONDS = 1.0  # `duibiao outbox`: how often it looks for queued mail when there was none


def run_process(app: Flask, poll: float = POLL_SECONDS, keep_going: Callable[[], bool] = lambda: True) -> int:
    """``duibiao outbox``: drain, and again at once while batches come full; else wait ``poll``
    seconds. Returns the number sent (when ``keep_going`` says stop)."""
    sessions = app.extensions["duibiao.sessions"].session_factory
    backend = app.extensions["duibiao.mail"]
    sent = 0
    while keep_going():
        try:
            with sessions() as session:
                batch = outbox.drain(session, backend)
        except Exception:  # the database went away a moment: try again after the pause
            log.exception("outbox drain failed")
            batch = 0
        sent += batch
        if batch < outbox.DRAIN_BATCH:
            time.sleep(poll)
    return sent


def init_app(app: Flask) -> None:
    app.config.setdefault("OUTBOX_SYNC", bool(app.config.get("TESTING")))
    # 0: the web process never sends; `duibiao outbox` (or the scheduler's sweep) does.
    app.config.setdefault("OUTBOX_WORKER", os.environ.get("DUIBIAO_OUTBOX_WORKER", "1") == "1")
    app.extensions["duibiao.outbox_worker"] = OutboxWorker(app)
