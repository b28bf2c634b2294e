"""Statements that wait to go with the transaction's next one: one round trip instead of several.

On PostgreSQL each statement is a round trip: the request waits for the server, the server for the
request, and both lose their CPU caches to the other at each switch (issue 15: a task completion made 14
round trips; the wait and the lost caches were a third of its time). A write whose answer nobody needs at
once (an audit row, a message, the claim of a task whose row count is checked at the end), or a read
needed a little later, waits here on its DBAPI connection; whatever next needs the connection — a fast_sql
statement, SQLAlchemy's own, the commit — sends the waiting ones first, in one libpq pipeline
(storage.pg_pipeline; psycopg's own pipeline when SQLAlchemy's statement comes with nothing sent ahead), in
the same round trip. Order is kept: nothing runs on the connection before what was deferred before it.
``send_ahead`` sends what waits at once, without waiting for its answers (the engine calls it before a long
stretch of Python), and the next statement reads them with its own.

``install`` (storage.deferred_dialect) puts this into a psycopg dialect:

- ``do_execute`` and its kin send what waits first;
- a SAVEPOINT waits too (sent by whatever comes next, a ROLLBACK TO it included);
- the transaction's BEGIN waits too (``begin_explicitly``): the driver, left to itself, sends one and
  waits for its answer before the first statement;
- the commit runs the checks (one that raises leaves the transaction uncommitted) and carries the writes
  that wait with the COMMIT, in one round trip (read later inside a request: storage.late_commit);
- a rollback drops what waits, and the checks, and reads what was sent ahead.

A check (``defer(check=…)``) is given the row count of its write when ``check`` is called or at the
commit, never while another statement is being sent: code that merely issued the next statement (a
service task, whose errors SpiffWorkflow would make the task's own) must not meet another write's
failure. A check describes its write as it ran: a ROLLBACK TO a savepoint made before it is not undone.
"""
from __future__ import annotations

import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from storage import pg_pipeline


@dataclass(slots=True)
class _Waiting:
    connection: Connection | None  # whose cursor events it fires (none for the BEGIN)
    sql: str
    parameters: Any
    many: bool = False
    check: Callable[[int], None] | None = None
    reads: bool = False  # a read ahead: ``cursor`` holds its answer once sent
    cursor: Any = None
    begins: bool = False  # the transaction's BEGIN


class _Queue:
    """A connection's statements not sent yet, and the checks of writes sent but not yet checked."""

    __slots__ = ("waiting", "checks", "in_flight")

    def __init__(self):
        self.waiting: list[_Waiting] = []
        self.checks: list[tuple[Callable[[int], None], Any]] = []  # (check, the cursor with its row count)
        # Sent ahead (send_ahead), their answers not read yet: (the statements, the list their answers fill)
        self.in_flight: list[tuple[list[_Waiting], list]] = []


_QUEUES: weakref.WeakKeyDictionary[Any, _Queue] = weakref.WeakKeyDictionary()  # by DBAPI connection


def pipelines(dialect) -> bool:
    """Whether statements are deferred on this dialect's connections (psycopg's), rather than run at once."""
    return dialect.driver == "psycopg"


def _queue(dbapi_connection) -> _Queue:
    queue = _QUEUES.get(dbapi_connection)
    if queue is None:
        queue = _QUEUES[dbapi_connection] = _Queue()
    return queue


def defer(connection: Connection, sql: str, parameters, many: bool = False,
          check: Callable[[int], None] | None = None) -> None:
    """``sql`` waits on the connection (in a transaction begun already: fast_sql begins it)."""
    _queue(connection.connection.dbapi_connection).waiting.append(_Waiting(connection, sql, parameters, many, check))


def read_ahead(connection: Connection, sql: str, parameters) -> Callable[[], Any]:
    """``sql`` waits on the connection; the function returned gives the cursor holding its answer (sending
    it first, with what waits before it, when nothing has yet)."""
    dbapi_connection = connection.connection.dbapi_connection
    waiting = _Waiting(connection, sql, parameters, reads=True)
    _queue(dbapi_connection).waiting.append(waiting)
    return _answer(dbapi_connection, waiting)


