"""psycopg cursors whose ``description`` is built when it is read, not when it is asked for.

SQLAlchemy asks every cursor that returned rows for its ``description``, and psycopg builds a ``Column``
object per column each time (name decoded, type looked up). For a statement it has compiled before,
SQLAlchemy keeps the result's metadata and only tests whether a description came back, so those objects
were made for nothing: ≈ 3 % of a task completion on PostgreSQL (issue 15; the task's row has 46 columns).
Here the description is a sequence of the right length whose columns are made on first access, from the
result it describes (the cursor may have moved on to another result by then).
"""
from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import Column
from psycopg.pq import ExecStatus

_RETURNS_ROWS = (ExecStatus.TUPLES_OK, ExecStatus.SINGLE_TUPLE, ExecStatus.TUPLES_CHUNK)


class _ResultView:
    """What ``psycopg.Column`` reads of a cursor, kept as it was for one result."""

    __slots__ = ("pgresult", "_encoding", "adapters")

    def __init__(self, cursor: psycopg.Cursor):
        self.pgresult, self._encoding, self.adapters = cursor.pgresult, cursor._encoding, cursor.adapters


class LazyDescription(Sequence):
    """A result's columns (``psycopg.Column``), made on first access."""

    __slots__ = ("_view", "_count", "_columns")

    def __init__(self, cursor: psycopg.Cursor, count: int):
        self._view, self._count, self._columns = _ResultView(cursor), count, None

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, index):
        return self._made()[index]

    def __iter__(self):
        return iter(self._made())

    def _made(self) -> list[Column]:
        if self._columns is None:
            self._columns = [Column(self._view, index) for index in range(self._count)]
        return self._columns


class LazilyDescribedCursor(psycopg.Cursor):
    @property
    def description(self) -> LazyDescription | None:
        result = self.pgresult
        # As psycopg: columns when there are fields, or when the statement said it returned rows.
        if result is not None and (result.nfields or result.status in _RETURNS_ROWS):
            return LazyDescription(self, result.nfields)
        return None


def use_lazy_descriptions(dbapi_connection, _record=None) -> None:
    """A psycopg connection's ``connect`` event: its cursors describe their results lazily."""
    dbapi_connection.cursor_factory = LazilyDescribedCursor
