"""The API's rate-limit count is a durable write (webapp.db.durable): it stays whatever becomes of the
request's own transaction — a read that never commits, a refused body that is rolled back, a completion
that commits — on SQLite (inside the request's transaction, written again when that does not commit) and
on PostgreSQL (autocommit on a second connection)."""
from __future__ import annotations

from sqlalchemy import select

from engine.domain.rate_limits import TOKEN_KEY_PREFIX
from storage.models import ApiToken, Throttle
from tests.round_trips import server_waits
from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, api_token, open_task


def test_reads_refusals_and_rollbacks_all_count(app, client, office, session_factory):
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    app.config["API_RATE_LIMIT"] = 3
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200  # a read: nothing committed
    refused = client.post("/api/v1/tasks/999999", json=["not", "an", "object"], headers=headers)
    assert refused.status_code in (404, 422)  # rolled back
    broken = client.post("/api/v1/tasks/999999", data="{", headers={**headers, "Content-Type": "application/json"})
    assert broken.status_code in (404, 422)
    blocked = client.get("/api/v1/tasks", headers=headers)
    assert blocked.status_code == 429 and int(blocked.headers["Retry-After"]) >= 1
    with session_factory() as session:  # the token's first use was written too (once a minute)
        assert session.scalar(select(ApiToken.last_used_at)) is not None


def test_postgresql_durable_writes_do_not_wait_for_the_disk(app, client, office):
    """A count lost to a power failure costs nothing: the durable writes' connections commit with
    synchronous_commit off, while the request's own transaction keeps waiting for its WAL flush."""
    engine = app.extensions["duibiao.engine"]
    if engine.dialect.name == "sqlite":
        assert "duibiao.durable_engine" not in app.extensions  # SQLite counts in the request's transaction
        return
    client.get("/api/v1/tasks", headers=api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD))
    with app.extensions["duibiao.durable_engine"].connect() as connection:
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "on"


def test_postgresql_checks_the_token_with_the_task_in_one_round_trip(app, client, office, applicant,
                                                                     session_factory):
    """On PostgreSQL the token's statement (its count committed apart) goes with the task view's first read
    on the request's own connection: a completion waits for the server four times in all, the durable
    writes' pool included (issue 15; it was five)."""
    if app.extensions["duibiao.engine"].dialect.name == "sqlite":
        return  # no round trips; the count is in the request's transaction (the test above)
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200  # the token's first use is written
    task = open_task(session_factory, applicant.instance_id)
    app.config["OUTBOX_SYNC"] = False  # as deployed: the worker sends the e-mail after the request
    with server_waits() as waits:
        response = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "return", "reason": "请补充资质"},
                               headers=headers)
    assert response.status_code == 200, response.get_json()
    assert waits[0] == 4
    with session_factory() as session:
        assert session.scalar(select(Throttle.count).where(Throttle.key.startswith(TOKEN_KEY_PREFIX))) == 2


def test_a_refused_caller_never_gets_the_task_read_with_its_token(app, client, office, applicant,
                                                                  session_factory):
    task = open_task(session_factory, applicant.instance_id)
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    forged = client.get(f"/api/v1/tasks/{task.id}", headers={"Authorization": "Bearer forged"})
    assert forged.status_code == 401 and forged.headers["WWW-Authenticate"] == "Bearer"
    assert set(forged.get_json()) == {"error"}
    app.config["API_RATE_LIMIT"] = 1
    assert client.get(f"/api/v1/tasks/{task.id}", headers=headers).get_json()["task"]["id"] == task.id
    for attempt in (client.get, client.post):
        blocked = attempt(f"/api/v1/tasks/{task.id}", headers=headers)
        assert blocked.status_code == 429 and set(blocked.get_json()) == {"error"}
    with session_factory() as session:
        assert session.scalar(select(Throttle.count).where(Throttle.key.startswith(TOKEN_KEY_PREFIX))) == 3
    assert open_task(session_factory, applicant.instance_id).id == task.id  # the POST changed nothing


def test_postgresql_counts_on_the_durable_pool_once_the_request_has_read(app, client, office, session_factory):
    """The caller's statement goes before the request's BEGIN only while that transaction has sent nothing;
    after a read it goes through the durable writes' pool, and is counted just the same."""
    if app.extensions["duibiao.engine"].dialect.name == "sqlite":
        return
    from sqlalchemy import event, text

    from webapp import api, db

    raw = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)["Authorization"].removeprefix("Bearer ")
    durable_statements: list[str] = []
    durable_engine = app.extensions["duibiao.durable_engine"]
    record = lambda *args: durable_statements.append(args[2])  # noqa: E731
    event.listen(durable_engine, "before_cursor_execute", record)
    with app.test_request_context("/api/v1/tasks"):
        db.session().execute(text("SELECT 1 WHERE :a = :a"), {"a": 1})
        counted = api._counted_caller(raw, None)
        assert counted is not None and counted.holder.user.email == OFFICE_EMAIL and counted.wait == 0
        assert len(durable_statements) == 1 and "INSERT INTO throttle" in durable_statements[0]
        db.rollback()
        assert api._counted_caller("not-a-token", None) is None  # before the BEGIN again: no holder, no count
        assert len(durable_statements) == 1
    event.remove(durable_engine, "before_cursor_execute", record)
    with session_factory() as session:
        assert session.scalar(select(Throttle.count).where(Throttle.key.startswith(TOKEN_KEY_PREFIX))) == 1
