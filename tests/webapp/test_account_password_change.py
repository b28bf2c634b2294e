"""修改密码: the new password must differ from the old one; other sessions of the user end."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import ApiToken, User
from tests.webapp.helpers import (
    OTHER_EMAIL,
    OTHER_PASSWORD,
    api_token,
    count,
    field_errors,
    first,
    flashes,
    login,
)

NEW_PASSWORD = "Newer#2026"


def change(client, old: str, new: str):
    return client.post("/account/password", data={
        "old_password": old, "new_password": new, "confirm_password": new})


def test_the_new_password_must_differ_from_the_old_one(other_client, client, session_factory):
    before = first(session_factory, select(User.password_hash).where(User.email == OTHER_EMAIL))
    response = change(other_client, OTHER_PASSWORD, OTHER_PASSWORD)
    assert response.status_code == 422
    assert field_errors(response) == {"new_password": ["新密码不能与旧密码相同"]}
    assert first(session_factory, select(User.password_hash).where(User.email == OTHER_EMAIL)) == before


def test_changing_the_password_ends_the_other_sessions_only(other_enterprise, make_client):
    here = make_client(OTHER_EMAIL, OTHER_PASSWORD)
    there = make_client(OTHER_EMAIL, OTHER_PASSWORD)
    assert there.get("/account/profile").status_code == 200

    assert change(here, OTHER_PASSWORD, NEW_PASSWORD).status_code == 302
    assert "密码修改成功" in flashes(here.get("/account/password"))
    assert here.get("/account/profile").status_code == 200  # this session goes on

    gone = there.get("/account/profile")
    assert gone.status_code == 302 and "/login" in gone.headers["Location"]
    assert there.get("/account/status").status_code == 302
    assert login(there, OTHER_EMAIL, NEW_PASSWORD).status_code == 302
    assert there.get("/account/profile").status_code == 200


def test_a_refused_change_keeps_the_other_sessions(other_enterprise, make_client):
    here = make_client(OTHER_EMAIL, OTHER_PASSWORD)
    there = make_client(OTHER_EMAIL, OTHER_PASSWORD)
    assert change(here, "Wrong#1234", NEW_PASSWORD).status_code == 422
    assert there.get("/account/profile").status_code == 200


def test_changing_the_password_revokes_api_tokens(other_enterprise, make_client, client, session_factory):
    headers = api_token(client, OTHER_EMAIL, OTHER_PASSWORD)
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    here = make_client(OTHER_EMAIL, OTHER_PASSWORD)
    assert change(here, OTHER_PASSWORD, NEW_PASSWORD).status_code == 302
    assert count(session_factory, ApiToken) == 0
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401
