"""The operator console through the API: instances with filters and one instance with its tasks,
history and error; operators only (403 for everyone else)."""
from __future__ import annotations

import pytest
from sqlalchemy import update

import demodata
from storage.models import ProcessInstance
from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, api_token, remembered_password_hashes

OPERATOR = ("operator@test.cn", "Operate#123")
OFFICE_ORG = "对标达标提升专项行动办公室"


@pytest.fixture(name="operator_api")
def operator_api_fixture(app, client, session_factory) -> dict:
    with session_factory() as session, remembered_password_hashes():
        demodata.ensure_user(session, *OPERATOR, "operator", OFFICE_ORG)
        session.commit()
    return api_token(client, *OPERATOR)


def listed(client, headers, **filters) -> list[int]:
    response = client.get("/api/v1/operator/instances", headers=headers, query_string=filters)
    assert response.status_code == 200, response.get_json()
    return [row["id"] for row in response.get_json()["instances"]]


def test_only_operators_use_the_operator_endpoints(client, applicant, office, operator_api):
    office_api = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    applicant_api = api_token(client, applicant.email, applicant.password)
    for headers in (office_api, applicant_api):
        for url in ("/api/v1/operator/instances", f"/api/v1/operator/instances/{applicant.instance_id}"):
            response = client.get(url, headers=headers)
            assert response.status_code == 403 and response.get_json() == {"error": "只有运维人员可以使用该接口"}
        refused = client.post(f"/api/v1/operator/instances/{applicant.instance_id}/suspend", headers=headers,
                              json={"reason": "测试"})
        assert refused.status_code == 403
    assert client.get("/api/v1/operator/instances").status_code == 401


def test_instances_are_filtered_like_the_console(client, applicant, new_applicant, operator_api, session_factory):
    second = new_applicant("second@test.cn", name="深圳第二科技有限公司")
    with session_factory() as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.id == second.instance_id)
                        .values(status="error", error="vet: boom"))
        session.commit()
    assert listed(client, operator_api) == [second.instance_id, applicant.instance_id]  # newest first
    assert listed(client, operator_api, status="error") == [second.instance_id]
    assert listed(client, operator_api, status="running") == [applicant.instance_id]
    assert listed(client, operator_api, q="第二") == [second.instance_id]
    assert listed(client, operator_api, process="registration_vetting", status="running") == [applicant.instance_id]
    assert listed(client, operator_api, process="no_such_process") == []
    body = client.get("/api/v1/operator/instances", headers=operator_api, query_string={"status": "error"}).get_json()
    (row,) = body["instances"]
    assert (row["status"], row["error"], row["process"], body["total"]) == ("error", "vet: boom",
                                                                           "registration_vetting", 1)


def test_an_instance_with_its_tasks_history_and_error(client, applicant, operator_api):
    response = client.get(f"/api/v1/operator/instances/{applicant.instance_id}", headers=operator_api)
    assert response.status_code == 200
    body = response.get_json()
    assert (body["id"], body["process"], body["status"], body["error"]) == (
        applicant.instance_id, "registration_vetting", "running", None)
    assert body["stage"] and body["definition"]["key"] == "registration_vetting"
    (task,) = body["tasks"]
    assert (task["name"], task["state"], task["form_key"]) == ("vet_registration", "ready", "vet_registration")
    assert body["history"] and body["history"][0]["sequence"] == 1
    assert all(event["label"] for event in body["history"])
    missing = client.get("/api/v1/operator/instances/999999", headers=operator_api)
    assert missing.status_code == 404 and missing.get_json() == {"error": "流程实例不存在"}


def test_actions_need_a_reason_and_a_known_action(client, applicant, operator_api):
    base = f"/api/v1/operator/instances/{applicant.instance_id}"
    no_reason = client.post(f"{base}/suspend", headers=operator_api, json={"reason": "  "})
    assert no_reason.status_code == 422 and no_reason.get_json() == {"errors": {"reason": ["请填写操作原因"]}}
    not_json = client.post(f"{base}/suspend", headers=operator_api, data="x")
    assert not_json.status_code == 422 and not_json.get_json() == {"errors": {"body": ["请求正文应为 JSON 对象"]}}
    assert client.post(f"{base}/explode", headers=operator_api, json={"reason": "x"}).status_code == 404
    assert client.post("/api/v1/operator/instances/999999/suspend", headers=operator_api,
                       json={"reason": "x"}).status_code == 404
    assert client.post("/api/v1/operator/tasks/999999/reassign", headers=operator_api,
                       json={"reason": "x", "user_email": OFFICE_EMAIL}).status_code == 404
