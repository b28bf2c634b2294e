"""storage.deferred in a psycopg dialect: the driver in autocommit with the BEGIN deferred, and the
dialect's execute, commit, rollback and close hooks sending (or reading) what waits first (see
storage.deferred). SQLAlchemy hands these hooks the DBAPI connection or the pool's proxy of it."""
from __future__ import annotations

import contextlib
import weakref
from typing import Any

from psycopg import pq
from psycopg.adapt import Transformer
from sqlalchemy.engine import Connection

from storage import late_commit, pg_pipeline
from storage.deferred import (
    _QUEUES,
    _answered_by,
    _checks_in_flight,
    _exchange,
    _Queue,
    _queue,
    _run_checks,
    _statements,
    _Waiting,
    pipelines,
    run_last,
    send_waiting_before,
)

_IDLE = pq.TransactionStatus.IDLE
# DBAPI connection → the BEGIN its transactions start with (begin_explicitly); None while SQLAlchemy holds
# it in AUTOCOMMIT.
_BEGINS: weakref.WeakKeyDictionary[Any, str | None] = weakref.WeakKeyDictionary()


def begin_explicitly(dbapi_connection, _record=None, level: str | None = None) -> None:
    """A psycopg connection's ``connect`` event: the driver in autocommit, so that it sends no BEGIN of its
    own; the dialect (``install``) defers one instead, which the transaction's first statement carries. The
    driver still sends COMMIT and ROLLBACK whenever the server says a transaction is open. A connection
    SQLAlchemy puts in AUTOCOMMIT (the durable writes' pool) begins nothing."""
    if level is None:
        if dbapi_connection.autocommit:  # an engine created in AUTOCOMMIT: left alone
            return
        chosen = dbapi_connection.isolation_level  # one the engine was created with, else None
        level = chosen.name.replace("_", " ") if chosen is not None else None
    dbapi_connection.autocommit = True
    _BEGINS[dbapi_connection] = f"BEGIN ISOLATION LEVEL {level}" if level else "BEGIN"


def install(dialect) -> None:
    """Defer on a psycopg dialect's connections (see the module's text); other dialects are left alone."""
    if not pipelines(dialect) or getattr(dialect, "_duibiao_deferred", False):
        return
    dialect._duibiao_deferred = True
    from psycopg import ServerCursor

    dialect.do_execute = _sending_waiting_first(dialect.do_execute, ServerCursor)
    dialect.do_executemany = _sending_waiting_first(dialect.do_executemany, ServerCursor, many=True)
    dialect.do_execute_no_params = _after_waiting(dialect.do_execute_no_params)
    dialect.do_begin = _begin(dialect.do_begin)
    dialect.do_commit = _commit(dialect.do_commit)
    dialect.do_rollback = _rollback(dialect.do_rollback)
    dialect.do_savepoint = _savepoint
    dialect.set_isolation_level = _isolation_level(dialect.set_isolation_level)
    dialect.do_close = _closing(dialect.do_close)


def _sending_waiting_first(execute, server_cursor: type, many: bool = False):
    after_waiting = _after_waiting(execute)

    def do_execute(cursor, statement, parameters, *args, **kwargs):
        # Not in a pipeline: a server-side cursor (yield_per's), and a statement without parameters, which
        # may hold several commands ("DROP …; CREATE …") that only the simple query protocol takes.
        if not parameters or isinstance(cursor, server_cursor):
            return after_waiting(cursor, statement, parameters, *args, **kwargs)
        queue = _QUEUES.get(cursor.connection) if _QUEUES else None
        if queue is not None and queue.in_flight and not many:
            return _run_for_cursor(cursor, statement, parameters)
        return send_waiting_before(cursor.connection,
                                   lambda: execute(cursor, statement, parameters, *args, **kwargs))

    return do_execute


def _run_for_cursor(cursor, statement: str, parameters) -> None:
    """SQLAlchemy's statement after what was sent ahead, in the same round trip (a psycopg pipeline cannot
    follow statements libpq was sent outside it): its result is given to the psycopg cursor as the cursor
    would have taken it from its own execute."""
    answer = run_last(cursor.connection, _Waiting(None, statement, parameters, reads=True))
    cursor._reset()  # as the cursor's own execute begins (psycopg's _start_query), then ends
    cursor._last_query = None
    cursor._tx = Transformer(cursor)
    cursor._set_results([answer.pgresult])


def _after_waiting(execute):
    """``execute`` once what waits has been sent, in a round trip of its own."""
    def do_execute(cursor, *args, **kwargs):
        send_waiting_before(cursor.connection)
        return execute(cursor, *args, **kwargs)

    return do_execute


