"""storage.deferred.read_ahead_apart (PostgreSQL): a read that writes (the API's rate-limit count) runs in a
small transaction of its own before the connection's transaction, in the same round trip as that
transaction's first statement. Its write stays whatever becomes of the transaction, holds no lock while the
transaction runs, and does not wait for the disk; the transaction itself still does."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Integer, String, bindparam, select, text

from storage import deferred
from storage.db import UTCDateTime
from storage.fast_sql import Prepared
from storage.models import Throttle
from tests.round_trips import server_waits

MOMENT = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
# As the API's token statement (engine.domain.auth): it relaxes its own transaction's commit.
COUNT = Prepared(
    text("WITH relaxed AS MATERIALIZED (SELECT set_config('synchronous_commit', 'off', true)) "
         'INSERT INTO throttle ("key", count, window_start) SELECT :key, 1, :now FROM relaxed ON CONFLICT ("key") '
         "DO UPDATE SET count = throttle.count + 1 RETURNING count, current_setting('synchronous_commit') AS setting")
    .bindparams(bindparam("now", type_=UTCDateTime)).columns(count=Integer, setting=String)
)


@pytest.fixture
def session(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite has no round trips to save")
    return session


def _count(session_factory, key: str) -> int | None:
    with session_factory() as other:
        return other.scalar(select(Throttle.count).where(Throttle.key == key))


def test_the_write_apart_stays_when_the_transaction_is_rolled_back(session, session_factory):
    with server_waits() as waits:
        ahead = COUNT.read_ahead_apart(session.connection(), {"key": "token:1", "now": MOMENT})
        assert waits[0] == 0  # nothing sent yet
        setting = session.scalar(text("SELECT current_setting(:name)"), {"name": "synchronous_commit"})
        assert waits[0] == 1  # the count, the BEGIN and the first read: one round trip
        assert ahead.outcome().rows == [(1, "off")]  # its own transaction does not wait for the disk
        assert waits[0] == 1
    assert setting == "on"  # the request's own transaction still does
    session.rollback()
    assert _count(session_factory, "token:1") == 1
    COUNT.read_ahead_apart(session.connection(), {"key": "token:1", "now": MOMENT}).outcome()
    session.commit()
    assert _count(session_factory, "token:1") == 2


def test_the_write_apart_holds_no_lock_while_the_transaction_runs(session, session_factory):
    ahead = COUNT.read_ahead_apart(session.connection(), {"key": "token:2", "now": MOMENT})
    session.scalar(text("SELECT 1 WHERE :a = :a"), {"a": 1})
    assert ahead.outcome().rows[0][0] == 1
    with session_factory() as other:  # a parallel request of the same token is not kept waiting
        other.execute(text("SET LOCAL lock_timeout = '200ms'"))
        other.execute(text("UPDATE throttle SET count = count + 1 WHERE key = 'token:2'"))
        other.commit()
    assert _count(session_factory, "token:2") == 2
    session.rollback()


def test_without_another_statement_the_answer_sends_it(session, session_factory):
    ahead = COUNT.read_ahead_apart(session.connection(), {"key": "token:3", "now": MOMENT})
    with server_waits() as waits:
        assert ahead.outcome().rows[0][0] == 1
    assert waits[0] == 1
    assert _count(session_factory, "token:3") == 1
    session.commit()  # the transaction's BEGIN went too; its commit is empty
    assert _count(session_factory, "token:3") == 1


def test_not_once_the_transaction_has_sent_something(session):
    connection = session.connection()
    connection.execute(text("SELECT 1 WHERE :a = :a"), {"a": 1})
    assert COUNT.read_ahead_apart(connection, {"key": "token:4", "now": MOMENT}) is None
    session.rollback()
    connection = session.connection()
    Prepared(select(Throttle.key)).read_ahead(connection, {})  # something waits besides the BEGIN
    assert deferred.read_ahead_apart(connection, "SELECT 1", None) is None
    session.rollback()


def test_a_failure_apart_stops_the_transaction_and_says_why(session, session_factory):
    from sqlalchemy.exc import DBAPIError

    ahead = COUNT.read_ahead_apart(session.connection(), {"key": "x" * 301, "now": MOMENT})  # 300 at most
    with pytest.raises(DBAPIError):
        session.scalar(text("SELECT 1 WHERE :a = :a"), {"a": 1})
    session.rollback()
    with pytest.raises(deferred.NotAnswered):
        ahead.outcome()
    assert _count(session_factory, "x" * 301) is None
    assert session.scalar(text("SELECT 2 WHERE :a = :a"), {"a": 1}) == 2  # the connection is usable again


def test_after_the_write_apart_the_transaction_keeps_its_isolation_level(db_engine, session_factory):
    """A plain BEGIN is chained to the write apart's COMMIT (one statement fewer); another level keeps its own
    BEGIN."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from storage.db import make_engine

    level = text("SELECT current_setting(:name)")
    with db_engine.connect() as connection:
        ahead = COUNT.read_ahead_apart(connection, {"key": "token:5", "now": MOMENT})
        assert connection.scalar(level, {"name": "transaction_isolation"}) == "read committed"
        assert connection.scalar(level, {"name": "synchronous_commit"}) == "on"  # not kept from the write apart
        assert ahead.outcome().rows == [(1, "off")]
        connection.rollback()
    strict = make_engine(db_engine.url.render_as_string(hide_password=False), isolation_level="REPEATABLE READ")
    try:
        with strict.connect() as connection:
            ahead = COUNT.read_ahead_apart(connection, {"key": "token:5", "now": MOMENT})
            assert connection.scalar(level, {"name": "transaction_isolation"}) == "repeatable read"
            assert ahead.outcome().rows[0][0] == 2
            connection.rollback()
    finally:
        strict.dispose()
    assert _count(session_factory, "token:5") == 2
