"""Engine and session construction shared by the web app, the CLI and the tests."""
from __future__ import annotations

import select
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

from storage import deferred_dialect, fast_sql, lazy_description, pg_pipeline

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UTCDateTime(TypeDecorator):
    """Stores aware datetimes as UTC; SQLite drops the offset, so restore it on read."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def _configure_sqlite(engine: Engine) -> None:
    """WAL + busy timeout, and BEGIN IMMEDIATE so concurrent writers queue instead of failing."""

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # let us emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        fast_sql.execute_text(connection, "BEGIN IMMEDIATE", begins=True)  # without SQLAlchemy's per-statement work

    engine.dialect.do_savepoint = partial(_sqlite_savepoint, command="SAVEPOINT")
    engine.dialect.do_release_savepoint = partial(_sqlite_savepoint, command="RELEASE SAVEPOINT")


def _sqlite_savepoint(connection, name: str, *, command: str) -> None:
    """SAVEPOINT / RELEASE as text on the driver's cursor: SQLAlchemy compiles a new statement for every
    savepoint (a service task's call makes one), ≈ 2 % of a SQLite completion (issue 15). PostgreSQL's
    are queued with the next statement instead (storage.deferred)."""
    quoted = connection.dialect.identifier_preparer.format_savepoint(None, name)
    fast_sql.execute_text(connection, f"{command} {quoted}")


def engine_options(url: str) -> dict:
    """The options every engine of ``url`` is created with (the web layer hands them to
    Flask-SQLAlchemy; ``make_engine`` uses them directly)."""
    if url.startswith("sqlite"):
        return {"connect_args": {"check_same_thread": False, "timeout": 15}}
    # No ping on every checkout (one more round trip per request, issue 15): a connection the server
    # closed while it sat in the pool is told by its socket, without a round trip (``drop_closed_by_server``,
    # installed by ``prepare_engine``); one that died otherwise fails its first statement, SQLAlchemy
    # invalidates it and the pool's older connections, and a request's first read is tried once more
    # (``retry_if_disconnected``). Connections older than half an hour are replaced before use.
    return {"pool_pre_ping": False, "pool_recycle": POOL_RECYCLE_SECONDS}


POOL_RECYCLE_SECONDS = 1800
T = TypeVar("T")


def retry_if_disconnected(read: Callable[[], T], reset: Callable[[], object]) -> T:
    """``read()``, and once more after ``reset()`` (a rollback) when its connection turned out to be
    dead (the server restarted, an administrator ended the session): for a request's first statement,
    an idempotent read, so that a dropped connection costs no request at all."""
    try:
        return read()
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            raise
    reset()
    return read()


def prepare_engine(engine: Engine) -> Engine:
    """What an engine needs before its first connection: SQLite's pragmas and BEGIN IMMEDIATE; savepoints
    that can stay open (``savepoints_kept_open``)."""
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    else:
        event.listen(engine, "checkout", drop_closed_by_server)
        if engine.dialect.driver == "psycopg":
            event.listen(engine, "connect", deferred_dialect.begin_explicitly)
            event.listen(engine, "connect", lazy_description.use_lazy_descriptions)
    _release_unless_kept(engine.dialect)
    deferred_dialect.install(engine.dialect)  # statements sent together (psycopg)
    return engine


def drop_closed_by_server(dbapi_connection, _record, _proxy) -> None:
    """A pool's checkout: an idle PostgreSQL connection has nothing to read unless the server closed it
    (a restart, pg_terminate_backend: its farewell or the end of the stream waits on the socket). Asked of
    the socket without a round trip; the pool then replaces the connection. A late COMMIT's answer
    (storage.late_commit) is read first: it is what may wait there."""
    pg_pipeline.settle_late(dbapi_connection)
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError) as exc:  # closed already
        raise DisconnectionError from exc
    if readable:
        raise DisconnectionError


# A savepoint whose work is kept need not be released before its transaction ends: COMMIT releases every
# savepoint, and a ROLLBACK TO an outer one still undoes what it holds. Inside ``savepoints_kept_open``
# (a service task's call, engine.scripting: one savepoint per call) the RELEASE is not sent on
# PostgreSQL, where it is a round trip of its own. SQLAlchemy names each savepoint anew, so none is confused.
_KEEP_SAVEPOINTS: ContextVar[bool] = ContextVar("duibiao_keep_savepoints", default=False)


@contextmanager
def savepoints_kept_open() -> Iterator[None]:
    token = _KEEP_SAVEPOINTS.set(True)
    try:
        yield
    finally:
        _KEEP_SAVEPOINTS.reset(token)


def _release_unless_kept(dialect) -> None:
    # SQLite releases every savepoint: a RELEASE costs it no round trip, and while a savepoint is open
    # every page a later statement changes is first copied to a statement journal (issue 15: the new
    # inbox row's INSERT took 130 µs after a service's kept savepoint, 28 µs after a released one).
    if dialect.name == "sqlite" or getattr(dialect, "_duibiao_release", None) is not None:
        return
    release = dialect._duibiao_release = dialect.do_release_savepoint

    def do_release_savepoint(connection, name):
        if not _KEEP_SAVEPOINTS.get():
            release(connection, name)

    dialect.do_release_savepoint = do_release_savepoint


def make_engine(url: str, **options) -> Engine:
    return prepare_engine(create_engine(url, **{**engine_options(url), **options}))


def make_session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(bind=engine, expire_on_commit=False)
