"""The web layer's database: Flask-SQLAlchemy over storage's models (engine from the
configuration, one session per application context, removed when the context ends), committed
by the views that write.

The engine and storage layers take a plain SQLAlchemy ``Session`` and run without Flask; the
request's session is Flask-SQLAlchemy's, a subclass of it. Work outside any request (the
scheduler's sweep, the outbox worker, ``duibiao engine tick``) opens plain sessions from
``app.extensions["duibiao.sessions"].session_factory``.
"""
from __future__ import annotations

from flask import Flask, current_app, has_app_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Session

from storage import outbox
from storage.db import Base, engine_options, make_session_factory, prepare_engine
from storage.files import FileStore

sql = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})


class Sessions:
    """``app.extensions["duibiao.sessions"]``: the request's session (``sessions()``, ``remove()``)
    and ``session_factory``, plain sessions on the same engine for threads outside a request."""

    def __init__(self, engine) -> None:
        self.session_factory = make_session_factory(engine)

    def __call__(self) -> Session:
        return sql.session()

    def remove(self) -> None:
        """End the current application context's session (outside one there is none to end)."""
        if has_app_context():
            sql.session.remove()


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    app.config.setdefault("SQLALCHEMY_DATABASE_URI", url)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(url))
    sql.init_app(app)
    with app.app_context():
        engine = prepare_engine(sql.engine)
    app.extensions["duibiao.engine"] = engine
    app.extensions["duibiao.sessions"] = Sessions(engine)
    app.extensions["duibiao.files"] = FileStore(f"{app.config['DATA_DIR']}/files")
    app.extensions["duibiao.mail"] = _mail_backend(app)


def _mail_backend(app: Flask):
    log_backend = outbox.LogBackend(f"{app.config['DATA_DIR']}/outbox.jsonl")
    if app.config["MAIL_BACKEND"] == "smtp":
        return outbox.SmtpBackend(
            app.config["SMTP_HOST"], app.config["SMTP_PORT"], app.config["SMTP_SENDER"],
            app.config["SMTP_USER"], app.config["SMTP_PASSWORD"], sms=log_backend)
    return log_backend


def session() -> Session:
    """The request's (or CLI command's) session."""
    return sql.session()


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
