"""/metrics (DUIBIAO_METRICS=1): requests, task completions, errors, timer lag and backlogs counted."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import insert, update

from engine import definitions, runtime, timers
from storage.db import utcnow
from storage.models import HumanTask, OutboxItem
from tests.webapp.conftest import app_for
from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, decide, logged_in, open_task
from webapp import config, create_app, metrics

TIMER_BPMN = Path(__file__).parents[1] / "engine" / "data" / "timer_demo.bpmn"


def build_metrics_app(shared_app, **overrides):
    """A second app on the shared app's database and data directory, with metrics on."""
    app = create_app({
        "TESTING": True, "DATABASE_URL": shared_app.config["DATABASE_URL"],
        "DATA_DIR": shared_app.config["DATA_DIR"], "SECRET_KEY": "metrics-tests",
        "CAPTCHA_TEST_MODE": True, "WTF_CSRF_ENABLED": False, "SCHEDULER_ENABLED": False,
        "OUTBOX_SYNC": True, "PROPAGATE_EXCEPTIONS": False, "METRICS_ENABLED": True, **overrides})

    @app.route("/test-only/boom")
    def boom():
        raise RuntimeError("boom")

    return app


_metrics_apps: dict[str, object] = {}


@pytest.fixture(scope="module", autouse=True)
def _dispose_metrics_apps():
    yield
    for built in _metrics_apps.values():
        built.extensions["duibiao.engine"].dispose()
    _metrics_apps.clear()


@pytest.fixture
def metrics_app(app, db_engine, tmp_path_factory):
    url = db_engine.url.render_as_string(hide_password=False)
    if url not in _metrics_apps:
        _metrics_apps[url] = build_metrics_app(app_for(db_engine, tmp_path_factory))
    built = _metrics_apps[url]
    saved = dict(built.config)
    yield built
    built.config.clear()
    built.config.update(saved)


def sample(app, name: str, **labels) -> float:
    """A sample of the app's own registry (0 when never counted)."""
    return app.extensions[metrics.EXTENSION].registry.get_sample_value(name, labels) or 0.0


def scraped(response) -> dict[str, float]:
    """The unlabelled samples of a /metrics answer, parsed as Prometheus does."""
    assert response.status_code == 200
    return {s.name: s.value for family in text_string_to_metric_families(response.get_data(as_text=True))
            for s in family.samples if not s.labels}


def test_metrics_are_off_by_default(client, app):
    assert client.get("/metrics").status_code == 404
    assert metrics.EXTENSION not in app.extensions


