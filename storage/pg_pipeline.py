"""Statements sent to PostgreSQL in one pipeline, straight on libpq (psycopg's ``pq`` layer).

psycopg's own pipeline mode keeps a cursor per statement and steps generators for each one: on a task
completion (issue 15: fourteen statements in four round trips) the driver's Python was 1.3 ms of the
request's 5.2 ms of CPU. Here the statements of one round trip are converted and dumped by psycopg's
own adapters (the same parameters, the same types and formats as ``cursor.execute``), sent with one
sync and one flush, and their results read back in one loop. Statements run often are prepared on the
server through psycopg's own register of prepared statements (after as many runs as psycopg's cursor
waits for), so that psycopg's forgetting them — its ROLLBACK, a DROP — covers these too.

Besides ``exchange`` (send, sync, read): ``send_ahead`` sends without syncing, for the next exchange to
read, and ``send_commit`` syncs a COMMIT whose outcome a ``LateCommit`` reads later (storage.late_commit).

An error ends the pipeline as the server ends it: the statements after the failed one are not run (no
answer), the transaction is left failed, and the error is raised as psycopg raises it (SQLAlchemy wraps
it, and knows a dead connection by it).
"""
from __future__ import annotations

import select
import threading
from collections.abc import Callable
from typing import Any

from psycopg import errors, pq
from psycopg._preparing import Prepare
from psycopg._queries import _query2pg
from psycopg.adapt import Transformer

_SYNC = pq.ExecStatus.PIPELINE_SYNC
_ABORTED = pq.ExecStatus.PIPELINE_ABORTED
_FATAL = pq.ExecStatus.FATAL_ERROR
_TUPLES = pq.ExecStatus.TUPLES_OK
_BAD = pq.ConnStatus.BAD


class Answer:
    """What one statement answered: enough of a DBAPI cursor for fast_sql and the deferred checks (its rows
    are loaded when asked for: a psycopg cursor given the result loads its own)."""

    __slots__ = ("pgresult", "rowcount", "_transformer", "_rows")

    def __init__(self, pgresult, rowcount: int, transformer: Transformer | None):
        self.pgresult, self.rowcount, self._transformer, self._rows = pgresult, rowcount, transformer, None

    @property
    def description(self):
        """The columns' names (fast_sql reads them once per statement), as a DBAPI cursor gives them."""
        if self._transformer is None:
            return None
        return [(self.pgresult.fname(i).decode(),) for i in range(self.pgresult.nfields)]

    def fetchall(self) -> list:
        if self._transformer is None:
            return []
        if self._rows is None:
            self._transformer.set_pgresult(self.pgresult)
            self._rows = self._transformer.load_rows(0, self.pgresult.ntuples, tuple)
        return self._rows

    def close(self) -> None:  # SQLAlchemy closes a cursor after an error
        pass


_NOT_RUN = Answer(None, -1, None)


class _State:
    """A connection's adapters, kept warm from one result to the next (a psycopg cursor sets up its own),
    and the statements sent ahead whose results are not read yet (the connection stays in pipeline mode)."""

    __slots__ = ("transformer", "in_flight", "late")

    def __init__(self, dbapi_connection):
        self.transformer = Transformer(dbapi_connection)
        self.in_flight: list = []  # expected results (see _send), in the order the server gives them
        self.late: LateCommit | None = None  # a COMMIT sent and synced, its outcome not read yet


def _known_state(dbapi_connection) -> _State | None:
    # Kept on the connection itself: a table keyed by it would keep it alive (the adapters refer to it).
    return getattr(dbapi_connection, "_duibiao_pipeline", None)


def _state(dbapi_connection) -> _State:
    state = _known_state(dbapi_connection)
    if state is None:
        state = dbapi_connection._duibiao_pipeline = _State(dbapi_connection)
    return state


class LateCommit:
    """A transaction's COMMIT (with what went with it) sent and synced, its outcome read later: by
    ``settle``, or by whoever next uses the connection (``settle_late``), whichever comes first."""

    __slots__ = ("_connection", "_expected", "_then", "_lock", "_done", "failure")

    def __init__(self, dbapi_connection, expected: list, then: Callable[[], None] | None):
        self._connection, self._expected, self._then = dbapi_connection, expected, then
        self._lock = threading.Lock()  # the request that committed, and the next user of the connection
        self._done = False
        self.failure: Exception | None = None

    def settle(self) -> Exception | None:
        """The COMMIT's failure (a dead connection's included: the outcome is then unknown), or None."""
        with self._lock:
            if not self._done:
                state = _known_state(self._connection)
                try:
                    self.failure = _receive_all(self._connection, state.transformer, self._expected)
                except Exception as exc:  # noqa: BLE001 - reported to the request as its COMMIT's failure
                    self.failure = exc
                self._done = True
                if state.late is self:
                    state.late = None
                if self.failure is None and self._then is not None:
                    self._then()
        return self.failure


