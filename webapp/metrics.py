"""Prometheus metrics at /metrics when DUIBIAO_METRICS=1 (docs/operations.md lists every name).

Each app has its own CollectorRegistry (two apps in one process, as in tests, never mix counts).
Requests are counted here; the engine reports task completions, instances put in error and timer
firings through engine.metrics, routed to the app whose context the event happened in (the
scheduler's sweep runs outside any context: then every metrics-enabled app of the process, in
production the only one). Backlogs (overdue timers, unsent outbox items) are read from the database
at scrape time, one query each. Under ``duibiao serve`` (gunicorn, several workers) counters live in
PROMETHEUS_MULTIPROC_DIR, which `prepare_multiprocess_dir` sets up before the workers start.
"""
from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import socket
import time
import weakref
from pathlib import Path

from flask import Flask, Response, abort, current_app, g, got_request_exception, has_app_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    start_http_server,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from engine import clock, timers
from engine import metrics as engine_metrics
from storage import outbox
from storage.db import utcnow

log = logging.getLogger(__name__)
EXTENSION = "duibiao.metrics"
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
# A healthy sweep (every 30 s) fires within a minute; hours mean the scheduler stopped.
TIMER_LAG_BUCKETS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600)


class AppMetrics:
    """One app's metrics, on its own registry; also the engine's recorder for that app."""

    def __init__(self, session_factory) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.http_requests = Counter(
            "duibiao_http_requests", "HTTP requests answered", ["endpoint", "method", "status"],
            registry=self.registry)
        self.http_duration = Histogram(
            "duibiao_http_request_duration_seconds", "Time to answer an HTTP request",
            ["endpoint", "method", "status"], buckets=LATENCY_BUCKETS, registry=self.registry)
        self.http_exceptions = Counter(
            "duibiao_http_exceptions", "Unhandled exceptions in requests (answered 500)",
            ["endpoint", "exception"], registry=self.registry)
        self.tasks_completed = Counter(
            "duibiao_tasks_completed", "User tasks completed", ["process", "form_key"], registry=self.registry)
        self.instances_errored = Counter(
            "duibiao_instances_errored", "Process instances put in error (出错)", ["process"],
            registry=self.registry)
        self.timer_lag = Histogram(
            "duibiao_timer_lag_seconds", "How late a due timer was when the sweep fired it", ["process"],
            buckets=TIMER_LAG_BUCKETS, registry=self.registry)
        self.timer_failures = Counter(
            "duibiao_timer_failures", "Timer firings that raised (logged, retried next sweep)", ["process"],
            registry=self.registry)
        self.backlog = BacklogCollector(session_factory)
        self.registry.register(self.backlog)

    # engine.metrics.Recorder
    def task_completed(self, process_key: str, form_key: str) -> None:
        self.tasks_completed.labels(process_key, form_key).inc()

    def instance_errored(self, process_key: str) -> None:
        self.instances_errored.labels(process_key).inc()

    def timer_fired(self, process_key: str, lag_seconds: float) -> None:
        self.timer_lag.labels(process_key).observe(lag_seconds)

    def timer_failed(self, process_key: str) -> None:
        self.timer_failures.labels(process_key).inc()

    def exposition(self) -> bytes:
        """The text the scrape returns: this process's registry, or every worker's files."""
        if not os.environ.get(MULTIPROC_ENV):
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged)
        merged.register(self.backlog)
        return generate_latest(merged)


class BacklogCollector:
    """Gauges read at scrape time: overdue timers and the outbox (one query each)."""

    def __init__(self, session_factory) -> None:
        self.session_factory = session_factory

    def describe(self):
        return []  # computed at scrape time only: registering must not query the database

    def collect(self):
        up = GaugeMetricFamily("duibiao_database_up", "1 when the scrape's backlog queries succeeded")
        try:
            with self.session_factory() as session:
                now = clock.now()
                overdue, oldest_due = timers.overdue(session, now)
                queued = outbox.backlog(session)
        except Exception:  # noqa: BLE001 - a scrape reports the failure instead of failing
            log.exception("metrics: the backlog queries failed")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield _gauge("duibiao_timers_overdue", "Active instances whose timer is due but not fired", overdue)
        yield _gauge("duibiao_timer_oldest_overdue_seconds", "How long the oldest due timer has waited",
                     _age(now, oldest_due))
        yield _gauge("duibiao_outbox_pending", "SMS and e-mail queued, not sent yet", queued.pending)
        # Outbox rows are stamped with the real time, timers with the engine's clock.
        yield _gauge("duibiao_outbox_oldest_pending_seconds", "Age of the oldest unsent outbox item",
                     _age(utcnow(), queued.oldest_pending_at))
        yield _gauge("duibiao_outbox_given_up", "Outbox items given up after repeated failures",
                     queued.given_up)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _age(now, moment) -> float:
    return max(0.0, (now - moment).total_seconds()) if moment is not None else 0.0


