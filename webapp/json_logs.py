"""Request ids, and structured JSON logs when DUIBIAO_LOG_FORMAT=json (docs/operations.md).

Every request gets an id (the caller's ``X-Request-ID`` when it is sane, else a new one), sent
back in the ``X-Request-ID`` response header. In JSON mode the root logger writes one JSON object
per line to stderr, records made during a request carry its id, path, method and the user's id,
and each request ends with one ``duibiao.request`` line (status, duration). The default text
mode leaves logging as it always was: gunicorn's access log, Python's plain messages.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, current_app, g, has_request_context, request
from flask.logging import default_handler

REQUEST_LOGGER = "duibiao.request"
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Attributes every LogRecord has: anything else on a record came from ``extra=`` and is logged too.
_STANDARD_ATTRIBUTES = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request fields, exception text."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry.update(_request_fields())
        entry.update({key: value for key, value in vars(record).items()
                      if key not in _STANDARD_ATTRIBUTES and not key.startswith("_")})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _request_fields() -> dict:
    fields = {"request_id": g.get("request_id"), "method": request.method, "path": request.path}
    user = g.get("_login_user")  # only when Flask-Login loaded it already: logging runs no query
    if user is not None and getattr(user, "is_authenticated", False):
        # The session id is "<user id>:<password stamp>": the stamp stays out of the logs.
        fields["user_id"] = str(user.get_id()).partition(":")[0]
    return fields


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (gunicorn and pytest both swap it)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def install_json_handler(level: str = "INFO") -> logging.Handler:
    """Route every logger through one JSON handler on the root logger (once per process)."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]:
        root.removeHandler(handler)
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler


def init_app(app: Flask) -> None:
    app.before_request(_start_request)
    app.after_request(_finish_request)
    if app.config.get("LOG_FORMAT") == "json":
        install_json_handler(app.config.get("LOG_LEVEL") or "INFO")
        # Flask's own stderr handler on app.logger would print each error twice, once as text.
        app.logger.removeHandler(default_handler)
        app.config["LOG_REQUESTS"] = True


def _start_request() -> None:
    g.request_started = time.perf_counter()
    offered = request.headers.get("X-Request-ID", "")
    g.request_id = offered if _SANE_REQUEST_ID.fullmatch(offered) else uuid.uuid4().hex


def _finish_request(response):
    request_id = g.get("request_id")
    if request_id:
        response.headers.setdefault("X-Request-ID", request_id)
    if g.get("request_started") is not None and current_app.config.get("LOG_REQUESTS"):
        duration_ms = round((time.perf_counter() - g.request_started) * 1000, 1)
        logging.getLogger(REQUEST_LOGGER).info(
            "%s %s %s", request.method, request.path, response.status_code,
            extra={"status": response.status_code, "duration_ms": duration_ms,
                   "endpoint": request.endpoint or ""})
    return response

