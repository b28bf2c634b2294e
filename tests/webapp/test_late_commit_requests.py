"""A request's COMMIT on PostgreSQL is read while its answer is being built (storage.late_commit): the
answer never leaves before the COMMIT is known, and a COMMIT the database refuses makes the answer an
error, with nothing of the request kept."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text

from storage import late_commit
from storage.models import HumanTask, Message
from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, api_token, open_task

REFUSE_AT_COMMIT = """
CREATE FUNCTION late_probe_refuse() RETURNS trigger LANGUAGE plpgsql AS
$$ BEGIN RAISE EXCEPTION 'refused at the commit'; END $$;
CREATE CONSTRAINT TRIGGER late_probe AFTER INSERT ON message DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION late_probe_refuse();
"""


@pytest.fixture
def postgresql(app):
    if app.extensions["duibiao.engine"].dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's COMMIT is a function call")


@pytest.fixture
def sent_late(monkeypatch):
    """The COMMITs a request sent late."""
    kept = []
    keep = late_commit.keep

    def counting_keep(late):
        kept.append(late)
        keep(late)

    monkeypatch.setattr(late_commit, "keep", counting_keep)
    return kept


def test_the_answer_leaves_once_its_commit_is_known(postgresql, app, client, office, applicant, session_factory,
                                                    sent_late):
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    task = open_task(session_factory, applicant.instance_id)
    response = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "return", "reason": "请补充资质"},
                           headers=headers)
    assert response.status_code == 200, response.get_json()
    assert sent_late and all(late.settle() is None for late in sent_late)
    with session_factory() as other:  # committed, as the answer said, the moment it arrived
        assert other.get(HumanTask, task.id).state == "completed"
    assert late_commit.wanted() is False  # the test's own code, after the request, commits at once


def test_a_commit_the_database_refuses_makes_the_answer_an_error(postgresql, app, client, office, applicant,
                                                                 session_factory):
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    task = open_task(session_factory, applicant.instance_id)
    with session_factory() as setup:
        messages_before = setup.scalars(select(Message.title)).all()
        setup.execute(text(REFUSE_AT_COMMIT))
        setup.commit()
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as deployed: the error page, not the test's traceback
    try:
        response = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "return", "reason": "请补充资质"},
                               headers=headers)
    finally:
        with session_factory() as cleanup:
            cleanup.execute(text("DROP TRIGGER late_probe ON message; DROP FUNCTION late_probe_refuse()"))
            cleanup.commit()
    assert response.status_code == 500
    with session_factory() as other:  # nothing of the completion was kept
        assert other.get(HumanTask, task.id).state == "ready"
        assert other.scalars(select(Message.title)).all() == messages_before
    retried = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "return", "reason": "请补充资质"},
                          headers=headers)
    assert retried.status_code == 200, retried.get_json()  # the connection serves the next request
