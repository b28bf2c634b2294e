"""The completion's hot statements, compiled once and run on the driver's cursor.

SQLAlchemy Core spends about 20–30 µs of Python on each execution of a cached statement (execution
context, parameter construction, result set-up) where the driver spends 5–10 µs (issue 15: a task
completion makes a dozen such statements). ``Prepared`` keeps what SQLAlchemy's compiler produced for a
dialect — the SQL text, the parameter order, the type processors — and runs it straight on the
connection's DBAPI cursor, with the same conversions, the same cursor events (``before_cursor_execute``
/ ``after_cursor_execute``) and the same exceptions (driver errors wrapped, a dead connection
invalidated) as ``Connection.execute``.

For plain INSERT / UPDATE / DELETE and SELECTs of columns (not ORM entities), with every value given
by the caller or fixed in the statement: a statement that needs SQLAlchemy's execution-time defaults
(a column's Python ``default`` / ``onupdate``) or expanding IN lists is refused when it is first run.

A write whose answer nobody needs at once (an audit row, a message, a guarded UPDATE whose row count is
checked later), or a read needed a little later, can be *deferred* (``Prepared.defer``, ``read_ahead``):
on PostgreSQL it waits and goes with the transaction's next statement, in one round trip
(storage.deferred). On SQLite, where a statement costs no round trip, it runs at once.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

from storage import deferred

_PARAM = object()  # a plan's slot taken from the caller's parameters


@dataclass(slots=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # compiled parameter names, in the driver's order
    sources: tuple[Any, ...]  # per name: _PARAM, or the fixed value (already processed)
    processors: tuple[Callable | None, ...]  # per name: SQLAlchemy's bind processor, if any
    positional: bool
    # Result column name → its processor (a SELECT's columns, a RETURNING); None: no rows come back.
    result_types: dict[str, Callable | None] | None
    # Per column of the cursor's description, matched by name on the first run (a textual SELECT
    # types only some of its columns, by name, as SQLAlchemy matches them).
    result_processors: tuple[Callable | None, ...] | None = None

    def parameters(self, params: dict) -> tuple | dict:
        values = []
        for name, source, process in zip(self.names, self.sources, self.processors, strict=True):
            if source is _PARAM:
                value = params[name]
                values.append(process(value) if process is not None and value is not None else value)
            else:
                values.append(source)
        return tuple(values) if self.positional else dict(zip(self.names, values, strict=True))

    def rows(self, cursor) -> list[tuple]:
        processors = self.result_processors
        if processors is None:
            processors = self.result_processors = tuple(
                self.result_types.get(column[0].lower()) for column in cursor.description)
        if not any(processors):
            return [tuple(raw) for raw in cursor.fetchall()]
        return [tuple(value if process is None or value is None else process(value)
                      for value, process in zip(raw, processors, strict=True)) for raw in cursor.fetchall()]


class Outcome:
    """What a statement answered: its rows (processed) and the driver's rowcount."""

    __slots__ = ("rows", "rowcount")

    def __init__(self, rows: list[tuple], rowcount: int):
        self.rows, self.rowcount = rows, rowcount

    def first(self) -> tuple | None:
        return self.rows[0] if self.rows else None

    def scalar_one(self) -> Any:
        if len(self.rows) != 1:
            raise LookupError(f"expected one row, got {len(self.rows)}")
        return self.rows[0][0]


class ReadAhead:
    """A read deferred with ``Prepared.read_ahead``."""

    __slots__ = ("_plan", "_cursor", "_outcome")

    def __init__(self, plan: _Plan, cursor: Callable[[], Any] | None, outcome: Outcome | None):
        self._plan, self._cursor, self._outcome = plan, cursor, outcome

    def outcome(self) -> Outcome:
        if self._outcome is None:
            cursor = self._cursor()
            self._outcome = Outcome(self._plan.rows(cursor) if self._plan.result_types is not None else [],
                                    cursor.rowcount)
        return self._outcome


class Prepared:
    """A Core statement that runs without SQLAlchemy's per-execution work (see the module's text)."""

    __slots__ = ("statement", "_plans")

    def __init__(self, statement: ClauseElement):
        self.statement = statement
        self._plans: dict[tuple, _Plan] = {}

    def execute(self, connection: Connection, params: dict) -> Outcome:
        plan = self._plan_for(connection.dialect, params)
        return _run(connection, plan, plan.parameters(params))

    def defer(self, connection: Connection, params: dict, check: Callable[[int], None] | None = None) -> None:
        """A write sent with the transaction's next statement, or at the commit (storage.deferred);
        ``check`` is given its row count by ``deferred.check`` or the commit, and raises when the write did
        not do what it should (the transaction is then not committed)."""
        plan = self._plan_for(connection.dialect, params)
        _defer(connection, plan, plan.parameters(params), False, check)

    def defer_many(self, connection: Connection, rows: list[dict]) -> None:
        """The statement once per row (the rows share their keys), deferred as ``defer`` is."""
        if len(rows) == 1:
            self.defer(connection, rows[0])
            return
        plan = self._plan_for(connection.dialect, rows[0])
        _defer(connection, plan, [plan.parameters(row) for row in rows], True, None)

    def read_ahead(self, connection: Connection, params: dict) -> ReadAhead:
        """A read sent with the transaction's next statement; ``outcome()`` answers it (sending it then,
        with what waits before it, when nothing has yet)."""
        plan = self._plan_for(connection.dialect, params)
        if not deferred.pipelines(connection.dialect):
            return ReadAhead(plan, None, _run(connection, plan, plan.parameters(params)))
        _begun(connection)
        return ReadAhead(plan, deferred.read_ahead(connection, plan.sql, plan.parameters(params)), None)

    def read_ahead_apart(self, connection: Connection, params: dict) -> ReadAhead | None:
        """PostgreSQL: a read (that may write) committed apart from the connection's transaction, which has
        sent nothing yet, and sent with its first statement (``deferred.read_ahead_apart``); None on
        another database, or when the transaction has sent something already."""
        if not deferred.pipelines(connection.dialect):
            return None
        _begun(connection)
        plan = self._plan_for(connection.dialect, params)
        cursor = deferred.read_ahead_apart(connection, plan.sql, plan.parameters(params))
        return ReadAhead(plan, cursor, None) if cursor is not None else None

    def _plan_for(self, dialect, params: dict) -> _Plan:
        # Engines of one driver share a plan: the platform creates them all with the same options, on
        # which the processors depend (the JSON serializer, say).
        key = (dialect.name, dialect.driver, tuple(params))
        plan = self._plans.get(key)
        if plan is None:
            plan = self._plans[key] = _plan(self.statement, dialect, list(params))
        return plan