def test_the_environment_switches_metrics_on(monkeypatch, tmp_path):
    monkeypatch.setenv("DUIBIAO_METRICS", "1")
    monkeypatch.setenv("DUIBIAO_METRICS_TOKEN", "s3cret")
    monkeypatch.setenv("DUIBIAO_METRICS_ALLOWED_NETWORKS", "10.0.0.0/8, ::1")
    settings = config.from_environment({"DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    assert settings["METRICS_ENABLED"] is True
    assert settings["METRICS_TOKEN"] == "s3cret"
    assert settings["METRICS_ALLOWED_NETWORKS"] == ["10.0.0.0/8", "::1"]
    monkeypatch.setenv("DUIBIAO_METRICS_ALLOWED_NETWORKS", "10.0.0.300")
    with pytest.raises(ValueError):
        config.from_environment({"DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})
    monkeypatch.delenv("DUIBIAO_METRICS")
    monkeypatch.delenv("DUIBIAO_METRICS_ALLOWED_NETWORKS")
    assert config.from_environment({"DATA_DIR": str(tmp_path), "SECRET_KEY": "x"})["METRICS_ENABLED"] is False


def test_on_with_config_the_endpoint_answers_prometheus_text(metrics_app):
    response = metrics_app.test_client().get("/metrics")
    assert response.headers["Content-Type"].startswith("text/plain")
    values = scraped(response)
    assert values["duibiao_database_up"] == 1
    assert values["duibiao_outbox_pending"] == 0 and values["duibiao_timers_overdue"] == 0


def test_requests_are_counted_by_endpoint_and_status(metrics_app):
    client = metrics_app.test_client()
    home = {"endpoint": "portal.home", "method": "GET", "status": "200"}
    before = sample(metrics_app, "duibiao_http_requests_total", **home)
    assert client.get("/").status_code == 200
    assert client.get("/").status_code == 200
    assert client.get("/no-such-page").status_code == 404
    assert sample(metrics_app, "duibiao_http_requests_total", **home) == before + 2
    assert sample(metrics_app, "duibiao_http_request_duration_seconds_count", **home) == before + 2
    assert sample(metrics_app, "duibiao_http_requests_total",
                  endpoint="unmatched", method="GET", status="404") >= 1  # no path: no label explosion


def test_an_unhandled_exception_is_counted(metrics_app):
    before = sample(metrics_app, "duibiao_http_exceptions_total", endpoint="boom", exception="RuntimeError")
    assert metrics_app.test_client().get("/test-only/boom").status_code == 500
    assert sample(metrics_app, "duibiao_http_exceptions_total",
                  endpoint="boom", exception="RuntimeError") == before + 1
    assert sample(metrics_app, "duibiao_http_requests_total", endpoint="boom", method="GET", status="500") >= 1


def test_a_task_completion_is_counted(metrics_app, applicant, office, session_factory):
    labels = {"process": "registration_vetting", "form_key": open_task(session_factory, applicant.instance_id).form_key}
    before = sample(metrics_app, "duibiao_tasks_completed_total", **labels)
    office_client = logged_in(metrics_app.test_client(), OFFICE_EMAIL, OFFICE_PASSWORD)
    task = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, task.id, "approve").status_code == 302
    assert sample(metrics_app, "duibiao_tasks_completed_total", **labels) == before + 1


def test_an_instance_put_in_error_is_counted(metrics_app, applicant, office, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    with session_factory() as session:  # an old BPMN version names a form nobody implements
        session.execute(update(HumanTask).where(HumanTask.id == task.id).values(form_key="gone_form"))
        session.commit()
    before = sample(metrics_app, "duibiao_instances_errored_total", process="registration_vetting")
    office_client = logged_in(metrics_app.test_client(), OFFICE_EMAIL, OFFICE_PASSWORD)
    assert office_client.get(f"/tasks/{task.id}").status_code == 302  # 出错, back to the inbox
    assert sample(metrics_app, "duibiao_instances_errored_total", process="registration_vetting") == before + 1


def test_timer_lag_and_the_oldest_overdue_timer(metrics_app, session_factory, frozen_clock):
    with session_factory() as session:
        definitions.deploy_documents(session, [("timer_demo.bpmn", TIMER_BPMN.read_bytes())])
        runtime.start_instance(session, "timer_demo", subject="公示")
        session.commit()
    frozen_clock.advance(timedelta(days=7, hours=1))  # the sweep comes an hour late
    client = metrics_app.test_client()
    values = scraped(client.get("/metrics"))
    assert values["duibiao_timers_overdue"] == 1
    assert values["duibiao_timer_oldest_overdue_seconds"] == 3600
    lag_sum_before = sample(metrics_app, "duibiao_timer_lag_seconds_sum", process="timer_demo")
    count_before = sample(metrics_app, "duibiao_timer_lag_seconds_count", process="timer_demo")
    with metrics_app.app_context():
        assert timers.fire_due(session_factory) == 1
    assert sample(metrics_app, "duibiao_timer_lag_seconds_count", process="timer_demo") == count_before + 1
    assert sample(metrics_app, "duibiao_timer_lag_seconds_sum", process="timer_demo") == lag_sum_before + 3600
    assert sample(metrics_app, "duibiao_timer_lag_seconds_bucket", process="timer_demo", le="1800.0") \
        == count_before  # an hour late lands above the 30-minute bucket
    assert scraped(client.get("/metrics"))["duibiao_timers_overdue"] == 0


def test_the_outbox_backlog_is_read_at_scrape_time(metrics_app, session_factory):
    now = utcnow()
    rows = [
        {"created_at": now - timedelta(minutes=10), "attempts": 1, "sent_at": None},  # retried, pending
        {"created_at": now - timedelta(minutes=1), "attempts": 0, "sent_at": None},
        {"created_at": now - timedelta(hours=5), "attempts": 5, "sent_at": None},  # given up
        {"created_at": now - timedelta(days=1), "attempts": 1, "sent_at": now},  # sent
    ]
    with session_factory() as session:
        session.execute(insert(OutboxItem), [
            {"channel": "email", "recipient": "a@test.cn", "subject": "s", "body": "b", **row} for row in rows])
        session.commit()
    values = scraped(metrics_app.test_client().get("/metrics"))
    assert values["duibiao_outbox_pending"] == 2
    assert values["duibiao_outbox_given_up"] == 1
    assert 600 <= values["duibiao_outbox_oldest_pending_seconds"] < 900


def test_each_app_counts_in_its_own_registry(metrics_app, app):
    other = build_metrics_app(app)
    labels = {"endpoint": "portal.home", "method": "GET", "status": "200"}
    try:
        metrics_app.test_client().get("/")
        assert sample(other, "duibiao_http_requests_total", **labels) == 0
        other.test_client().get("/")
        assert sample(other, "duibiao_http_requests_total", **labels) == 1
    finally:
        other.extensions["duibiao.engine"].dispose()


def test_a_bearer_token_protects_the_endpoint(metrics_app):
    metrics_app.config["METRICS_TOKEN"] = "s3cret"
    client = metrics_app.test_client()
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


def test_an_address_list_protects_the_endpoint(metrics_app):
    metrics_app.config["METRICS_ALLOWED_NETWORKS"] = ["10.0.0.0/8"]
    client = metrics_app.test_client()
    assert client.get("/metrics").status_code == 404  # the test client is 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 200


def test_the_scheduler_process_serves_its_own_metrics(metrics_app, session_factory, frozen_clock):
    with socket.socket() as probe:  # a free port
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert metrics.start_scheduler_exporter(metrics_app) is None  # no port configured: nothing served
    metrics_app.config["SCHEDULER_METRICS_PORT"] = port
    server = metrics.start_scheduler_exporter(metrics_app)
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
            text = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    assert "duibiao_database_up 1.0" in text and "# TYPE duibiao_timer_lag_seconds histogram" in text


def test_serve_prepares_an_empty_multiprocess_directory(monkeypatch, tmp_path):
    monkeypatch.setenv(metrics.MULTIPROC_ENV, str(tmp_path / "prom"))
    (tmp_path / "prom").mkdir()
    (tmp_path / "prom" / "counter_123.db").write_bytes(b"old run")
    assert metrics.prepare_multiprocess_dir(tmp_path, 8000) == str(tmp_path / "prom")
    assert list((tmp_path / "prom").iterdir()) == []
    monkeypatch.delenv(metrics.MULTIPROC_ENV)
    # By default one directory per host and port: nodes sharing the data directory keep apart.
    own = tmp_path / "prometheus" / f"{socket.gethostname()}-8000"
    assert metrics.prepare_multiprocess_dir(tmp_path, 8000) == str(own)
    assert own.is_dir() and os.environ[metrics.MULTIPROC_ENV] == str(own)


WORKER = textwrap.dedent("""
    import sys
    from storage import migrate
    from webapp import create_app
    app = create_app({"TESTING": True, "SCHEDULER_ENABLED": False, "METRICS_ENABLED": True,
                      "SECRET_KEY": "x", "DATA_DIR": sys.argv[1]})
    migrate.upgrade(app.extensions["duibiao.engine"])
    client = app.test_client()
    if sys.argv[2] == "request":
        client.get("/")
    else:
        sys.stdout.write(client.get("/metrics").get_data(as_text=True))
""")


def test_under_gunicorn_workers_counts_add_up_across_processes(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR: a scrape answered by one worker shows what the others counted."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("DUIBIAO_")}
    env.update({metrics.MULTIPROC_ENV: str(tmp_path / "prom"), "DUIBIAO_DATA_DIR": str(tmp_path)})
    (tmp_path / "prom").mkdir()
    run = [sys.executable, "-c", WORKER, str(tmp_path)]
    for _ in range(2):  # two "workers" answer one request each
        subprocess.run([*run, "request"], env=env, check=True, capture_output=True, timeout=120)
    text = subprocess.run([*run, "scrape"], env=env, check=True, capture_output=True, text=True,
                          timeout=120).stdout
    values = {(s.name, tuple(sorted(s.labels.items()))): s.value
              for family in text_string_to_metric_families(text) for s in family.samples}
    home = (("endpoint", "portal.home"), ("method", "GET"), ("status", "200"))
    assert values[("duibiao_http_requests_total", home)] == 2
    assert values[("duibiao_database_up", ())] == 1
