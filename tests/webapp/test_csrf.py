"""CSRF: every browser form needs its token; the bearer-token API needs none."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import HumanTask, Organization
from tests.webapp.helpers import (
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    PHONE,
    count,
    csrf_token,
    first,
    login,
    open_task,
    post_registration,
    registration_form,
    request_sms_code,
    text_of,
)


def test_login_without_token_is_refused_and_with_it_accepted(csrf_on, client, office):
    refused = login(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    assert refused.status_code == 400
    assert "请求有误" in text_of(refused)
    assert client.get("/account/status").status_code == 302  # not logged in

    token = csrf_token(client.get("/login"))
    accepted = client.post("/login", data={"email": OFFICE_EMAIL, "password": OFFICE_PASSWORD,
                                           "captcha": "PASSED", "csrf_token": token})
    assert accepted.status_code == 302
    assert client.get("/tasks/").status_code == 200


def test_register_without_token_is_refused(app, client, office, session_factory):
    code = request_sms_code(client, app)
    app.config["WTF_CSRF_ENABLED"] = True  # restored by the app fixture
    before = count(session_factory, Organization)

    refused = post_registration(client, registration_form(code))
    assert refused.status_code == 400
    assert count(session_factory, Organization) == before

    token = csrf_token(client.get("/register"))
    accepted = post_registration(client, registration_form(code, csrf_token=token))
    assert accepted.status_code == 302
    assert count(session_factory, Organization) == before + 1


def test_sms_code_request_needs_the_token_too(csrf_on, client, app):
    assert client.post("/register/sms-code", data={"phone": PHONE}).status_code == 400
    token = csrf_token(client.get("/register"))
    assert client.post("/register/sms-code", data={"phone": PHONE, "csrf_token": token}).status_code == 200


def test_task_form_without_token_is_refused(app, office_client, applicant, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    app.config["WTF_CSRF_ENABLED"] = True  # after logging in; restored by the app fixture

    refused = office_client.post(f"/tasks/{task.id}", data={"decision": "approve", "reason": ""})
    assert refused.status_code == 400
    assert first(session_factory, select(HumanTask).where(HumanTask.id == task.id)).state == "ready"

    token = csrf_token(office_client.get(f"/tasks/{task.id}"))
    accepted = office_client.post(f"/tasks/{task.id}",
                                  data={"decision": "approve", "reason": "", "csrf_token": token})
    assert accepted.status_code == 302
    assert first(session_factory, select(HumanTask).where(HumanTask.id == task.id)).state == "completed"


def test_logout_without_token_is_refused(app, office_client):
    app.config["WTF_CSRF_ENABLED"] = True
    assert office_client.post("/logout").status_code == 400
    assert office_client.get("/tasks/").status_code == 200


def test_api_needs_no_csrf_token(csrf_on, client, applicant, office, session_factory):
    answer = client.post("/api/v1/tokens", json={"email": OFFICE_EMAIL, "password": OFFICE_PASSWORD})
    assert answer.status_code == 201
    headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    task = open_task(session_factory, applicant.instance_id)

    done = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "approve"}, headers=headers)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["instance"]["stage"] == "approved"


def test_api_ignores_the_browser_session(office_client):
    """Bearer tokens only: a logged-in browser's cookie opens nothing in the API."""
    response = office_client.get("/api/v1/tasks")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
