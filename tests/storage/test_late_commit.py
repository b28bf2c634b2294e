"""storage.late_commit: inside a context that allows it, a PostgreSQL COMMIT is sent without waiting and its
outcome read later — by ``settle``, or by whoever uses the connection first (the pool may hand it on) —
and a failed COMMIT is reported to the context that sent it, never to the next user."""
from __future__ import annotations

import select as select_module
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from storage import late_commit, pg_pipeline
from storage.db import make_engine, make_session_factory
from storage.fast_sql import Prepared
from storage.models import Throttle

MOMENT = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
ADD = Prepared(Throttle.__table__.insert())


@pytest.fixture
def one_connection(db_engine):
    """An engine whose pool holds one connection: the next session gets the connection just committed."""
    if db_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's COMMIT is a function call")
    engine = make_engine(db_engine.url.render_as_string(hide_password=False), pool_size=1, max_overflow=0)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def late():
    token = late_commit.begin()
    yield
    late_commit.end(token)


def _row(key: str) -> dict:
    return {"key": key, "count": 1, "window_start": MOMENT, "blocked_until": None}


def _keys(session_factory) -> list[str]:
    with session_factory() as other:
        return other.scalars(select(Throttle.key).order_by(Throttle.key)).all()


def test_the_commit_is_read_by_settle(one_connection, late, session_factory):
    with one_connection() as session:
        ADD.defer(session.connection(), _row("late"))
        dbapi_connection = session.connection().connection.dbapi_connection
        session.commit()
        assert pg_pipeline.late_pending(dbapi_connection)  # sent, its outcome not read
    assert late_commit.settle() is None
    assert not pg_pipeline.late_pending(dbapi_connection)
    assert _keys(session_factory) == ["late"]


def test_the_next_user_of_the_connection_reads_it_first(one_connection, late):
    with one_connection() as session:
        ADD.defer(session.connection(), _row("first"))
        committed_on = session.connection().connection.dbapi_connection
        session.commit()
    assert select_module.select([committed_on.fileno()], [], [], 5)[0]  # the answer waits on the socket
    with one_connection() as session:  # the same connection, its COMMIT's answer still unread
        # Kept by the pool's checkout, which takes an idle connection with something to read for one the
        # server closed.
        assert session.connection().connection.dbapi_connection is committed_on
        assert session.scalars(select(Throttle.key)).all() == ["first"]
        ADD.defer(session.connection(), _row("second"))
        session.commit()
    assert late_commit.settle() is None
    assert _keys(one_connection) == ["first", "second"]


def test_a_failed_commit_is_told_to_its_sender_not_to_the_next_user(one_connection, late, session_factory):
    with session_factory() as setup:
        setup.execute(text("CREATE TABLE late_probe (k int, CONSTRAINT late_probe_k UNIQUE (k) "
                           "DEFERRABLE INITIALLY DEFERRED)"))
        setup.commit()
    try:
        with one_connection() as session:
            session.execute(text("INSERT INTO late_probe VALUES (1), (1)"))  # refused only at the COMMIT
            session.commit()  # sent: nothing is known yet
        with one_connection() as session:  # the next user reads the failed COMMIT's answer, unharmed
            assert session.scalar(text("SELECT count(*) FROM late_probe")) == 0
        failure = late_commit.settle()
        assert type(failure).__name__ == "UniqueViolation"
    finally:
        with session_factory() as cleanup:
            cleanup.execute(text("DROP TABLE late_probe"))
            cleanup.commit()


def test_outside_such_a_context_the_commit_is_waited_for(one_connection):
    with one_connection() as session:
        ADD.defer(session.connection(), _row("now"))
        dbapi_connection = session.connection().connection.dbapi_connection
        session.commit()
        assert not pg_pipeline.late_pending(dbapi_connection)
    assert late_commit.settle() is None  # nothing was kept to settle


def test_a_transaction_begun_after_it_waits_for_it(one_connection, late, db_engine):
    """Read your writes: the request's next transaction, on any connection, begins once the COMMIT is done."""
    with one_connection() as session:
        ADD.defer(session.connection(), _row("mine"))
        committed_on = session.connection().connection.dbapi_connection
        session.commit()
    other_engine = make_engine(db_engine.url.render_as_string(hide_password=False), pool_size=1)
    try:
        with make_session_factory(other_engine)() as other:  # another pool: another connection
            assert other.connection().connection.dbapi_connection is not committed_on
            assert not pg_pipeline.late_pending(committed_on)
            assert other.scalars(select(Throttle.key)).all() == ["mine"]
    finally:
        other_engine.dispose()
    assert late_commit.settle() is None
