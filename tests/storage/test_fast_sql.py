"""storage.fast_sql: a hot statement run on the driver's cursor answers what Connection.execute answers —
the same conversions in and out, the same events, the same exceptions — on both databases."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Boolean, bindparam, event, insert, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from storage.db import UTCDateTime
from storage.fast_sql import Prepared
from storage.models import Message, Organization, Throttle
from tests.factories import active_member

MESSAGES = Message.__table__
MOMENT = datetime(2026, 12, 7, 1, 30, 15, 250, tzinfo=UTC)
INSERT = Prepared(insert(MESSAGES).returning(MESSAGES.c.id))
BY_ID = Prepared(select(MESSAGES.c.id, MESSAGES.c.title, MESSAGES.c.created_at, MESSAGES.c.read_at,
                        MESSAGES.c.words).where(MESSAGES.c.id == bindparam("message_id")))


@pytest.fixture
def organization_id(session):
    user = active_member(session, "fast@test.cn", "office", "专项办")
    session.commit()
    return user.organization_id


def _message(organization_id, **values) -> dict:
    return {"organization_id": organization_id, "user_id": None, "title": "新任务", "body": "请办理",
            "link": None, "created_at": MOMENT, "words": {"title": ["新任务", {}]}, **values}


def test_rows_written_and_read_are_those_of_sqlalchemy(session, organization_id):
    connection = session.connection()
    message_id = INSERT.execute(connection, _message(organization_id)).scalar_one()
    expected = connection.execute(BY_ID.statement, {"message_id": message_id}).one()
    got = BY_ID.execute(connection, {"message_id": message_id}).first()
    assert got == tuple(expected)
    assert got[2] == MOMENT and got[2].tzinfo is not None  # UTCDateTime in and out, aware
    assert got[3] is None and got[4] == {"title": ["新任务", {}]}  # JSON parsed
    assert BY_ID.execute(connection, {"message_id": message_id + 99}).first() is None
    session.commit()
    stored = session.get(Message, message_id)
    assert (stored.title, stored.created_at, stored.words) == ("新任务", MOMENT, {"title": ["新任务", {}]})


def test_a_textual_select_converts_the_columns_it_types_by_name(session, organization_id):
    connection = session.connection()
    message_id = INSERT.execute(connection, _message(organization_id)).scalar_one()
    typed = Prepared(text("SELECT id, created_at, organization_id > 0 AS known FROM message WHERE id = :id")
                     .bindparams(bindparam("id")).columns(created_at=UTCDateTime, known=Boolean))
    assert typed.execute(connection, {"id": message_id}).first() == (message_id, MOMENT, True)


def test_updates_count_their_rows_and_keep_the_statements_fixed_values(session, organization_id):
    connection = session.connection()
    message_id = INSERT.execute(connection, _message(organization_id)).scalar_one()
    mark_read = Prepared(update(MESSAGES).where(MESSAGES.c.id == bindparam("message_id"), MESSAGES.c.read_at.is_(None),
                                                MESSAGES.c.title == "新任务")
                         .values(read_at=bindparam("now"), link="/tasks"))
    later = MOMENT + timedelta(hours=1)
    assert mark_read.execute(connection, {"message_id": message_id, "now": later}).rowcount == 1
    assert mark_read.execute(connection, {"message_id": message_id, "now": later}).rowcount == 0  # read already
    session.commit()
    stored = session.get(Message, message_id)
    assert (stored.read_at, stored.link) == (later, "/tasks")


def test_many_rows_in_one_call(session, organization_id):
    many = Prepared(insert(MESSAGES))
    many.defer_many(session.connection(), [_message(organization_id, title=f"第{i}条") for i in range(3)])
    session.commit()
    assert session.scalars(select(Message.title).order_by(Message.id)).all() == ["第0条", "第1条", "第2条"]


def test_a_connection_not_yet_begun_begins_as_with_connection_execute(db_engine, organization_id, session):
    with db_engine.connect() as connection:
        message_id = INSERT.execute(connection, _message(organization_id)).scalar_one()
        assert connection.in_transaction()
        connection.commit()
    assert session.scalars(select(Message.id)).all() == [message_id]


def test_cursor_events_see_the_statement(session, organization_id, db_engine):
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement.split()[0])

    connection = session.connection()  # begun (SQLite's BEGIN IMMEDIATE is a statement of its own)
    event.listen(db_engine, "before_cursor_execute", record)
    try:
        INSERT.execute(connection, _message(organization_id))
    finally:
        event.remove(db_engine, "before_cursor_execute", record)
    assert seen == ["INSERT"]


def test_driver_errors_are_sqlalchemys_and_nothing_is_written(session, organization_id):
    with pytest.raises(IntegrityError):
        INSERT.execute(session.connection(), _message(organization_id + 1000))  # no such organisation
    session.rollback()
    assert session.scalar(select(Message.id)) is None
    # The failed statement's cursor was closed by SQLAlchemy's handler: the next one runs on a new cursor.
    message_id = INSERT.execute(session.connection(), _message(organization_id)).scalar_one()
    session.commit()
    assert session.scalars(select(Message.id)).all() == [message_id]


def test_statements_it_cannot_run_faithfully_are_refused(session, organization_id):
    connection = session.connection()
    with pytest.raises(ValueError, match="defaults"):  # created_at's Python default would be skipped
        Prepared(insert(Throttle.__table__)).execute(connection, {"key": "k"})
    with pytest.raises(ValueError, match="expanding"):
        Prepared(select(MESSAGES.c.id).where(MESSAGES.c.id.in_([1, 2]))).execute(connection, {})
    with pytest.raises(ValueError, match="no value"):
        BY_ID.execute(connection, {})
    assert session.scalar(select(Organization.id)) == organization_id


def test_a_connection_the_server_ended_is_invalidated(session, db_engine, organization_id):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    connection = session.connection()
    pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
    with db_engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    with pytest.raises(DBAPIError) as failure:
        INSERT.execute(connection, _message(organization_id))
    assert failure.value.connection_invalidated  # storage.db.retry_if_disconnected reads this
    session.rollback()
