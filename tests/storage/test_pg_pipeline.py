"""storage.pg_pipeline: fast_sql's statements on libpq give what psycopg's cursor gives (values, types, row
counts, errors), in one round trip per exchange; statements run often are prepared through psycopg's own
register, so that psycopg's dropping them (a ROLLBACK, a DROP) never leaves a name the server forgot."""
from __future__ import annotations

import gc
import time
import weakref
from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select, text, update
from sqlalchemy.exc import IntegrityError

from storage import deferred, pg_pipeline
from storage.db import make_engine, make_session_factory
from storage.fast_sql import Prepared
from storage.models import Throttle
from tests.round_trips import server_waits
from tests.storage.test_deferred import Moved, _kept, _one_row

MOMENT = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
_TABLE = Throttle.__table__
ADD = Prepared(insert(_TABLE))
ROWS = Prepared(select(_TABLE.c.key, _TABLE.c.count, _TABLE.c.window_start, _TABLE.c.blocked_until)
                .where(_TABLE.c.key >= bindparam("from_key")).order_by(_TABLE.c.key))
BUMP = Prepared(update(_TABLE).where(_TABLE.c.key == bindparam("b_key")).values(count=bindparam("count")))


@pytest.fixture
def pg_session(session):
    if session.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: libpq's pipeline")
    return session


def _row(key: str, count: int = 1, blocked: datetime | None = None) -> dict:
    return {"key": key, "count": count, "window_start": MOMENT, "blocked_until": blocked}


def _prepared_names(session) -> set[str]:
    return set(session.scalars(text("SELECT name FROM pg_prepared_statements")))


def test_a_read_gives_what_the_orm_reads(pg_session):
    ADD.defer(pg_session.connection(), _row("a", 3))
    ADD.defer(pg_session.connection(), _row("b", 4, blocked=MOMENT))
    fast = ROWS.execute(pg_session.connection(), {"from_key": "a"})
    orm = pg_session.execute(select(Throttle.key, Throttle.count, Throttle.window_start, Throttle.blocked_until)
                             .order_by(Throttle.key)).all()
    assert fast.rows == [tuple(row) for row in orm] == [("a", 3, MOMENT, None), ("b", 4, MOMENT, MOMENT)]
    assert fast.rowcount == 2
    assert isinstance(fast.rows[0][2], datetime) and fast.rows[0][2].tzinfo is not None
    assert BUMP.execute(pg_session.connection(), {"b_key": "a", "count": 9}).rowcount == 1
    assert BUMP.execute(pg_session.connection(), {"b_key": "nobody", "count": 9}).rowcount == 0


def test_what_waits_and_the_statement_take_one_round_trip(pg_session):
    pg_session.connection()
    with server_waits() as waits:
        for key in ("a", "b", "c"):
            ADD.defer(pg_session.connection(), _row(key))
        assert waits[0] == 0
        assert [row[0] for row in ROWS.execute(pg_session.connection(), {"from_key": "b"}).rows] == ["b", "c"]
        assert waits[0] == 1
        pg_session.commit()
        assert waits[0] == 2  # the COMMIT, alone


def test_statements_run_often_are_prepared_and_survive_psycopgs_rollback(pg_session, session_factory):
    for round_ in range(8):
        assert ROWS.execute(pg_session.connection(), {"from_key": f"k{round_}"}).rows == []
    register = pg_session.connection().connection.dbapi_connection._prepared
    assert {name.decode() for name in register._names.values()} <= _prepared_names(pg_session)
    assert any(name.startswith("_pg3_") for name in _prepared_names(pg_session))
    pg_session.rollback()  # psycopg forgets its prepared statements and the server's (DEALLOCATE ALL)
    for round_ in range(8):  # prepared again, under new names: none the server no longer knows
        ADD.defer(pg_session.connection(), _row(f"after{round_}"))
        assert len(ROWS.execute(pg_session.connection(), {"from_key": "after"}).rows) == round_ + 1
    pg_session.commit()
    with session_factory() as other:
        assert len(other.scalars(select(Throttle.key)).all()) == 8


def test_a_failed_statement_raises_psycopgs_error_and_nothing_after_it_runs(pg_session, session_factory):
    ADD.defer(pg_session.connection(), _row("twice"))
    ADD.defer(pg_session.connection(), _row("twice"))  # the key is the table's primary key
    ADD.defer(pg_session.connection(), _row("after"))
    with pytest.raises(IntegrityError) as raised:
        ROWS.execute(pg_session.connection(), {"from_key": ""})
    assert type(raised.value.orig).__name__ == "UniqueViolation"
    assert not pg_session.connection().connection.dbapi_connection.pgconn.pipeline_status  # out of the pipeline
    pg_session.rollback()
    ADD.defer(pg_session.connection(), _row("clean"))  # the connection serves the next transaction
    pg_session.commit()
    with session_factory() as other:
        assert other.scalars(select(Throttle.key)).all() == ["clean"]


