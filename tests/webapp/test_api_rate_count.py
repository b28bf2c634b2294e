"""The API's rate-limit count is a durable write (webapp.db.durable): it stays whatever becomes of the
request's own transaction — a read that never commits, a refused body that is rolled back, a completion
that commits — on SQLite (inside the request's transaction, written again when that does not commit) and
on PostgreSQL (autocommit on a second connection)."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import ApiToken
from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, api_token


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