def read_ahead_apart(connection: Connection, sql: str, parameters) -> Callable[[], Any] | None:
    """``sql`` (a read that may write: a rate-limit count) in a transaction of its own, committed at once
    whatever becomes of the connection's transaction, and sent before that transaction's BEGIN, with its
    first statement: one round trip for both. The function returned gives the cursor holding the answer, as
    ``read_ahead``'s does. None when the transaction has sent something already (or its BEGIN is not
    waiting): the caller runs ``sql`` another way.

    ``sql`` goes between a BEGIN and a COMMIT of its own. Without them it would run in the pipeline's
    implicit transaction, which the transaction's BEGIN would make its own (PostgreSQL turns an implicit
    block into an explicit one), locks and rollback included; a COMMIT alone ends that block, but the server
    logs a warning for it each time. When the transaction's BEGIN is a plain one, ``COMMIT AND CHAIN`` ends
    the one and begins the other (same characteristics; a setting made local to the first is not kept)."""
    dbapi_connection = connection.connection.dbapi_connection
    queue = _QUEUES.get(dbapi_connection)
    if queue is None or queue.checks or queue.in_flight or [item.begins for item in queue.waiting] != [True]:
        return None
    waiting = _Waiting(connection, sql, parameters, reads=True)
    if queue.waiting[0].sql == "BEGIN":
        queue.waiting[:] = [_Waiting(None, "BEGIN", None), waiting, _Waiting(None, "COMMIT AND CHAIN", None,
                                                                             begins=True)]
    else:
        queue.waiting[:0] = [_Waiting(None, "BEGIN", None), waiting, _Waiting(None, "COMMIT", None)]
    return _answer(dbapi_connection, waiting)


class NotAnswered(RuntimeError):
    """A read ahead whose pipeline failed (the statement that sent it raised the failure): no answer."""


def _answer(dbapi_connection, waiting: _Waiting) -> Callable[[], Any]:
    def answered():
        if waiting.cursor is None:
            _send_now(waiting.connection, dbapi_connection, waiting)
        if waiting.cursor.pgresult is None:
            raise NotAnswered(waiting.sql)
        return waiting.cursor

    return answered


def _send_now(connection: Connection, dbapi_connection, waiting: _Waiting) -> None:
    """What waits, sent now; a driver's error raised as SQLAlchemy's (a dead connection then says so)."""
    try:
        send_waiting_before(dbapi_connection, lambda: None)
    except connection.dialect.loaded_dbapi.Error as exc:
        connection._handle_dbapi_exception(exc, waiting.sql, waiting.parameters, None, None)
        raise  # not reached: the call above raises


def check(connection: Connection) -> None:
    """Run the checks of the connection's deferred writes (one raises: the transaction must not be
    committed). A checked write still waiting is sent first, with what waits before it; what waits after
    the last checked write may wait on, for the commit to carry it."""
    if not pipelines(connection.dialect):
        return
    dbapi_connection = connection.connection.dbapi_connection
    queue = _QUEUES.get(dbapi_connection)
    if queue is None:
        return
    checked = [index for index, waiting in enumerate(queue.waiting) if waiting.check is not None]
    if checked or _checks_in_flight(queue):
        cut = checked[-1] + 1 if checked else 0
        sent, queue.waiting = queue.waiting[:cut], queue.waiting[cut:]
        try:
            _exchange(dbapi_connection, queue, sent)
        except connection.dialect.loaded_dbapi.Error as exc:
            connection._handle_dbapi_exception(exc, "(deferred statements)", None, None, None)
            raise  # not reached: the call above raises
    _run_checks(queue)


def _checks_in_flight(queue: _Queue) -> bool:
    return any(waiting.check is not None for sent, _answers in queue.in_flight for waiting in sent)


def send_ahead(connection: Connection) -> None:
    """PostgreSQL: what waits on the connection goes to the server now, without waiting for it; the server
    runs it while the request goes on (the engine's Python, say), and the next statement that needs an
    answer reads its answers with its own, in the same round trip."""
    if not pipelines(connection.dialect):
        return
    dbapi_connection = connection.connection.dbapi_connection
    queue = _QUEUES.get(dbapi_connection)
    if queue is None or not queue.waiting:
        return
    sent, queue.waiting = queue.waiting, []
    try:
        answers = pg_pipeline.send_ahead(dbapi_connection, _statements(sent))
    except connection.dialect.loaded_dbapi.Error as exc:
        connection._handle_dbapi_exception(exc, sent[-1].sql, sent[-1].parameters, None, None)
        raise  # not reached: the call above raises
    queue.in_flight.append((sent, answers))


def _run_checks(queue: _Queue) -> None:
    checks, queue.checks = queue.checks, []
    for check_rowcount, cursor in checks:
        check_rowcount(cursor.rowcount)


def send_waiting_before(dbapi_connection, then: Callable[[], object] | None = None):
    """``then()`` (a statement of SQLAlchemy's own, on a psycopg cursor, that needs the connection now),
    after what waits on it, in one round trip; without ``then``, what waits is sent (storage.pg_pipeline)."""
    pg_pipeline.settle_late(dbapi_connection)  # a late COMMIT's outcome is read before psycopg's turn
    queue = _QUEUES.get(dbapi_connection) if _QUEUES else None
    if queue is None or not (queue.waiting or queue.in_flight):
        return then() if then is not None else None
    sent, queue.waiting = queue.waiting, []
    if then is None or queue.in_flight:  # what was sent ahead is read first: psycopg's turn comes after
        _exchange(dbapi_connection, queue, sent)
        return then() if then is not None else None
    return _send(dbapi_connection, queue, sent, then)