class _Router:
    """engine.metrics' one recorder: the event goes to the app it happened in (see the docstring)."""

    def __init__(self) -> None:
        self.enabled: weakref.WeakSet[AppMetrics] = weakref.WeakSet()

    def _targets(self) -> list[AppMetrics]:
        if has_app_context():
            own = current_app.extensions.get(EXTENSION)
            return [own] if own is not None else []
        return list(self.enabled)

    def task_completed(self, process_key: str, form_key: str) -> None:
        for target in self._targets():
            target.task_completed(process_key, form_key)

    def instance_errored(self, process_key: str) -> None:
        for target in self._targets():
            target.instance_errored(process_key)

    def timer_fired(self, process_key: str, lag_seconds: float) -> None:
        for target in self._targets():
            target.timer_fired(process_key, lag_seconds)

    def timer_failed(self, process_key: str) -> None:
        for target in self._targets():
            target.timer_failed(process_key)


_router = _Router()


def init_app(app: Flask) -> None:
    """Serve /metrics and count requests when METRICS_ENABLED; otherwise /metrics stays a 404."""
    if not app.config.get("METRICS_ENABLED"):
        return
    metrics = AppMetrics(app.extensions["duibiao.sessions"].session_factory)
    app.extensions[EXTENSION] = metrics
    _router.enabled.add(metrics)
    engine_metrics.install(_router)
    app.before_request(_start_timing)
    app.after_request(_count_request)
    got_request_exception.connect(_count_exception, app, weak=False)
    app.add_url_rule("/metrics", "metrics", _metrics_view, methods=["GET"])


def _start_timing() -> None:
    g.metrics_started = time.perf_counter()


def _count_request(response):
    started = g.get("metrics_started")
    if started is not None:
        metrics: AppMetrics = current_app.extensions[EXTENSION]
        labels = (request.endpoint or "unmatched", request.method, str(response.status_code))
        metrics.http_requests.labels(*labels).inc()
        metrics.http_duration.labels(*labels).observe(time.perf_counter() - started)
    return response


def _count_exception(sender: Flask, exception: BaseException, **_extra) -> None:
    metrics: AppMetrics = sender.extensions[EXTENSION]
    metrics.http_exceptions.labels(request.endpoint or "unmatched", type(exception).__name__).inc()


def _metrics_view():
    if not _allowed():
        abort(404)  # a refused scraper learns nothing, not even that metrics are on
    body = current_app.extensions[EXTENSION].exposition()
    return Response(body, content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def _allowed() -> bool:
    """METRICS_TOKEN (Authorization: Bearer …) and METRICS_ALLOWED_NETWORKS both apply when set."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        offered = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
        if not hmac.compare_digest(offered.encode(), token.encode()):
            return False
    networks = current_app.config.get("METRICS_ALLOWED_NETWORKS")
    if networks:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            return False
        return any(address in ipaddress.ip_network(network, strict=False) for network in networks)
    return True


def prepare_multiprocess_dir(data_dir: str | Path, port: int) -> str:
    """For `duibiao serve`: an emptied PROMETHEUS_MULTIPROC_DIR (the given one, else
    <data dir>/prometheus/<host>-<port>: the data directory may be shared by several nodes, and
    each server must add up only its own workers), set in this process's environment for the
    workers to inherit. Emptied of its *.db files: a previous run's would add their old counts."""
    default = Path(data_dir) / "prometheus" / f"{socket.gethostname()}-{port}"
    path = Path(os.environ.get(MULTIPROC_ENV) or default)
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)
    return str(path)


def start_scheduler_exporter(app: Flask):
    """For `duibiao scheduler` (its own process, no HTTP of its own): serve the app's metrics on
    SCHEDULER_METRICS_PORT (a daemon thread), so the timer lag it observes can be scraped.
    Returns the HTTP server, or None when metrics or the port are not configured."""
    port = app.config.get("SCHEDULER_METRICS_PORT")
    if not port or EXTENSION not in app.extensions:
        return None
    server, _thread = start_http_server(port, addr=app.config.get("SCHEDULER_METRICS_HOST") or "127.0.0.1",
                                        registry=app.extensions[EXTENSION].registry)
    return server
