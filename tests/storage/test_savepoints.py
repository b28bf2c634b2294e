"""storage.db.savepoints_kept_open: on PostgreSQL a savepoint whose work is kept is not released (no RELEASE
is sent; the COMMIT releases it), and rolling back a later one, or an outer one, still undoes exactly its
work. SQLite releases every savepoint: a RELEASE costs it no round trip, and an open savepoint makes every
later write copy its pages to a statement journal first."""
from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event, select

from storage.db import savepoints_kept_open
from storage.models import Throttle


class Failed(Exception):
    pass


def _notice(session, title: str) -> None:
    session.add(Throttle(key=title, count=1))
    session.flush()


def _kept(session) -> list[str]:
    return session.scalars(select(Throttle.key).order_by(Throttle.key)).all()


def _keeps_open(session) -> bool:
    return session.get_bind().dialect.name != "sqlite"


@pytest.fixture
def sent(session):
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper())

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


def test_kept_savepoints_keep_their_work_and_a_later_failure_undoes_only_its_own(session, sent):
    with savepoints_kept_open(), session.begin_nested():
        _notice(session, "first service")
    with pytest.raises(Failed), savepoints_kept_open(), session.begin_nested():
        _notice(session, "failing service")
        raise Failed
    with savepoints_kept_open(), session.begin_nested():
        _notice(session, "third service")
    session.commit()
    assert _kept(session) == ["first service", "third service"]
    assert sent.count("SAVEPOINT") == 3 and "ROLLBACK" in sent
    # PostgreSQL: none released (each RELEASE would be a round trip); SQLite: the two that were kept.
    assert sent.count("RELEASE") == (0 if _keeps_open(session) else 2)


def test_an_outer_rollback_undoes_the_kept_savepoints_inside_it(session, sent):
    _notice(session, "before")
    with pytest.raises(Failed), session.begin_nested():
        with savepoints_kept_open(), session.begin_nested():
            _notice(session, "inside, kept")
        raise Failed
    session.commit()
    assert _kept(session) == ["before"]
    # Outside the context a savepoint is released as usual.
    with session.begin_nested():
        _notice(session, "released")
    assert sent.count("RELEASE") == (1 if _keeps_open(session) else 2)
    session.commit()


def test_sqlite_leaves_no_kept_savepoint_open(session):
    if _keeps_open(session):
        pytest.skip("SQLite only: PostgreSQL keeps them open until the COMMIT")
    names: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("SAVEPOINT "):
            names.append(statement.split()[1])

    event.listen(session.get_bind(), "before_cursor_execute", record)
    try:
        with savepoints_kept_open(), session.begin_nested():
            _notice(session, "service")
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", record)
    (name,) = names
    driver = session.connection().connection.dbapi_connection
    with pytest.raises(sqlite3.OperationalError, match="no such savepoint"):
        driver.execute(f"RELEASE {name}")  # released already: later writes journal no pages for it
    session.commit()
    assert _kept(session) == ["service"]
