"""The web layer's database: Flask-SQLAlchemy over storage's models (engine from the
configuration, one session per application context, removed when the context ends), committed
by the views that write.

The engine and storage layers take a plain SQLAlchemy ``Session`` and run without Flask; the
request's session is Flask-SQLAlchemy's, a subclass of it. Work outside any request (the
scheduler's sweep, the outbox worker, ``duibiao engine tick``) opens plain sessions from
``app.extensions["duibiao.sessions"].session_factory``.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, g, has_app_context
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from storage import late_commit, outbox
from storage.db import (
    Base,
    engine_options,
    make_session_factory,
    prepare_engine,
    retry_if_disconnected,
)
from storage.files import FileStore

log = logging.getLogger(__name__)
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
    if engine.dialect.name != "sqlite":  # no connection until the first durable write
        app.extensions["duibiao.durable_engine"] = _durable_engine(engine)
    app.extensions["duibiao.sessions"] = Sessions(engine)
    app.extensions["duibiao.files"] = FileStore(f"{app.config['DATA_DIR']}/files")
    app.extensions["duibiao.mail"] = _mail_backend(app)
    app.teardown_request(_keep_durable_writes)


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


T = TypeVar("T")
_PENDING, _PENDING_TRANSACTION = "duibiao.durable", "duibiao.durable_transaction"


def durable(write: Callable[[Connection], T]) -> T:
    """Run ``write`` (a statement or two on a connection) so that it stays even when the request's own
    changes are rolled back: the API's rate-limit count, a token's last use.

    PostgreSQL: at once, in autocommit on a second pooled connection (one round trip; no lock is
    held while the request runs, so parallel requests of one token do not queue). SQLite, one
    writer at a time (the request's transaction holds the write lock already): in the request's
    transaction, so its commit keeps it; a request that ends without committing (a read, a refusal,
    a rollback) writes it again in a transaction of its own (``commit`` and the request's end)."""
    engine = current_app.extensions["duibiao.engine"]
    if engine.dialect.name != "sqlite":
        durable_engine = current_app.extensions["duibiao.durable_engine"]
        return retry_if_disconnected(lambda: _autocommit(durable_engine, write), lambda: None)
    current = session()
    _replay_lost(current)
    result = write(current.connection())
    current.info.setdefault(_PENDING, []).append(write)
    current.info[_PENDING_TRANSACTION] = current.get_transaction()
    return result


def has_durable_pool() -> bool:
    """Whether durable writes go through a connection of their own (PostgreSQL), apart from the request's."""
    return "duibiao.durable_engine" in current_app.extensions


def _durable_engine(engine):
    """PostgreSQL's pool for durable writes: its connections commit without waiting for the WAL to
    reach the disk (``synchronous_commit = off``, set once per connection). A rate-limit count or a
    token's last use lost to a power failure costs nothing, and every API request saves a flush."""
    # In AUTOCOMMIT from the start: no isolation level set and reset around each use.
    found = create_engine(engine.url, **engine_options(engine.url.render_as_string(hide_password=False)),
                          pool_size=2, max_overflow=8, isolation_level="AUTOCOMMIT")
    event.listen(found, "connect", _commit_without_flush)
    return prepare_engine(found)  # as the request's pool: a connection the server closed is replaced


def _commit_without_flush(dbapi_connection, _record) -> None:
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    dbapi_connection.execute("SET synchronous_commit TO off")
    dbapi_connection.autocommit = autocommit


def _autocommit(engine, write: Callable[[Connection], T]) -> T:
    with engine.connect() as connection:  # an AUTOCOMMIT engine (_durable_engine)
        return write(connection)


def _replay_lost(current: Session) -> None:
    """Write again the durable writes a rollback took away (the transaction they went in is gone)."""
    pending = current.info.get(_PENDING)
    if not pending or current.get_transaction() is current.info.get(_PENDING_TRANSACTION):
        return
    connection = current.connection()
    for write in pending:
        write(connection)
    current.info[_PENDING_TRANSACTION] = current.get_transaction()


def _keep_durable_writes(_exc=None) -> None:
    """At the end of a request that did not commit its durable writes: drop the rest, keep them."""
    current = sql.session()
    if not current.info.get(_PENDING):
        return
    try:
        current.rollback()
        _replay_lost(current)
        current.commit()
    except Exception:  # the answer is out already: a count lost is logged, not a failed request
        log.exception("durable writes of the request could not be kept")
        current.rollback()
    current.info.pop(_PENDING, None)


def commit() -> None:
    """Commit the request's transaction, then send what it queued in the outbox."""
    current = session()
    _replay_lost(current)
    current.commit()
    current.info.pop(_PENDING, None)
    if not outbox.queued_in(current):
        return
    if current_app.config.get("OUTBOX_SYNC"):
        outbox.drain(current, current_app.extensions["duibiao.mail"])
    else:
        if current_app.config.get("OUTBOX_WORKER"):  # the worker's thread reads the rows: committed first
            _raise_if_failed(late_commit.settle())
        current_app.extensions["duibiao.outbox_worker"].notify()


class LateCommitFailed(RuntimeError):
    """The request's COMMIT, read while its answer was built, failed: the answer is an error (500)."""


def init_late_commits(app: Flask) -> None:
    """PostgreSQL: a request's COMMIT is read while its answer is built (storage.late_commit). Called
    after the hooks that read the answer's status are registered (metrics): Flask runs the later
    registered first, so the COMMIT is settled before they count or log the answer."""
    if app.extensions["duibiao.engine"].dialect.name != "postgresql":
        return
    app.before_request(_begin_late_commits)
    app.after_request(_settle_late_commits)
    app.teardown_request(_end_late_commits)


def _begin_late_commits() -> None:
    g.late_commits = late_commit.begin()


def _settle_late_commits(response):
    """The request's COMMITs are known before its answer leaves; what comes after it (a test's own code,
    with the request's context kept) commits at once again."""
    token = g.pop("late_commits", None)
    if token is not None:
        _raise_if_failed(late_commit.end(token))
    return response


def _raise_if_failed(failure: Exception | None) -> None:
    if failure is not None:
        raise LateCommitFailed("the request's COMMIT failed") from failure


def _end_late_commits(_exc=None) -> None:
    token = g.pop("late_commits", None)
    if token is None:
        return
    failure = late_commit.end(token)
    if failure is not None:  # the request failed before its answer was built; its error page says so
        log.error("the request's COMMIT failed: %s", failure)


def rollback() -> None:
    current = session()
    current.rollback()
    outbox.queued_in(current)  # what was queued is gone with the rollback


def dispose(app: Flask) -> None:
    """Close the pools' connections (the request's and the durable writes')."""
    for name in ("duibiao.engine", "duibiao.durable_engine"):
        if name in app.extensions:
            app.extensions[name].dispose()
