"""storage.deferred: a deferred write (or read) goes with the transaction's next statement in one round trip
on PostgreSQL, in order, and is undone by a rollback; on SQLite it runs at once. Its check decides whether the
transaction may commit."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select, text, update

from storage import deferred
from storage.fast_sql import Prepared
from storage.models import Throttle
from tests.round_trips import server_waits

MOMENT = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
ADD = Prepared(insert(Throttle.__table__))
BUMP = Prepared(update(Throttle.__table__).where(Throttle.__table__.c.key == bindparam("b_key"))
                .values(count=bindparam("count")))
KEYS = Prepared(select(Throttle.__table__.c.key).order_by(Throttle.__table__.c.key))


class Moved(Exception):
    pass


def _one_row(rowcount: int) -> None:
    if rowcount != 1:
        raise Moved(rowcount)


def _kept(session_factory) -> list[str]:
    with session_factory() as other:
        return other.scalars(select(Throttle.key).order_by(Throttle.key)).all()


def _row(key: str) -> dict:
    return {"key": key, "count": 1, "window_start": MOMENT, "blocked_until": None}


def test_deferred_writes_are_seen_by_the_next_statement_and_kept_by_the_commit(session, session_factory):
    connection = session.connection()
    ADD.defer(connection, _row("first"))
    ADD.defer_many(connection, [_row("second"), _row("third")])
    assert session.scalars(select(Throttle.key).order_by(Throttle.key)).all() == ["first", "second", "third"]
    ADD.defer(connection, _row("fourth"))  # nothing after it: the COMMIT carries it
    session.commit()
    assert _kept(session_factory) == ["first", "fourth", "second", "third"]


def test_a_rollback_drops_what_waits_and_what_was_sent(session, session_factory):
    connection = session.connection()
    ADD.defer(connection, _row("sent"))
    assert KEYS.execute(connection, {}).rows == [("sent",)]
    ADD.defer(connection, _row("waiting"))
    session.rollback()
    assert _kept(session_factory) == []
    ADD.defer(session.connection(), _row("after"))  # the connection is clean for the next transaction
    session.commit()
    assert _kept(session_factory) == ["after"]


def _postgresql_only(session) -> None:
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite defers nothing")


def test_a_failed_check_stops_the_commit(session, session_factory):
    ADD.defer(session.connection(), _row("kept"))
    session.commit()
    connection = session.connection()
    with pytest.raises(Moved):  # SQLite: at once; PostgreSQL: when checked
        BUMP.defer(connection, {"b_key": "kept", "count": 2}, check=_one_row)
        BUMP.defer(connection, {"b_key": "nobody", "count": 2}, check=_one_row)
        ADD.defer(connection, _row("new"))
        deferred.check(connection)
    session.rollback()
    assert _kept(session_factory) == ["kept"]
    with session_factory() as other:
        assert other.get(Throttle, "kept").count == 1


def test_a_check_never_run_still_stops_the_commit(session, session_factory):
    _postgresql_only(session)
    BUMP.defer(session.connection(), {"b_key": "nobody", "count": 2}, check=_one_row)
    ADD.defer(session.connection(), _row("new"))
    with pytest.raises(Moved):
        session.commit()
    session.rollback()
    assert _kept(session_factory) == []


def test_a_check_is_not_met_by_the_statement_that_carried_its_write(session):
    """The code that issued the next statement (a service task, say) must not get another write's failure:
    the check waits for deferred.check."""
    _postgresql_only(session)
    connection = session.connection()
    BUMP.defer(connection, {"b_key": "nobody", "count": 2}, check=_one_row)
    assert KEYS.execute(connection, {}).rows == []  # carried the UPDATE; no exception here
    with pytest.raises(Moved):
        deferred.check(connection)


def test_a_savepoint_rolled_back_undoes_only_what_came_after_it(session, session_factory):
    connection = session.connection()
    ADD.defer(connection, _row("before"))
    with pytest.raises(Moved), session.begin_nested():
        ADD.defer(session.connection(), _row("inside"))
        raise Moved
    ADD.defer(connection, _row("after"))
    session.commit()
    assert _kept(session_factory) == ["after", "before"]


def test_a_read_ahead_answers_after_the_writes_before_it(session):
    connection = session.connection()
    ADD.defer(connection, _row("written"))
    ahead = KEYS.read_ahead(connection, {})
    ADD.defer(connection, _row("later"))
    assert ahead.outcome().rows == [("written",)]  # sent now, with the write before it, not the one after
    assert ahead.outcome().rows == [("written",)]
    assert session.scalars(select(Throttle.key).order_by(Throttle.key)).all() == ["later", "written"]


def test_statements_that_cannot_go_in_a_pipeline_run_after_what_waits(session):
    _postgresql_only(session)  # several commands in one string: PostgreSQL's simple query protocol
    connection = session.connection()
    ADD.defer(connection, _row("one"))
    assert connection.exec_driver_sql("SELECT 1; SELECT count(*) FROM throttle").scalar() == 1
    ADD.defer(connection, _row("two"))
    streamed = connection.execution_options(yield_per=1).execute(select(Throttle.key).order_by(Throttle.key))
    assert streamed.scalars().all() == ["one", "two"]


def test_an_autocommit_connection_keeps_its_writes(db_engine, session_factory):
    """The durable writes' way on PostgreSQL (webapp.db.durable): no BEGIN of ours, each statement committed
    at once."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's durable writes take another way")
    with db_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(insert(Throttle.__table__), _row("durable"))
    assert _kept(session_factory) == ["durable"]
    with db_engine.connect() as connection:  # the same pooled connection, in transactions again
        connection.execute(insert(Throttle.__table__), _row("transactional"))
        connection.rollback()
    assert _kept(session_factory) == ["durable"]


def test_on_postgresql_what_waits_reaches_the_server_with_the_next_statement(session, session_factory):
    _postgresql_only(session)
    connection = session.connection()
    pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    session.commit()

    def seen_by_the_server():
        with session_factory() as other:
            return other.execute(text("SELECT state, backend_xid IS NOT NULL FROM pg_stat_activity "
                                      "WHERE pid = :pid"), {"pid": pid}).one()

    with server_waits() as waits:
        ADD.defer(session.connection(), _row("waiting"))
        assert waits[0] == 0
        assert tuple(seen_by_the_server()) == ("idle", False)  # not even the BEGIN was sent
        waits[0] = 0
        assert KEYS.execute(session.connection(), {}).rows == [("waiting",)]
        assert waits[0] == 1  # BEGIN, the INSERT and the SELECT: one round trip
        waits[0] = 0
        ADD.defer(session.connection(), _row("with the commit"))
        session.commit()
        assert waits[0] == 1
    assert _kept(session_factory) == ["waiting", "with the commit"]


def test_the_begin_we_send_keeps_the_isolation_level_asked_for(db_engine):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite defers nothing")
    from storage.db import make_engine

    strict = make_engine(db_engine.url.render_as_string(hide_password=False), isolation_level="REPEATABLE READ")
    try:
        with strict.connect() as connection:
            assert connection.scalar(text("SELECT current_setting('transaction_isolation')")) == "repeatable read"
        with strict.connect() as connection:
            level = connection.execution_options(isolation_level="SERIALIZABLE")
            assert level.scalar(text("SELECT current_setting('transaction_isolation')")) == "serializable"
        with db_engine.connect() as connection:
            assert connection.scalar(text("SELECT current_setting('transaction_isolation')")) == "read committed"
    finally:
        strict.dispose()