def _plan(statement: ClauseElement, dialect, keys: list[str]) -> _Plan:
    # for_executemany: no implicit RETURNING of the new row's key (nobody reads inserted_primary_key).
    compiled: SQLCompiler = statement.compile(dialect=dialect, column_keys=keys, for_executemany=True)
    if compiled.insert_prefetch or compiled.update_prefetch or compiled.post_compile_params \
            or compiled.literal_execute_params or compiled.escaped_bind_names:
        raise ValueError(f"fast_sql cannot run this statement (defaults or expanding parameters): {compiled}")
    names = tuple(compiled.positiontup) if compiled.positional else tuple(dict.fromkeys(compiled.bind_names.values()))
    bind_processors = compiled._bind_processors  # what Connection.execute applies, per parameter name
    given = set(keys)
    sources = []
    for name in names:
        bind = compiled.binds[name]
        if name in given:
            sources.append(_PARAM)
        elif bind.required or bind.callable is not None:
            raise ValueError(f"fast_sql: no value given for {name!r}")
        else:
            process = bind_processors.get(name)
            value = bind.value
            sources.append(process(value) if process is not None and value is not None else value)
    # A SELECT's columns or an INSERT / UPDATE's RETURNING; none for a statement that returns no rows.
    result_types = {column.name.lower(): column.type._cached_result_processor(dialect, None)
                    for column in compiled._result_columns} or None
    return _Plan(compiled.string, names, tuple(sources),
                 tuple(bind_processors.get(name) for name in names), compiled.positional, result_types)


_CURSOR = "duibiao.fast_sql.cursor"


def _cursor(connection: Connection):
    """The DBAPI connection's cursor for these statements, made once (a new psycopg cursor sets up its own
    adapters each time). Kept in the pooled connection's ``info``, which lives as long as the DBAPI connection
    and is emptied when SQLAlchemy replaces it."""
    pooled = connection.connection
    cursor = pooled.info.get(_CURSOR)
    if cursor is None or cursor.connection is not pooled.dbapi_connection:
        cursor = pooled.info[_CURSOR] = pooled.dbapi_connection.cursor()
    return cursor


def _begun(connection: Connection) -> None:
    if not connection.in_transaction():  # as Connection.execute: begin, so that commit() keeps the write
        connection.begin()


def _defer(connection: Connection, plan: _Plan, parameters, many: bool, check) -> None:
    if not deferred.pipelines(connection.dialect):  # SQLite: no round trip to save, it runs now
        outcome = _run(connection, plan, parameters, many)
        if check is not None:
            check(outcome.rowcount)
        return
    _begun(connection)
    deferred.defer(connection, plan.sql, parameters, many=many, check=check)


def execute_text(connection: Connection, sql: str, *, begins: bool = False) -> None:
    """A statement with neither parameters nor rows (a SAVEPOINT), run as ``Prepared`` runs its own;
    ``begins``: it is the transaction's BEGIN (sent from SQLAlchemy's ``begin`` event)."""
    _run(connection, _Plan(sql, (), (), (), True, None), (), begins=begins)


def _run(connection: Connection, plan: _Plan, parameters, many: bool = False, begins: bool = False) -> Outcome:
    if not begins:
        _begun(connection)
    if deferred.pipelines(connection.dialect):
        return _run_pipelined(connection, plan, parameters)
    cursor = _cursor(connection)
    sql = plan.sql
    dispatch = connection.dispatch
    try:
        if dispatch.before_cursor_execute:  # listeners (tests counting statements, say)
            dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, many)
        if many:
            cursor.executemany(sql, parameters)
        else:
            cursor.execute(sql, parameters)
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(connection, cursor, sql, parameters, None, many)
        rows = plan.rows(cursor) if plan.result_types is not None and not many else []
        return Outcome(rows, cursor.rowcount)
    except connection.dialect.loaded_dbapi.Error as exc:
        # Wrapped as Connection.execute would (IntegrityError, OperationalError …), the connection
        # invalidated when the error says it is dead (storage.db.retry_if_disconnected reads that). The
        # handler closes the cursor: the next statement makes a new one.
        connection.connection.info.pop(_CURSOR, None)
        connection._handle_dbapi_exception(exc, sql, parameters, cursor, None)
        raise  # not reached: the call above raises


def _run_pipelined(connection: Connection, plan: _Plan, parameters) -> Outcome:
    """PostgreSQL: the statement goes after what waits on the connection, in one round trip (the cursor
    events are fired there, for each)."""
    try:
        answer = deferred.run_after_waiting(connection, plan.sql, parameters)
    except connection.dialect.loaded_dbapi.Error as exc:
        connection._handle_dbapi_exception(exc, plan.sql, parameters, None, None)
        raise  # not reached: the call above raises
    rows = plan.rows(answer) if plan.result_types is not None else []
    return Outcome(rows, answer.rowcount)