def run_after_waiting(connection: Connection, sql: str, parameters) -> pg_pipeline.Answer:
    """A statement of fast_sql's, after what waits on the connection, in one round trip: its answer."""
    return run_last(connection.connection.dbapi_connection, _Waiting(connection, sql, parameters, reads=True))


def run_last(dbapi_connection, last: _Waiting) -> pg_pipeline.Answer:
    """``last`` (a read) after what was sent ahead and what waits, in one libpq round trip: its answer."""
    queue = _queue(dbapi_connection)
    sent, queue.waiting = [*queue.waiting, last], []
    _exchange(dbapi_connection, queue, sent)
    return last.cursor


def _exchange(dbapi_connection, queue: _Queue, sent: list[_Waiting]) -> None:
    """``sent`` in one pipeline on libpq; each read keeps its answer, each checked write joins the checks.
    A failed statement raises (after the checks of those that ran, which say why a racer's work failed),
    and nothing after it runs."""
    flown, queue.in_flight = queue.in_flight, []
    answers, failure = pg_pipeline.exchange(dbapi_connection, _statements(sent))
    for earlier, their_answers in flown:
        _answered_by(queue, earlier, their_answers)
    _answered_by(queue, sent, answers)
    if failure is not None:
        _raise_a_racers_check(queue)
        raise failure


def _statements(sent: list[_Waiting]) -> list[tuple[str, Any]]:
    """What goes to the server for ``sent`` (one statement per parameter set of a ``many``); the cursor
    events before each."""
    statements = []
    for waiting in sent:
        _event(waiting, "before_cursor_execute")
        if waiting.many:
            statements.extend((waiting.sql, parameters) for parameters in waiting.parameters)
        else:
            statements.append((waiting.sql, waiting.parameters))
    return statements


def _answered_by(queue: _Queue, sent: list[_Waiting], answers: list) -> None:
    """Each read keeps its answer, each checked write joins the checks; the cursor events after each."""
    position = 0
    for waiting in sent:
        answer = answers[position]
        position += len(waiting.parameters) if waiting.many else 1
        if waiting.check is not None:
            queue.checks.append((waiting.check, answer))
        elif waiting.reads:
            waiting.cursor = answer
        if answer.pgresult is not None:
            _event(waiting, "after_cursor_execute", answer)


def _event(waiting: _Waiting, name: str, cursor=None) -> None:
    connection = waiting.connection
    if connection is not None and getattr(connection.dispatch, name):
        getattr(connection.dispatch, name)(connection, cursor, waiting.sql, waiting.parameters, None, waiting.many)


def _send(dbapi_connection, queue: _Queue, sent: list[_Waiting], then):
    """``sent`` then ``then`` in one psycopg pipeline. A failed statement raises when the pipeline is
    synced, and nothing after it runs."""
    try:
        return _pipeline(dbapi_connection, queue, sent, then)
    except Exception:
        _raise_a_racers_check(queue)
        raise


def _raise_a_racers_check(queue: _Queue) -> None:
    """A racer's work: the claim found the task handled, or the instance moved on, and what came after it
    failed for that reason (the same audit row's number, say). The check of a statement that ran says why
    (it raises; the failure being handled is its context)."""
    for check_rowcount, cursor in _answered(queue.checks):
        check_rowcount(cursor.rowcount)


def _answered(checks: list):
    """The checks whose statement ran (a statement after a failure in its pipeline has no answer)."""
    return [(check_rowcount, cursor) for check_rowcount, cursor in checks if cursor.pgresult is not None]


def _pipeline(dbapi_connection, queue: _Queue, sent: list[_Waiting], then):
    result = None
    with dbapi_connection.pipeline():
        shared = None
        for waiting in sent:
            # A checked write or a read keeps a cursor of its own: a cursor holds its last answer only.
            if waiting.check is not None:
                cursor = dbapi_connection.cursor()
                queue.checks.append((waiting.check, cursor))
            elif waiting.reads:
                cursor = waiting.cursor = dbapi_connection.cursor()
            else:
                cursor = shared = shared or dbapi_connection.cursor()
            _execute(waiting, cursor)
        if then is not None:
            result = then()
    return result


def _execute(waiting: _Waiting, cursor) -> None:
    _event(waiting, "before_cursor_execute", cursor)
    if waiting.many:  # one by one: psycopg's executemany would sync a pipeline of its own (a round trip)
        for parameters in waiting.parameters:
            cursor.execute(waiting.sql, parameters)
    else:
        cursor.execute(waiting.sql, waiting.parameters)
    _event(waiting, "after_cursor_execute", cursor)
