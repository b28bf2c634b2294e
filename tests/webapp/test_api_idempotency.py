"""Idempotency-Key on POST /api/v1/tasks/<id>: a retry answers as the first time and changes nothing."""
from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import func, select

from engine.domain import idempotency
from storage.models import HumanTask, IdempotencyKey, Message, ProcessEvent
from tests.conftest import START
from tests.factories import PDF_BYTES
from tests.webapp.helpers import api_token, first, multipart, open_task
from webapp import scheduler

RETURN = {"decision": "return", "reason": "请补充资质"}


def _counts(session_factory, instance_id: int) -> tuple[int, int, int]:
    with session_factory() as session:
        return (session.scalar(select(func.count()).select_from(HumanTask).where(HumanTask.instance_id == instance_id)),
                session.scalar(select(func.count()).select_from(ProcessEvent)
                               .where(ProcessEvent.instance_id == instance_id)),
                session.scalar(select(func.count()).select_from(Message)))


def test_a_retry_with_the_same_key_gets_the_first_answer_and_no_second_effect(
        client, applicant, office, session_factory):
    headers = {**api_token(client, "office@test.cn", "Office#123"), "Idempotency-Key": "c0ffee-1"}
    task = open_task(session_factory, applicant.instance_id)
    first_answer = client.post(f"/api/v1/tasks/{task.id}", json=RETURN, headers=headers)
    assert first_answer.status_code == 200 and "Idempotent-Replayed" not in first_answer.headers
    after_first = _counts(session_factory, applicant.instance_id)

    again = client.post(f"/api/v1/tasks/{task.id}", json={"reason": "请补充资质", "decision": "return"},
                        headers=headers)  # the same body, keys in another order
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json() == first_answer.get_json()
    assert _counts(session_factory, applicant.instance_id) == after_first
    without_key = client.post(f"/api/v1/tasks/{task.id}", json=RETURN,
                              headers={"Authorization": headers["Authorization"]})
    assert without_key.status_code == 409  # the key, not the body, makes a request a retry


def test_the_same_key_with_another_body_is_refused_in_chinese(client, applicant, office, session_factory):
    headers = {**api_token(client, "office@test.cn", "Office#123"), "Idempotency-Key": "k-2"}
    task = open_task(session_factory, applicant.instance_id)
    assert client.post(f"/api/v1/tasks/{task.id}", json=RETURN, headers=headers).status_code == 200
    other = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "reject", "reason": "不符合"},
                        headers=headers)
    assert other.status_code == 422
    assert other.get_json() == {"error": "该 Idempotency-Key 已用于另一个内容不同的请求；新的请求请使用新的键",
                                "code": "idempotency_key_reused"}


def test_an_answer_that_changed_nothing_is_not_remembered(client, applicant, office, session_factory):
    headers = {**api_token(client, "office@test.cn", "Office#123"), "Idempotency-Key": "k-3"}
    task = open_task(session_factory, applicant.instance_id)
    missing_reason = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "reject"}, headers=headers)
    assert missing_reason.status_code == 422 and "errors" in missing_reason.get_json()
    fixed = client.post(f"/api/v1/tasks/{task.id}", json=RETURN, headers=headers)
    assert fixed.status_code == 200 and "Idempotent-Replayed" not in fixed.headers
    assert first(session_factory, select(HumanTask).where(HumanTask.id == task.id)).state == "completed"


def test_a_malformed_key_is_400_and_keys_belong_to_their_user(client, applicant, office, session_factory):
    office_headers = api_token(client, "office@test.cn", "Office#123")
    task = open_task(session_factory, applicant.instance_id)
    for bad in ("", "带中文的键", "x" * 256):
        response = client.post(f"/api/v1/tasks/{task.id}", json=RETURN,
                               headers={**office_headers, "Idempotency-Key": bad})
        assert response.status_code == 400, bad
        assert response.get_json()["code"] == "bad_idempotency_key"
    assert client.post(f"/api/v1/tasks/{task.id}", json=RETURN,
                       headers={**office_headers, "Idempotency-Key": "shared"}).status_code == 200
    correction = open_task(session_factory, applicant.instance_id)
    applicant_headers = {**api_token(client, applicant.email, applicant.password), "Idempotency-Key": "shared"}
    response = client.post(f"/api/v1/tasks/{correction.id}", headers=applicant_headers, **_correction())
    assert response.status_code == 200, response.get_json()  # another user's key of the same name
    assert "Idempotent-Replayed" not in response.headers
    replay = client.post(f"/api/v1/tasks/{correction.id}", headers=applicant_headers, **_correction())
    assert replay.status_code == 200 and replay.headers["Idempotent-Replayed"] == "true"  # multipart too
    assert replay.get_json() == response.get_json()
    other_file = client.post(f"/api/v1/tasks/{correction.id}", headers=applicant_headers,
                             **_correction(PDF_BYTES.replace(b"200 200", b"612 792")))
    assert other_file.status_code == 422  # a file of other content is another request


def _correction(license_bytes: bytes = PDF_BYTES) -> dict:
    return multipart({"province_code": "440000", "city_code": "440300", "name": "深圳测试科技有限公司",
                      "contact": "李四", "phone": "13912345678",
                      "business_license": (io.BytesIO(license_bytes), "营业执照.pdf", "application/pdf")})


def test_keys_expire_after_24_hours_and_the_sweep_purges_them(app, client, applicant, office, session_factory,
                                                                frozen_clock):
    headers = {**api_token(client, "office@test.cn", "Office#123"), "Idempotency-Key": "k-5"}
    task = open_task(session_factory, applicant.instance_id)
    assert client.post(f"/api/v1/tasks/{task.id}", json=RETURN, headers=headers).status_code == 200
    stored = first(session_factory, select(IdempotencyKey))
    assert stored.expires_at == START + timedelta(hours=24) and stored.status == 200
    frozen_clock.set_now(START + timedelta(hours=24, seconds=1))
    headers = {**api_token(client, "office@test.cn", "Office#123"), "Idempotency-Key": "k-5"}
    assert client.post(f"/api/v1/tasks/{task.id}", json=RETURN, headers=headers).status_code == 409
    scheduler.sweep(app)  # what the scheduler runs every 30 seconds
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
        assert idempotency.purge_expired(session) == 0


def test_the_openapi_document_describes_the_header(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/tasks/{task_id}"]["post"]
    header = next(p for p in operation["parameters"] if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["schema"]["maxLength"] == 255
    assert "Idempotent-Replayed" in operation["responses"]["200"]["headers"]
    assert "400" in operation["responses"]