def send_commit(dbapi_connection, statements: list[tuple[str, Any]],
                then: Callable[[list[Answer]], None] | None = None) -> LateCommit:
    """``statements`` (the last one a COMMIT) sent and synced now, after those sent ahead; the LateCommit
    returned reads their outcome (and calls ``then`` with their answers when none failed)."""
    state, expected, answers = _send_synced(dbapi_connection, statements)
    state.late = LateCommit(dbapi_connection, expected, (lambda: then(answers)) if then is not None else None)
    return state.late


def settle_late(dbapi_connection) -> None:
    """Before anything else uses the connection: the outcome of its late COMMIT, if one waits, is read
    (and kept for the request that sent it)."""
    state = _known_state(dbapi_connection)
    if state is not None and state.late is not None:
        state.late.settle()


def late_pending(dbapi_connection) -> bool:
    state = _known_state(dbapi_connection)
    return state is not None and state.late is not None


def in_flight(dbapi_connection) -> bool:
    """Whether statements sent ahead wait to be read (nothing else may use the connection until then)."""
    state = _known_state(dbapi_connection)
    return state is not None and bool(state.in_flight)


def send_ahead(dbapi_connection, statements: list[tuple[str, Any]]) -> list[Answer]:
    """Send ``statements`` now, without waiting: the server runs them while the caller goes on, and the
    next ``exchange`` reads their results. The list returned holds their answers once it has."""
    state = _ready(dbapi_connection)
    answers = [_NOT_RUN] * len(statements)
    pgconn = dbapi_connection.pgconn
    try:
        state.in_flight += _send(dbapi_connection, state.transformer, statements, answers)
        _flush(pgconn)
    except BaseException:
        state.in_flight = []
        _drain(pgconn)
        raise
    return answers


def exchange(dbapi_connection, statements: list[tuple[str, Any]]) -> tuple[list[Answer], Exception | None]:
    """Run ``statements`` (SQL in psycopg's ``%(name)s`` style, parameters or None) in one round trip,
    after those sent ahead. The answers in order (one whose ``pgresult`` is None: not run, a statement
    before it failed), and the failure (psycopg's error, to raise), with every result read — those sent
    ahead included — and the connection out of pipeline mode."""
    state, expected, answers = _send_synced(dbapi_connection, statements)
    return answers, _receive_all(dbapi_connection, state.transformer, expected)


def _ready(dbapi_connection) -> _State:
    """The connection's state, its late COMMIT read and psycopg's pending deallocations done first."""
    state = _state(dbapi_connection)
    settle_late(dbapi_connection)
    if not state.in_flight:
        _maintain(dbapi_connection)
    return state


def _send_synced(dbapi_connection, statements) -> tuple[_State, list, list[Answer]]:
    """``statements`` sent after those sent ahead, then a Sync: the state, what each result sent back will
    be (those sent ahead included), and the list the answers of ``statements`` will fill."""
    state = _ready(dbapi_connection)
    answers = [_NOT_RUN] * len(statements)
    pgconn = dbapi_connection.pgconn
    expected, state.in_flight = state.in_flight, []
    try:
        expected += _send(dbapi_connection, state.transformer, statements, answers)
        pgconn.pipeline_sync()
        _flush(pgconn)
    except BaseException:
        _drain(pgconn)
        raise
    return state, expected, answers


def _maintain(dbapi_connection) -> None:
    register = dbapi_connection._prepared
    if register._to_flush:  # statements psycopg means to deallocate first (all of them after a DROP, say)
        dbapi_connection.wait(register.maintain_gen(dbapi_connection))


