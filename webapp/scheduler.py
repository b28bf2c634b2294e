"""APScheduler in the web process: the timer sweep, the outbox and expired idempotency keys, every 30 seconds;
the 每日汇总 of waiting tasks once a day.

Started once per process (not in the reloader's watcher process), switched off in
tests, which call ``engine.timers.fire_due`` directly.
"""
from __future__ import annotations

import logging
import os
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from engine import task_notifications, timers
from engine.domain import idempotency
from storage import outbox

log = logging.getLogger(__name__)
SWEEP_SECONDS = 30


def sweep(app: Flask) -> None:
    sessions = app.extensions["duibiao.sessions"]
    try:
        timers.fire_due(sessions.session_factory)
        with sessions.session_factory() as session:
            outbox.drain(session, app.extensions["duibiao.mail"])
            idempotency.purge_expired(session)  # Idempotency-Key answers older than 24 hours
            session.commit()
    except Exception:  # keep the scheduler alive; the next sweep retries
        log.exception("scheduled sweep failed")


DIGEST_HOUR_UTC = 0  # 08:00 China time


def digest_after_days(app: Flask) -> int:
    """DUIBIAO_DIGEST_AFTER_DAYS (default 3): a READY task waiting longer goes into the 每日汇总."""
    return int(app.config.get("DIGEST_AFTER_DAYS") or os.environ.get("DUIBIAO_DIGEST_AFTER_DAYS") or 3)


def daily_digest(app: Flask) -> int:
    """每日汇总 (engine.task_notifications.send_digests): once per user per day, however often it runs."""
    sessions = app.extensions["duibiao.sessions"]
    try:
        with sessions.session_factory() as session:
            sent = task_notifications.send_digests(session, digest_after_days(app))
            session.commit()
        return sent
    except Exception:  # keep the scheduler alive; the next run (or the next day's) retries
        log.exception("daily digest failed")
        return 0


def add_digest_job(scheduler, app: Flask) -> None:
    """Hourly from 08:00 to 23:00 China time: a process started later in the day still sends that day's
    digest, and the runs after the first send nothing (DigestSent)."""
    scheduler.add_job(daily_digest, "cron", hour=f"{DIGEST_HOUR_UTC}-15", minute=5, args=[app], id="digest",
                      max_instances=1, coalesce=True)


def start(app: Flask) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    scheduler.add_job(sweep, "interval", seconds=SWEEP_SECONDS, args=[app], id="sweep",
                      max_instances=1, coalesce=True)
    add_digest_job(scheduler, app)
    scheduler.start()
    app.extensions["duibiao.scheduler"] = scheduler
    return scheduler


def init_app(app: Flask) -> None:
    if not app.config.get("SCHEDULER_ENABLED") or app.config.get("TESTING"):
        return
    # Under the reloader, only the child process (WERKZEUG_RUN_MAIN) serves requests.
    if app.debug and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
        return
    if os.environ.get("DUIBIAO_SCHEDULER_AUTOSTART", "web") != "web":
        return
    app.before_request_funcs.setdefault(None, []).insert(0, _lazy_start(app))


_start_lock = threading.Lock()


def _lazy_start(app: Flask):
    def ensure_started():
        if "duibiao.scheduler" in app.extensions:
            return
        with _start_lock:
            if "duibiao.scheduler" not in app.extensions:
                start(app)

    return ensure_started
