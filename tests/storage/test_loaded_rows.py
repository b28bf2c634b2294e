"""Objects made from a ``fast_sql`` read (storage.loaded_rows) are what the ORM's own query loads: the same
values, in the session as loaded (nothing to flush, the identity map's), related without SQL, and an object
the session holds already is kept with what it changed (issue 15: the ORM's set-up per query was ≈ 9 % of a
completion for the task's read, ≈ 5 % for a submission's)."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, inspect, select
from sqlalchemy.orm import joinedload

from engine import runtime
from storage import loaded_rows
from storage.models import HumanTask, Organization, ProcessInstance, RegistrationSubmission, User
from tests.factories import registered


def _columns(row) -> dict:
    return {prop.key: getattr(row, prop.key) for prop in inspect(type(row)).column_attrs
            if prop.key in inspect(row).dict}


@contextmanager
def _sent_statements(session) -> Iterator[list[str]]:
    """The statements sent to the session's database while the block runs."""
    sent: list[str] = []
    record = lambda _conn, _cursor, statement, *_rest: sent.append(statement)  # noqa: E731
    event.listen(session.get_bind(), "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", record)


@pytest.fixture
def open_task(deployed, tmp_path) -> int:
    registered(deployed, tmp_path)
    deployed.commit()
    task_id = deployed.scalars(select(HumanTask.id).where(HumanTask.state == "ready")).one()
    deployed.expunge_all()
    return task_id


def test_the_task_is_read_as_the_orm_loads_it(deployed, open_task):
    expected = deployed.scalars(select(HumanTask).where(HumanTask.id == open_task).options(
        joinedload(HumanTask.instance).undefer(ProcessInstance.state))).one()
    orm = (_columns(expected), _columns(expected.instance), _columns(expected.instance.definition))
    assert orm[1]["state"] and "bpmn_xml" not in orm[2]
    deployed.expunge_all()

    with _sent_statements(deployed) as sent:
        task = runtime.load_task(deployed, open_task)
        instance, definition = task.instance, task.instance.definition
        made = (_columns(task), _columns(instance), _columns(definition))
    assert len(sent) == 1, sent  # one statement; the relationships and the state need no other
    assert made == orm
    for row in (task, instance, definition):
        state = inspect(row)
        assert state.persistent and not state.modified and row in deployed
        assert deployed.identity_map.get(state.key) is row
    assert not deployed.dirty and not deployed.new
    # A column the read left out (the definition's BPMN) is loaded on use, as the ORM's deferral does.
    assert "<bpmn:definitions" in definition.bpmn_xml or "<definitions" in definition.bpmn_xml


def test_a_task_that_does_not_exist_is_none(deployed, open_task):
    assert runtime.load_task(deployed, open_task + 1000) is None


def test_objects_the_session_holds_keep_what_they_changed(deployed, open_task):
    held = deployed.get(ProcessInstance, deployed.get(HumanTask, open_task).instance_id)
    assert "state" not in inspect(held).dict  # deferred: not loaded by the get
    held.subject = "改过的标题"  # a change the request made and has not flushed
    deployed.autoflush = False  # as complete_task's domain code runs (no_autoflush)

    task = runtime.load_task(deployed, open_task)
    assert task.instance is held and held.subject == "改过的标题"
    assert inspect(held).attrs.subject.history.added == ["改过的标题"]
    assert held.state and "state" in inspect(held).dict  # the unloaded column filled in from the row


def test_pending_changes_are_flushed_first_when_the_session_autoflushes(deployed, open_task):
    task = deployed.get(HumanTask, open_task)
    task.title = "先写入的标题"
    deployed.expunge(task.instance)
    reread = runtime.load_task(deployed, open_task)
    assert reread is task and not deployed.dirty
    assert deployed.scalar(select(HumanTask.title).where(HumanTask.id == open_task)) == "先写入的标题"


def test_a_row_by_id_is_the_orm_get(deployed, open_task):
    submission_id = deployed.scalars(select(RegistrationSubmission.id)).one()
    expected = _columns(deployed.get(RegistrationSubmission, submission_id))
    deployed.expunge_all()

    with _sent_statements(deployed) as sent:
        made = loaded_rows.get(deployed, RegistrationSubmission, submission_id)
    assert len(sent) == 1 and _columns(made) == expected and not inspect(made).modified
    assert made.organization.id == expected["organization_id"]  # a lazy relationship loads on use
    with _sent_statements(deployed) as sent:
        assert loaded_rows.get(deployed, RegistrationSubmission, submission_id) is made
    assert sent == []  # held: the session's object, no statement
    assert loaded_rows.get(deployed, RegistrationSubmission, submission_id + 1000) is None


def test_a_class_with_an_eager_relationship_is_left_to_the_orm(deployed, open_task):
    user_id = deployed.scalars(select(User.id)).first()
    deployed.expunge_all()
    user = loaded_rows.get(deployed, User, user_id)
    # User loads its organisation with it (lazy="joined"): the ORM's get did, so it is there already.
    assert "organization" in inspect(user).dict and isinstance(user.organization, Organization)
