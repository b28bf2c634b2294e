"""The engine's refusals and labels reach the reader translated: at the field, in templates, in the API."""
from __future__ import annotations

import pytest
from flask_babel import gettext

from engine import text
from tests.webapp.helpers import (
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    api_token,
    field_errors,
    post_registration,
    registration_form,
    request_sms_code,
    text_of,
)

ENGLISH = {"该用户名已被注册": "This user name is already registered", "待审核": "Awaiting review"}


@pytest.fixture
def english(monkeypatch):
    monkeypatch.setattr(text, "_translate", lambda msgid: ENGLISH.get(msgid, msgid))


def test_the_app_translates_engine_text_with_flask_babel(app):
    assert text._translate is gettext


def test_a_domain_refusal_is_shown_translated_at_its_field(app, client, applicant, english):
    code = request_sms_code(client, app)
    response = post_registration(client, registration_form(code, email=applicant.email))
    assert response.status_code == 422
    assert field_errors(response)["email"] == ["This user name is already registered"]


def test_stage_labels_are_translated_in_pages_and_the_api(client, applicant, applicant_client, english):
    assert "Awaiting review" in text_of(applicant_client.get("/account/status"))
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    body = client.get(f"/api/v1/instances/{applicant.instance_id}", headers=headers).get_json()
    assert (body["stage"], body["stage_label"]) == ("vetting", "Awaiting review")


def test_the_api_task_context_is_translated(client, applicant, english, monkeypatch):
    monkeypatch.setitem(ENGLISH, "企业用户", "Enterprise user")
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    (task,) = client.get("/api/v1/tasks", headers=headers).get_json()["tasks"]
    body = client.get(f"/api/v1/tasks/{task['id']}", headers=headers).get_json()
    assert "Enterprise user" in str(body["context"]) and "企业用户" not in str(body["context"])
