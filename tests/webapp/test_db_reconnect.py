"""No ping on every pool checkout (issue 15: a round trip per request): a connection PostgreSQL dropped
(a restart, an administrator's pg_terminate_backend) is told at checkout by its socket, without a round
trip (storage.db.drop_closed_by_server), and replaced; one found dead by the request's first statement —
the token lookup — has the pool invalidated and is tried once more: the request succeeds."""
from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from engine.domain import auth
from storage.db import engine_options
from tests.factories import active_member
from webapp import create_app, db

APPLICATION = "duibiao_reconnect_test"


@pytest.fixture
def reconnecting_app(db_engine, session_factory, frozen_clock, tmp_path, monkeypatch):
    if db_engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    monkeypatch.setenv("DUIBIAO_DATA_DIR", str(tmp_path))
    url = make_url(db_engine.url.render_as_string(hide_password=False)).update_query_dict(
        {"application_name": APPLICATION})  # its own connections, told apart in pg_stat_activity
    app = create_app({"TESTING": True, "DATABASE_URL": url.render_as_string(hide_password=False),
                      "DATA_DIR": str(tmp_path), "SCHEDULER_ENABLED": False, "SECRET_KEY": "reconnect"})
    with session_factory() as session:
        user = active_member(session, "reconnect@test.cn", "office", "专项办")
        token = auth.issue_token(session, user)
        session.commit()
    yield app, {"Authorization": f"Bearer {token}"}
    db.dispose(app)


def _terminate_app_connections(db_engine) -> int:
    """End the app's server sessions and wait (up to 5 s each) until they are gone: a connection killed
    while it sat in the pool, as a restart leaves them."""
    with db_engine.connect() as connection:
        killed = connection.execute(text(
            "SELECT count(pg_terminate_backend(pid, 5000)) FROM pg_stat_activity WHERE application_name = :name"),
            {"name": APPLICATION}).scalar()
        connection.commit()
    return killed


def test_postgresql_connections_are_not_pinged_at_each_checkout():
    options = engine_options("postgresql+psycopg://db/duibiao")
    assert options["pool_pre_ping"] is False and options["pool_recycle"] > 0


def test_a_connection_killed_on_the_server_costs_no_request(reconnecting_app, db_engine):
    app, headers = reconnecting_app
    client = app.test_client()
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200  # the pool holds connections now
    for _ in range(2):  # a read, then again after the pool was renewed
        assert _terminate_app_connections(db_engine) >= 1
        response = client.get("/api/v1/tasks", headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["total"] == 0
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
