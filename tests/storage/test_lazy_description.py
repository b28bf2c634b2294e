"""storage.lazy_description: the platform's psycopg cursors describe a result as psycopg would, only later."""
from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from storage.lazy_description import LazilyDescribedCursor, LazyDescription


@pytest.fixture
def raw_connection(db_engine):
    if db_engine.dialect.driver != "psycopg":
        pytest.skip("PostgreSQL only: psycopg's cursors")
    with db_engine.connect() as connection:
        yield connection.connection.dbapi_connection


def test_the_description_is_psycopgs_made_on_first_access(raw_connection):
    cursor = raw_connection.cursor()
    assert isinstance(cursor, LazilyDescribedCursor)
    cursor.execute("SELECT 1 AS one, 'x'::text AS two, now() AS three WHERE %s", (True,))
    lazy = cursor.description
    plain = psycopg.Cursor.description.fget(cursor)
    assert isinstance(lazy, LazyDescription) and len(lazy) == 3
    assert [tuple(column) for column in lazy] == [tuple(column) for column in plain]
    assert [column.name for column in lazy] == ["one", "two", "three"]
    assert lazy[1][0] == "two" and lazy[-1].type_display == "timestamptz"


def test_it_describes_its_result_after_the_cursor_moved_on(raw_connection):
    cursor = raw_connection.cursor()
    cursor.execute("SELECT 1 AS first_result")
    lazy = cursor.description
    cursor.execute("SELECT 'a' AS second, 'b' AS result")
    assert [column.name for column in lazy] == ["first_result"]
    assert [column.name for column in cursor.description] == ["second", "result"]


def test_no_description_without_rows_and_an_empty_one_for_no_columns(raw_connection):
    cursor = raw_connection.cursor()
    cursor.execute("CREATE TEMPORARY TABLE scratch (id int)")
    assert cursor.description is None
    cursor.execute("SELECT")
    assert cursor.description is not None and len(cursor.description) == 0
    cursor.execute("SELECT id FROM scratch")  # no rows, still described
    assert [column.name for column in cursor.description] == ["id"]


def test_sqlalchemy_results_keep_their_columns(db_engine):
    with db_engine.connect() as connection:
        result = connection.execute(text("SELECT 1 AS one, 2 AS two"))
        assert list(result.keys()) == ["one", "two"]
        assert result.mappings().one() == {"one": 1, "two": 2}
