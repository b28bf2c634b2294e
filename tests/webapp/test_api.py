"""The JSON API: bearer tokens, tasks as JSON schema, completing tasks, instances, health."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from storage.models import ApiToken, Organization, RegistrationSubmission, StoredFile
from tests.conftest import START
from tests.factories import PDF_BYTES
from tests.webapp.helpers import (
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    OTHER_EMAIL,
    OTHER_PASSWORD,
    api_token,
    first,
    multipart,
    open_task,
    pdf,
    recorded_statements,
)

TASK_KEYS = {"id", "name", "title", "process", "instance_id", "form_key", "role", "created_at"}


@pytest.fixture
def office_api(client, office):
    return api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)


@pytest.fixture
def applicant_api(client, applicant):
    return api_token(client, applicant.email, applicant.password)


@pytest.fixture
def other_api(client, other_enterprise):
    return api_token(client, OTHER_EMAIL, OTHER_PASSWORD)


def test_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_token_for_the_right_password_only(client, office, session_factory):
    response = client.post("/api/v1/tokens", json={"email": OFFICE_EMAIL, "password": OFFICE_PASSWORD})
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert isinstance(token, str) and len(token) >= 32
    stored = first(session_factory, select(ApiToken))
    assert token not in stored.digest and len(stored.digest) == 64  # only a digest is kept

    wrong = client.post("/api/v1/tokens", json={"email": OFFICE_EMAIL, "password": "nope-nope-1"})
    assert wrong.status_code == 401 and "token" not in wrong.get_json()
    assert client.post("/api/v1/tokens", data="not json").status_code == 401


def test_token_requests_are_throttled(client, office):
    for _ in range(5):
        assert client.post("/api/v1/tokens", json={"email": OFFICE_EMAIL, "password": "x"}).status_code == 401
    blocked = client.post("/api/v1/tokens", json={"email": OFFICE_EMAIL, "password": OFFICE_PASSWORD})
    assert blocked.status_code == 429
    assert "error" in blocked.get_json() and "token" not in blocked.get_json()


def test_tasks_need_a_valid_token(client, office, frozen_clock):
    for headers in ({}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic eDp5"}):
        response = client.get("/api/v1/tasks", headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
        assert "error" in response.get_json()
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    frozen_clock.set_now(START + timedelta(days=31))
    assert client.get("/api/v1/tasks", headers=headers).status_code == 401  # expired


def test_office_lists_its_tasks(client, applicant, office_api):
    response = client.get("/api/v1/tasks", headers=office_api)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 1 and len(body["tasks"]) == 1 and body["total_capped"] is False
    task = body["tasks"][0]
    assert TASK_KEYS <= set(task)
    assert {k: task[k] for k in TASK_KEYS - {"id", "created_at"}} == {
        "name": "vet_registration", "title": "注册审核", "process": "registration_vetting",
        "instance_id": applicant.instance_id, "form_key": "vet_registration", "role": "office"}
    assert datetime.fromisoformat(task["created_at"]) == START
    assert datetime.fromisoformat(task["due_at"]) == START + timedelta(days=5)  # 注册审核's timeLimitDays


def test_an_applicant_has_no_office_tasks(client, applicant, applicant_api):
    assert client.get("/api/v1/tasks", headers=applicant_api).get_json()["total"] == 0


def test_task_as_json_schema_with_context(client, applicant, office_api, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    response = client.get(f"/api/v1/tasks/{task.id}", headers=office_api)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"task", "form", "context"}
    assert body["task"]["id"] == task.id and body["task"]["name"] == "vet_registration"
    form = body["form"]
    assert form["type"] == "object"
    assert form["properties"]["decision"]["oneOf"] == [
        {"const": "approve", "title": "通过"}, {"const": "return", "title": "退回修改"},
        {"const": "reject", "title": "不予通过"}]
    assert form["properties"]["decision"]["title"] == "审核结论"
    assert form["properties"]["reason"]["type"] == "string"
    assert "decision" in form["required"]
    submission = body["context"]["submission"]
    assert submission["fields"]["name"] == "深圳测试科技有限公司"
    assert submission["submitted_at"].startswith("2026-11-02") and "09:30" in submission["submitted_at"]
    assert [f["kind"] for f in submission["files"]] == ["营业执照"]


def test_return_through_the_api_then_409(client, applicant, office_api, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    response = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "return", "reason": "请补充资质"},
                           headers=office_api)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(t["name"], t["role"]) for t in body["tasks"]] == [("correct_registration", "applicant")]
    assert body["instance"] == {"id": applicant.instance_id, "status": "running", "stage": "returned"}

    again = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "approve"}, headers=office_api)
    assert again.status_code == 409
    assert client.get(f"/api/v1/tasks/{task.id}", headers=office_api).status_code == 409
    assert first(session_factory, select(Organization).where(
        Organization.id == applicant.organization_id)).status == "pending"


def test_missing_reason_is_422_with_errors_by_field(client, applicant, office_api, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    response = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "reject"}, headers=office_api)
    assert response.status_code == 422
    assert response.get_json() == {"errors": {"reason": ["退回修改或不予通过时须填写原因"]}}
    assert open_task(session_factory, applicant.instance_id).id == task.id


def test_someone_elses_task_is_403(client, applicant, other_api, applicant_api, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    for headers in (other_api, applicant_api):
        assert client.get(f"/api/v1/tasks/{task.id}", headers=headers).status_code == 403
        response = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "approve"}, headers=headers)
        assert response.status_code == 403
        assert "error" in response.get_json()
    assert open_task(session_factory, applicant.instance_id).id == task.id
    assert client.get("/api/v1/tasks/999999", headers=other_api).status_code == 404


def test_applicant_corrects_through_the_api_with_multipart(
        client, applicant, office_api, applicant_api, session_factory):
    vet = open_task(session_factory, applicant.instance_id)
    client.post(f"/api/v1/tasks/{vet.id}", json={"decision": "return", "reason": "营业执照模糊"},
                headers=office_api)

    listed = client.get("/api/v1/tasks", headers=applicant_api).get_json()
    assert [t["name"] for t in listed["tasks"]] == ["correct_registration"]
    correction_id = listed["tasks"][0]["id"]
    detail = client.get(f"/api/v1/tasks/{correction_id}", headers=applicant_api).get_json()
    properties = detail["form"]["properties"]
    assert properties["business_license"]["format"] == "binary"
    assert properties["name"]["default"] == "深圳测试科技有限公司"
    assert {"const": "440300", "title": "深圳市"} in properties["city_code"]["oneOf"]

    new_license = PDF_BYTES.replace(b"200 200", b"612 792")
    response = client.post(f"/api/v1/tasks/{correction_id}", headers=applicant_api, **multipart({
        "province_code": "440000", "city_code": "440300", "name": "深圳测试科技股份有限公司",
        "contact": "李四", "phone": "13912345678", "business_license": pdf("营业执照-新.pdf", new_license)}))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(t["name"], t["role"]) for t in body["tasks"]] == [("vet_registration", "office")]
    assert body["instance"]["stage"] == "vetting"

    with session_factory() as session:
        latest = session.scalars(select(RegistrationSubmission).order_by(
            RegistrationSubmission.sequence.desc())).first()
        assert latest.sequence == 2 and latest.data["name"] == "深圳测试科技股份有限公司"
        (attached,) = latest.files
        stored = session.get(StoredFile, attached.file_id)
        assert (attached.kind, stored.original_name) == ("business_license", "营业执照-新.pdf")
    assert client.get("/api/v1/tasks", headers=office_api).get_json()["total"] == 1


def test_a_bad_file_through_the_api_is_422(client, applicant, office_api, applicant_api, session_factory):
    vet = open_task(session_factory, applicant.instance_id)
    client.post(f"/api/v1/tasks/{vet.id}", json={"decision": "return", "reason": "x"}, headers=office_api)
    correction = open_task(session_factory, applicant.instance_id)
    response = client.post(f"/api/v1/tasks/{correction.id}", headers=applicant_api, **multipart({
        "province_code": "440000", "city_code": "440300", "name": "深圳测试科技有限公司",
        "contact": "李四", "phone": "13912345678", "business_license": pdf("a.pdf", b"\x89PNG....")}))
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"business_license": ["请上传 PDF 格式的文件"]}


def test_instance_for_participants_only(client, applicant, office_api, applicant_api, other_api,
                                        session_factory):
    vet = open_task(session_factory, applicant.instance_id)
    client.post(f"/api/v1/tasks/{vet.id}", json={"decision": "approve"}, headers=office_api)

    for headers in (applicant_api, office_api):
        response = client.get(f"/api/v1/instances/{applicant.instance_id}", headers=headers)
        assert response.status_code == 200
        body = response.get_json()
        assert (body["status"], body["stage"]) == ("completed", "approved")
        assert body["definition"] == {"key": "registration_vetting", "version": 1}
        assert [(t["name"], t["state"]) for t in body["tasks"]] == [("vet_registration", "completed")]
        assert [e["kind"] for e in body["events"]] == ["started", "task_completed", "completed"]
        assert [e["sequence"] for e in body["events"]] == [1, 2, 3]

    unrelated = client.get(f"/api/v1/instances/{applicant.instance_id}", headers=other_api)
    assert unrelated.status_code in (403, 404)
    assert "status" not in unrelated.get_json()
    assert client.get(f"/api/v1/instances/{applicant.instance_id}").status_code == 401


def test_json_body_must_be_an_object(client, applicant, office_api, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    response = client.post(f"/api/v1/tasks/{task.id}", json=["approve"], headers=office_api)
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"body": ["请求正文应为 JSON 对象"]}
    assert open_task(session_factory, applicant.instance_id).id == task.id


def test_a_vetting_decision_through_the_api_takes_thirteen_statements(app, client, applicant, office_api,
                                                                       session_factory):
    """The cost target of the vetting step rests on this count (docs/performance.md): token and
    organisation, the token's rate-limit count (the same statement on PostgreSQL), its last use (written at
    most once a minute; this is its first use), task, claim, submission, decision, 我的消息, outbox, inbox
    row, the people offered the new task with their 消息设置 (engine.task_notifications: one read), audit
    row, instance."""

    task = open_task(session_factory, applicant.instance_id)
    app.config["OUTBOX_SYNC"] = False  # as deployed: the worker sends the e-mail after the request
    with recorded_statements(app) as statements:  # the durable writes' pool too (PostgreSQL)
        response = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "return", "reason": "请补充资质"},
                               headers=office_api)
    assert response.status_code == 200
    # Besides, the service call runs in a savepoint (a failing step rolls back its own rows only). On
    # PostgreSQL it is left open once the call succeeded and the COMMIT releases it (a RELEASE would be a
    # round trip); SQLite releases it, or every later write would journal its pages for it
    # (storage.db.savepoints_kept_open).
    savepoints = [s for s in statements if s.startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    sql = [s for s in statements if not s.startswith(("BEGIN", "SAVEPOINT", "RELEASE SAVEPOINT"))]
    # PostgreSQL reads the caller and counts its call in one statement (engine.domain.auth.counted_token_holder).
    sqlite = app.extensions["duibiao.engine"].dialect.name == "sqlite"
    assert len(sql) == (13 if sqlite else 12), "\n".join(s[:100].replace("\n", " ") for s in sql)
    assert [s.split()[0] for s in savepoints] == (["SAVEPOINT", "RELEASE"] if sqlite else ["SAVEPOINT"])