def test_an_answer_reads_as_a_cursor_would(pg_session):
    connection = pg_session.connection()
    dbapi_connection = connection.connection.dbapi_connection
    answers, failure = pg_pipeline.exchange(dbapi_connection, [
        ("SELECT %(n)s::int AS n, %(s)s::text AS s", {"n": 7, "s": "对标"}),
        ("SELECT 1 / %(zero)s::int", {"zero": 0}),
        ("SELECT 2", None),
    ])
    assert answers[0].fetchall() == [(7, "对标")] and answers[0].description == [("n",), ("s",)]
    assert answers[1].pgresult is None and answers[2].pgresult is None  # not run: the one before failed
    assert type(failure).__name__ == "DivisionByZero"
    pg_session.rollback()


# --- statements sent ahead (storage.deferred.send_ahead) ----------------------------------------------

def _server_has_written(session_factory, pid: int) -> bool:
    """Whether the backend's transaction has written (it holds a transaction id), as another session sees."""
    for _ in range(200):  # the server runs what was sent ahead on its own time
        with session_factory() as other:
            if other.scalar(text("SELECT backend_xid IS NOT NULL FROM pg_stat_activity WHERE pid = :pid"),
                            {"pid": pid}):
                return True
        time.sleep(0.01)
    return False


def test_what_is_sent_ahead_runs_before_the_next_statement_and_costs_no_wait(pg_session, session_factory):
    # In the transaction (a read gives it no transaction id): the pool may give the next one another connection.
    pid = pg_session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
    with server_waits() as waits:
        ADD.defer(pg_session.connection(), _row("ahead"))
        deferred.send_ahead(pg_session.connection())
        assert waits[0] == 0
        assert _server_has_written(session_factory, pid)  # the INSERT ran while this side waited for nothing
        waits[0] = 0  # (the other session's own)
        assert ROWS.execute(pg_session.connection(), {"from_key": ""}).rows[0][0] == "ahead"
        assert waits[0] == 1  # the read, with the INSERT's answer
    pg_session.commit()
    assert _kept(session_factory) == ["ahead"]


def test_sqlalchemys_own_statement_goes_with_statements_sent_ahead(pg_session, session_factory):
    ADD.defer(pg_session.connection(), _row("ahead"))
    deferred.send_ahead(pg_session.connection())
    with server_waits() as waits:  # the ORM's query, read by psycopg's cursor: one round trip with the INSERT
        assert pg_session.execute(select(Throttle.key, Throttle.count).where(Throttle.count >= 1)).all() \
            == [("ahead", 1)]
        assert waits[0] == 1
    assert pg_session.get(Throttle, "ahead").window_start == MOMENT  # the ORM's objects, as loaded
    BUMP.defer(pg_session.connection(), {"b_key": "ahead", "count": 5}, check=_one_row)
    deferred.send_ahead(pg_session.connection())
    pg_session.commit()
    with session_factory() as other:
        assert other.scalars(select(Throttle.count)).all() == [5]


def test_a_failure_sent_ahead_is_raised_by_the_next_statement_and_undone(pg_session, session_factory):
    ADD.defer(pg_session.connection(), _row("twice"))
    ADD.defer(pg_session.connection(), _row("twice"))
    deferred.send_ahead(pg_session.connection())
    with pytest.raises(IntegrityError):
        ROWS.execute(pg_session.connection(), {"from_key": ""})
    pg_session.rollback()
    ADD.defer(pg_session.connection(), _row("clean"))
    pg_session.commit()
    assert _kept(session_factory) == ["clean"]


def test_a_rollback_undoes_what_was_sent_ahead(pg_session, session_factory):
    ADD.defer(pg_session.connection(), _row("ahead"))
    deferred.send_ahead(pg_session.connection())
    pg_session.rollback()
    assert not pg_session.connection().connection.dbapi_connection.pgconn.pipeline_status
    assert _kept(session_factory) == []


def test_a_check_sent_ahead_stops_the_commit(pg_session, session_factory):
    ADD.defer(pg_session.connection(), _row("kept"))
    pg_session.commit()
    BUMP.defer(pg_session.connection(), {"b_key": "nobody", "count": 5}, check=_one_row)
    ADD.defer(pg_session.connection(), _row("not kept"))
    deferred.send_ahead(pg_session.connection())
    with pytest.raises(Moved):
        pg_session.commit()
    pg_session.rollback()
    assert _kept(session_factory) == ["kept"]


def test_a_connection_the_pool_drops_is_not_kept_alive(db_engine):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: libpq's pipeline")
    engine = make_engine(db_engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
    with make_session_factory(engine)() as session:
        assert ROWS.execute(session.connection(), {"from_key": "none"}).rows == []
        dropped = weakref.ref(session.connection().connection.dbapi_connection)
    engine.dispose()
    gc.collect()
    assert dropped() is None