# SQLAlchemy hands these the pool's proxy of the DBAPI connection.
def _raw(proxied):
    return getattr(proxied, "dbapi_connection", proxied)


def _begin(begin):
    def do_begin(proxied):
        # A request reads its own writes: a transaction it begins after a late COMMIT (on whichever
        # connection the pool gives) begins once that COMMIT is known done (storage.late_commit).
        late_commit.settle_quietly()
        dbapi_connection = _raw(proxied)
        statement = _BEGINS.get(dbapi_connection)
        if statement is None:
            begin(proxied)
        else:
            _queue(dbapi_connection).waiting.append(_Waiting(None, statement, None, begins=True))

    return do_begin


def _commit(commit):
    def do_commit(proxied):
        dbapi_connection = _raw(proxied)
        pg_pipeline.settle_late(dbapi_connection)
        queue = _QUEUES.get(dbapi_connection)
        waiting = queue.waiting if queue is not None else None
        flying = queue is not None and bool(queue.in_flight)
        if not waiting and not flying:
            if queue is not None:
                _run_checks(queue)  # one that raises leaves the transaction uncommitted
            _commit_now(dbapi_connection, commit, proxied)
        elif not flying and all(item.begins for item in waiting):
            waiting.clear()  # a transaction that ran nothing: the driver sees none open, sends nothing
            commit(proxied)
        elif any(item.check is not None for item in waiting) or _checks_in_flight(queue):
            send_waiting_before(dbapi_connection)
            _run_checks(queue)
            _commit_now(dbapi_connection, commit, proxied)
        else:  # the checks were run on what was sent; what waits goes with the COMMIT, in one round trip
            _run_checks(queue)
            sent, queue.waiting = [*waiting, _Waiting(None, "COMMIT", None)], []
            _send_commit(dbapi_connection, queue, sent)

    return do_commit


def _commit_now(dbapi_connection, commit, proxied) -> None:
    """The COMMIT alone: on libpq when the dialect began the transaction (the driver is in autocommit and
    would send nothing), else by the driver."""
    if not dbapi_connection.autocommit:
        commit(proxied)
    elif dbapi_connection.pgconn.transaction_status != _IDLE:
        _send_commit(dbapi_connection, _queue(dbapi_connection), [_Waiting(None, "COMMIT", None)])


def _send_commit(dbapi_connection, queue: _Queue, sent: list[_Waiting]) -> None:
    """``sent`` (ending with the COMMIT) in one round trip, after what was sent ahead; in a request that
    allows it, its outcome is read later (storage.late_commit), else now."""
    if not late_commit.wanted():
        _exchange(dbapi_connection, queue, sent)
        return
    flown, queue.in_flight = queue.in_flight, []

    def answered(answers: list) -> None:  # the cursor events after each, once the COMMIT is known done
        for earlier, their_answers in flown:
            _answered_by(_Queue(), earlier, their_answers)
        _answered_by(_Queue(), sent, answers)

    late_commit.keep(pg_pipeline.send_commit(dbapi_connection, _statements(sent), answered))


def _rollback(rollback):
    def do_rollback(proxied):
        dbapi_connection = _raw(proxied)
        _QUEUES.pop(dbapi_connection, None)  # never sent, or undone now: nothing left to check
        if pg_pipeline.late_pending(dbapi_connection):
            return  # the pool's reset after a late COMMIT: the COMMIT ends the transaction, nothing to undo
        if pg_pipeline.in_flight(dbapi_connection):
            with contextlib.suppress(Exception):  # a dead connection: the rollback below says so
                pg_pipeline.settle(dbapi_connection)  # their failure, if any, is undone with the rest
        rollback(proxied)

    return do_rollback


def _closing(close):
    def do_close(dbapi_connection):
        pg_pipeline.settle_late(dbapi_connection)  # the pool closes a connection it has no room for
        close(dbapi_connection)

    return do_close


def _savepoint(connection: Connection, name: str) -> None:
    sql = f"SAVEPOINT {connection.dialect.identifier_preparer.format_savepoint(None, name)}"
    _queue(connection.connection.dbapi_connection).waiting.append(_Waiting(connection, sql, None))


def _isolation_level(set_isolation_level):
    def set_level(dbapi_connection, level):
        pg_pipeline.settle_late(dbapi_connection)
        set_isolation_level(dbapi_connection, level)
        if dbapi_connection not in _BEGINS:
            return
        if level == "AUTOCOMMIT":
            _BEGINS[dbapi_connection] = None
        else:  # back from AUTOCOMMIT, or another level: the BEGIN says it
            begin_explicitly(dbapi_connection, level=level)

    return set_level
