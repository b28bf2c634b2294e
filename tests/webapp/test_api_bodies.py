"""Malformed API bodies: every one is a 422 ``{"errors": {field: [messages]}}`` naming the field
(or ``body`` for the body as a whole), and nothing is stored. The bodies are made from each task
type's own JSON schema, so a field added to a form is covered too."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from storage.db import Base
from storage.models import HumanTask, ProcessInstance
from tests.webapp.compliance_flow import (
    application_fixture,  # noqa: F401
    enterprise_client_fixture,  # noqa: F401
    evaluate,
    published_fixture,  # noqa: F401
    ready_task,
)
from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, api_token, open_task
from tests.webapp.pilot_flow import (
    enrollment_fixture,  # noqa: F401
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
    end_publicity,
    publicised_fixture,  # noqa: F401
    ready,
    two_comments,
)

# form key → who acts on it, and the fixtures that bring a task of that key to READY
TASK_TYPES = ["vet_registration", "review_enrollment", "draft_report", "draft_plan", "resolve_comments",
              "evaluate_application", "file_evaluation"]


def _ready_task(request, form_key: str):
    session_factory = request.getfixturevalue("session_factory")
    if form_key == "vet_registration":
        return open_task(session_factory, request.getfixturevalue("applicant").instance_id), "office"
    if form_key == "review_enrollment":
        request.getfixturevalue("enrollment")
        return ready(session_factory, form_key), "office"
    if form_key in ("draft_report", "draft_plan"):
        request.getfixturevalue("drafting" if form_key == "draft_plan" else "approved")
        return ready(session_factory, form_key), "institution"
    if form_key == "resolve_comments":
        plan_id = request.getfixturevalue("publicised")
        two_comments(plan_id, request.getfixturevalue("other_client"), request.getfixturevalue("rival_client"),
                     session_factory)
        end_publicity(request.getfixturevalue("app"), request.getfixturevalue("frozen_clock"), session_factory)
        return ready(session_factory, form_key), "office"
    application = request.getfixturevalue("application")
    if form_key == "file_evaluation":
        evaluate(request.getfixturevalue("institution_client"), session_factory, application.instance_id)
        return ready_task(session_factory, form_key, application.instance_id), "office"
    return ready_task(session_factory, form_key, application.instance_id), "institution"


@pytest.fixture(params=TASK_TYPES)
def task_and_headers(request, client):
    task, actor = _ready_task(request, request.param)
    if actor == "office":
        headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    else:
        member = request.getfixturevalue("institution")
        headers = api_token(client, member.email, member.password)
    return task, headers


def _wrong_values(schema: dict) -> list:
    """Values of the wrong shape for a field of this schema."""
    kind = schema.get("type")
    if schema.get("format") == "binary" or schema.get("items", {}).get("format") == "binary":
        return ["not-a-file.pdf", ["not-a-file.pdf"]]
    if kind == "integer":
        return ["abc", 2 ** 64, -(2 ** 64), True, {"id": 1}]
    if kind == "boolean":
        return ["yes", 1]
    if kind == "string":
        return [12, True, {"text": "x"}, ["a", "b"], [{"text": "x"}], "a\x00b"]
    items = schema.get("items", {})
    if items.get("type") != "object":
        return [{"a": 1}, "text", [{"x": 1}], [[1]]]
    rows = ["text", {"row": 1}, ["text"], [[1]], [{"no_such_cell": "x"}]]
    for name, cell in items["properties"].items():
        rows += [[{name: value}] for value in _wrong_values(cell)]
    return rows


def _snapshot(session_factory) -> dict:
    with session_factory() as session:
        counts = {t.name: session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}
        tasks = session.execute(select(HumanTask.id, HumanTask.state).order_by(HumanTask.id)).all()
        versions = session.execute(select(ProcessInstance.id, ProcessInstance.version)).all()
        return {"counts": counts, "tasks": tasks, "versions": sorted(versions)}


def _body_cases(schema: dict) -> list[tuple[str, dict]]:
    """(the field the answer must name, the request's keyword arguments)."""
    cases = [
        ("body", {"data": "{\"decision\": ", "content_type": "application/json"}),
        ("body", {"data": "", "content_type": "application/json"}),
        ("body", {"json": ["approve"]}),
        ("body", {"json": "approve"}),
        ("body", {"data": "null", "content_type": "application/json"}),
        ("body", {"json": 42}),
        ("body", {"data": "{\"decision\": \"approve\"}", "content_type": "text/plain"}),
        ("body", {"data": "<decision>approve</decision>", "content_type": "application/xml"}),
        ("no_such_field", {"json": {"no_such_field": "x"}}),
    ]
    for name, field in schema["properties"].items():
        cases += [(name, {"json": {name: value}}) for value in _wrong_values(field)]
        if field.get("type") == "string" and field.get("format") != "binary":
            cases.append((name, {"data": {name: "a\x00b"}}))  # a form post with NUL (PostgreSQL refuses it)
    return cases


def test_every_malformed_body_is_a_422_at_its_field_and_changes_nothing(client, task_and_headers, session_factory):
    task, headers = task_and_headers
    schema = client.get(f"/api/v1/tasks/{task.id}", headers=headers).get_json()["form"]
    before = _snapshot(session_factory)
    cases = _body_cases(schema)
    assert len(cases) > 15
    for url in (f"/api/v1/tasks/{task.id}", f"/api/v1/tasks/{task.id}/draft"):
        for field, kwargs in cases:
            response = client.post(url, headers=headers, **kwargs)
            if url.endswith("/draft") and response.status_code == 404:
                break  # this task keeps no drafts
            assert response.status_code == 422, (url, kwargs, response.status_code, response.get_data(as_text=True))
            errors = response.get_json()["errors"]
            assert field in errors and all(isinstance(m, str) and m for m in errors[field]), (kwargs, errors)
    assert _snapshot(session_factory) == before


def test_resolutions_name_the_comment_id_when_it_is_not_one(app, frozen_clock, publicised, client, other_client,
                                                          rival_client, session_factory):
    """The reported 500: ``comment_id`` "abc" (the schema and its default rows say integer)."""
    ent_id, riv_id = two_comments(publicised, other_client, rival_client, session_factory)
    end_publicity(app, frozen_clock, session_factory)
    task = ready(session_factory, "resolve_comments")
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    resolutions = client.get(f"/api/v1/tasks/{task.id}", headers=headers).get_json()["form"]["properties"][
        "resolutions"]
    assert resolutions["items"]["properties"]["comment_id"]["type"] == "integer"
    assert all(type(row["comment_id"]) is int for row in resolutions["default"])
    before = _snapshot(session_factory)

    def post(*ids):
        return client.post(f"/api/v1/tasks/{task.id}", headers=headers, json={"resolutions": [
            {"comment_id": comment_id, "resolution": "dismiss", "reply": "否"} for comment_id in ids]})

    abc = post("abc", riv_id)
    assert abc.status_code == 422
    assert abc.get_json()["errors"] == {"resolutions": ["第 1 行 意见编号：应为整数"]}
    unknown = post(ent_id, riv_id + 1000)
    assert unknown.status_code == 422 and list(unknown.get_json()["errors"]) == ["resolutions"]
    as_form = client.post(f"/api/v1/tasks/{task.id}", headers=headers, data={
        "resolutions-0-comment_id": "abc", "resolutions-0-resolution": "dismiss", "resolutions-0-reply": "否"})
    assert as_form.status_code == 422
    assert "第 1 行 意见编号：意见编号应为整数" in as_form.get_json()["errors"]["resolutions"]
    assert _snapshot(session_factory) == before
    assert post(ent_id, riv_id).status_code == 200
