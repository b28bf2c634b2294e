"""Sends the outbox from a background thread, woken right after a commit that queued mail.

A request must not wait for an SMTP server; the scheduler's sweep drains whatever
is left (after a crash, say). Under TESTING (or OUTBOX_SYNC) the request drains
itself, so tests can read the outbox file as soon as the response arrives.
"""
from __future__ import annotations

import logging
import threading
import time

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


def init_app(app: Flask) -> None:
    app.config.setdefault("OUTBOX_SYNC", bool(app.config.get("TESTING")))
    app.extensions["duibiao.outbox_worker"] = OutboxWorker(app)
