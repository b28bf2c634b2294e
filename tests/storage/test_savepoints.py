"""storage.db.savepoints_kept_open: a savepoint whose work is kept is not released (no RELEASE is sent;
the COMMIT releases it), and rolling back a later one, or an outer one, still undoes exactly its work."""
from __future__ import annotations

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
    assert "RELEASE" not in sent and sent.count("SAVEPOINT") == 3 and "ROLLBACK" in sent


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
    assert sent.count("RELEASE") == 1
    session.commit()
