"""DUIBIAO_LOG_FORMAT=json: one JSON object per log line; the default text logging is unchanged."""
from __future__ import annotations

import json
import logging

import pytest
from flask.logging import default_handler

from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, logged_in
from webapp import cli_server, config, create_app, json_logs


@pytest.fixture
def restored_logging():
    """The JSON app changes the root logger and Flask's shared "webapp" logger: put both back."""
    root, flask_logger = logging.getLogger(), logging.getLogger("webapp")
    saved = (list(root.handlers), root.level, list(flask_logger.handlers))
    yield
    root.handlers[:], flask_logger.handlers[:] = saved[0], saved[2]
    root.setLevel(saved[1])


@pytest.fixture
def json_app(app, restored_logging):
    built = create_app({
        "TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"], "DATA_DIR": app.config["DATA_DIR"],
        "SECRET_KEY": "json-logs-tests", "CAPTCHA_TEST_MODE": True, "WTF_CSRF_ENABLED": False,
        "SCHEDULER_ENABLED": False, "PROPAGATE_EXCEPTIONS": False, "LOG_FORMAT": "json"})

    @built.route("/test-only/boom")
    def boom():
        raise RuntimeError("boom for the log")

    yield built
    built.extensions["duibiao.engine"].dispose()


def json_lines(capsys) -> list[dict]:
    """Every line the app wrote to stderr, each parsed (a line that is not JSON fails the test)."""
    return [json.loads(line) for line in capsys.readouterr().err.splitlines() if line.strip()]


def request_lines(lines: list[dict], path: str) -> list[dict]:
    return [line for line in lines if line["logger"] == json_logs.REQUEST_LOGGER and line["path"] == path]


def test_the_environment_chooses_the_format(monkeypatch, tmp_path):
    overrides = {"DATA_DIR": str(tmp_path), "SECRET_KEY": "x"}
    monkeypatch.delenv("DUIBIAO_LOG_FORMAT", raising=False)
    assert config.from_environment(overrides)["LOG_FORMAT"] == "text"
    monkeypatch.setenv("DUIBIAO_LOG_FORMAT", "JSON")
    assert config.from_environment(overrides)["LOG_FORMAT"] == "json"
    monkeypatch.setenv("DUIBIAO_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="text or json"):
        config.from_environment(overrides)


def test_each_request_is_one_json_line_with_its_fields(json_app, capsys):
    capsys.readouterr()
    response = json_app.test_client().get("/", headers={"X-Request-ID": "req-42"})
    assert response.headers["X-Request-ID"] == "req-42"
    [line] = request_lines(json_lines(capsys), "/")
    assert line["level"] == "INFO" and line["method"] == "GET" and line["status"] == 200
    assert line["request_id"] == "req-42" and line["endpoint"] == "portal.home"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00") and line["message"] == "GET / 200"
    assert "user_id" not in line  # nobody logged in


def test_a_request_id_is_made_up_when_none_or_an_odd_one_is_sent(json_app, capsys):
    client = json_app.test_client()
    made = client.get("/").headers["X-Request-ID"]
    odd = client.get("/", headers={"X-Request-ID": "a b \"forged\""}).headers["X-Request-ID"]
    assert len(made) == 32 and len(odd) == 32 and made != odd
    assert [line["request_id"] for line in request_lines(json_lines(capsys), "/")] == [made, odd]


def test_a_logged_in_user_is_named(json_app, office, capsys):
    client = logged_in(json_app.test_client(), OFFICE_EMAIL, OFFICE_PASSWORD)
    capsys.readouterr()
    assert client.get("/tasks/").status_code == 200
    [line] = request_lines(json_lines(capsys), "/tasks/")
    assert line["user_id"] == str(office) and line["status"] == 200  # the id, not the session stamp


def test_an_unhandled_exception_is_logged_with_its_traceback(json_app, capsys):
    capsys.readouterr()
    response = json_app.test_client().get("/test-only/boom", headers={"X-Request-ID": "req-boom"})
    assert response.status_code == 500
    lines = json_lines(capsys)
    [error] = [line for line in lines if line["level"] == "ERROR"]
    assert "RuntimeError: boom for the log" in error["exception"]
    assert (error["request_id"], error["path"], error["method"]) == ("req-boom", "/test-only/boom", "GET")
    assert request_lines(lines, "/test-only/boom")[0]["status"] == 500


def test_records_outside_requests_are_json_too(json_app, capsys):
    capsys.readouterr()
    logging.getLogger("duibiao").warning("证书字体 %s", "缺失", extra={"instance_id": 7})
    [line] = json_lines(capsys)
    assert line["message"] == "证书字体 缺失" and line["logger"] == "duibiao" and line["level"] == "WARNING"
    assert line["instance_id"] == 7 and "request_id" not in line


def test_the_default_stays_human_text(client, app, caplog):
    assert app.config["LOG_FORMAT"] == "text"
    root = logging.getLogger()
    assert not any(isinstance(handler.formatter, json_logs.JsonFormatter) for handler in root.handlers)
    with caplog.at_level(logging.INFO):
        response = client.get("/")
    assert response.headers["X-Request-ID"]  # ids still go back to the caller
    assert not [record for record in caplog.records if record.name == json_logs.REQUEST_LOGGER]


def test_serve_leaves_the_access_log_to_the_app_in_json_mode():
    assert "--access-logfile" in cli_server.gunicorn_argv("127.0.0.1", 8000, 2, 60)
    argv = cli_server.gunicorn_argv("127.0.0.1", 8000, 2, 60, access_log=False)
    assert "--access-logfile" not in argv and argv[-1] == "webapp:create_app()"


def test_flask_prints_errors_once(json_app):
    assert default_handler not in json_app.logger.handlers
