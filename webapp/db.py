"""One SQLAlchemy session per request (or CLI command), committed by the views that write."""
from __future__ import annotations

from flask import Flask, current_app
from sqlalchemy.orm import scoped_session

from storage import outbox
from storage.db import make_engine, make_session_factory
from storage.files import FileStore


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["duibiao.engine"] = engine
    app.extensions["duibiao.sessions"] = scoped_session(make_session_factory(engine))
    app.extensions["duibiao.files"] = FileStore(f"{app.config['DATA_DIR']}/files")
    app.extensions["duibiao.mail"] = _mail_backend(app)
    app.teardown_appcontext(_remove_session)


def _mail_backend(app: Flask):
    log_backend = outbox.LogBackend(f"{app.config['DATA_DIR']}/outbox.jsonl")
    if app.config["MAIL_BACKEND"] == "smtp":
        return outbox.SmtpBackend(
            app.config["SMTP_HOST"], app.config["SMTP_PORT"], app.config["SMTP_SENDER"],
            app.config["SMTP_USER"], app.config["SMTP_PASSWORD"], sms=log_backend)
    return log_backend


def _remove_session(_exc=None) -> None:
    sessions = current_app.extensions["duibiao.sessions"]
    sessions.remove()


def session():
    return current_app.extensions["duibiao.sessions"]()


def file_store() -> FileStore:
    return current_app.extensions["duibiao.files"]


def commit() -> None:
    """Commit the request's transaction, then send what it queued in the outbox."""
    current = session()
    current.commit()
    if not outbox.queued_in(current):
        return
    if current_app.config.get("OUTBOX_SYNC"):
        outbox.drain(current, current_app.extensions["duibiao.mail"])
    else:
        current_app.extensions["duibiao.outbox_worker"].notify()


def rollback() -> None:
    current = session()
    current.rollback()
    outbox.queued_in(current)  # what was queued is gone with the rollback