def _send(dbapi_connection, transformer: Transformer, statements, answers: list) -> list:
    """Send each statement, prepared on the server as psycopg's cursor would (its connection's register of
    prepared statements decides, and forgets them when psycopg drops them: a ROLLBACK, a DROP); what each
    result sent back will be: None (a preparation's) or where its answer goes, with its register entry."""
    pgconn = dbapi_connection.pgconn
    register = dbapi_connection._prepared
    expected = []
    if not pgconn.pipeline_status:
        pgconn.enter_pipeline_mode()
    for index, (sql, parameters) in enumerate(statements):
        if parameters is None:  # as psycopg sends it: the text as it is (no placeholders)
            pgconn.send_query_params(sql.encode(transformer.encoding), None)
            expected.append((answers, index, None, Prepare.NO, b""))
            continue
        query = _Query(sql, parameters, transformer)
        prepare, name = register.get(query)
        if prepare is Prepare.NO:
            pgconn.send_query_params(query.query, query.params, param_types=query.types,
                                     param_formats=query.formats)
        else:
            if prepare is Prepare.SHOULD:
                pgconn.send_prepare(name, query.query, param_types=query.types)
                expected.append(None)
            pgconn.send_query_prepared(name, query.params, param_formats=query.formats)
        expected.append((answers, index, register.maybe_add_to_cache(query, prepare, name), prepare, name))
    return expected


def _flush(pgconn) -> None:
    while pgconn.flush():
        select.select([], [pgconn.socket], [])


class _Query:
    """A statement converted and its parameters dumped, as psycopg's ``PostgresQuery`` does it (the
    register of prepared statements keys it by ``query`` and ``types``); the conversion of each SQL text
    is kept, so that a run only dumps."""

    __slots__ = ("query", "params", "types", "formats")

    def __init__(self, sql: str, parameters, transformer: Transformer):
        self.query, wanted, order = _converted(sql, transformer.encoding)
        values = [parameters[name] for name in order] if order is not None else parameters
        self.params = transformer.dump_sequence(values, wanted)
        self.types = transformer.types or ()
        self.formats = transformer.formats


_CONVERTED: dict[tuple[str, str], tuple] = {}


def _converted(sql: str, encoding: str) -> tuple:
    """The text with ``$n`` placeholders, the formats asked for, the parameters' names in order."""
    found = _CONVERTED.get((sql, encoding))
    if found is None:
        found = _query2pg(sql.encode(encoding), encoding)[:3]
        if len(_CONVERTED) < 4096:  # the platform's statements are a few hundred; text built per call is not kept
            _CONVERTED[(sql, encoding)] = found
    return found


def _receive_all(dbapi_connection, transformer: Transformer, expected: list) -> Exception | None:
    """Read every result up to the sync into its answer; the first failure, if any."""
    pgconn = dbapi_connection.pgconn
    register = dbapi_connection._prepared
    failure = None
    position = 0
    try:
        for result in _results(pgconn):
            item = expected[position]
            position += 1
            status = result.status
            if status == _FATAL and failure is None:
                failure = errors.error_from_result(result, encoding=dbapi_connection.info.encoding)
            if item is None:
                continue
            answers, index, key, prepare, name = item
            if key is not None:
                register.validate(key, prepare, name, [result])  # a failed one is not kept as prepared
            if status != _FATAL and status != _ABORTED:
                answers[index] = _answer(transformer, result)
    finally:
        if pgconn.status != _BAD:
            pgconn.exit_pipeline_mode()
    return failure


def _results(pgconn):
    """Each command's result, up to the sync (libpq ends each command's results with a None)."""
    while True:
        while pgconn.is_busy():
            select.select([pgconn.socket], [], [])
            pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:
            continue
        if result.status == _SYNC:
            return
        yield result


def _answer(transformer: Transformer, result) -> Answer:
    if result.status != _TUPLES:
        count = result.command_tuples
        return Answer(result, count if count is not None else -1, None)
    return Answer(result, result.ntuples, transformer)


def settle(dbapi_connection) -> Exception | None:
    """Read what was sent ahead (a rollback follows, say): the connection is out of pipeline mode after;
    the failure of one of them, if any."""
    if not in_flight(dbapi_connection):
        return None
    return exchange(dbapi_connection, [])[1]


def _drain(pgconn) -> None:
    """After a failure to send: whatever was sent is read back and the connection leaves pipeline mode."""
    try:
        pgconn.pipeline_sync()
        _flush(pgconn)
        for _ in _results(pgconn):
            pass
    finally:
        if pgconn.status != _BAD and pgconn.pipeline_status:
            pgconn.exit_pipeline_mode()
