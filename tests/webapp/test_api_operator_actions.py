"""Operator actions through the API (POST /api/v1/operator/instances/{id}/{action} and
/api/v1/operator/tasks/{id}/reassign): done with a reason and recorded, refused with the reason why
(422 {"errors": {"reason": [...]}}). The actions are engine.domain.operator_actions (issue 12)."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

import demodata
from storage.models import OperatorAction, ProcessInstance
from tests.webapp import openapi_client as oa
from tests.webapp.helpers import (
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    all_rows,
    api_token,
    first,
    open_task,
    remembered_password_hashes,
)
from tests.webapp.test_api_operator import OFFICE_ORG, OPERATOR, operator_api_fixture  # noqa: F401

SECOND_OFFICE = ("office2@test.cn", "Office2#123")


def act(client, headers, instance_id: int, action: str, reason: str = "企业来电要求暂缓处理"):
    return client.post(f"/api/v1/operator/instances/{instance_id}/{action}", headers=headers, json={"reason": reason})


def status_of(session_factory, instance_id: int) -> str:
    return first(session_factory, select(ProcessInstance.status).where(ProcessInstance.id == instance_id))


def test_suspend_and_resume_with_reasons_recorded(client, applicant, operator_api, session_factory):
    suspended = act(client, operator_api, applicant.instance_id, "suspend")
    assert suspended.status_code == 200, suspended.get_json()
    body = suspended.get_json()
    assert (body["action"]["action"], body["action"]["reason"], body["instance"]["status"]) == (
        "suspend", "企业来电要求暂缓处理", "suspended")
    assert status_of(session_factory, applicant.instance_id) == "suspended"
    again = act(client, operator_api, applicant.instance_id, "suspend")
    assert again.status_code == 422
    assert again.get_json() == {"errors": {"reason": ["流程当前状态为“已挂起”，不能执行此操作"]}}

    resumed = act(client, operator_api, applicant.instance_id, "resume", "企业已确认")
    assert resumed.status_code == 200 and resumed.get_json()["instance"]["status"] == "running"
    recorded = all_rows(session_factory, select(OperatorAction).order_by(OperatorAction.id))
    assert [(a.action, a.reason) for a in recorded] == [("suspend", "企业来电要求暂缓处理"), ("resume", "企业已确认")]


def test_cancel_ends_the_instance(client, applicant, operator_api, session_factory):
    cancelled = act(client, operator_api, applicant.instance_id, "cancel", "重复申请")
    assert cancelled.status_code == 200, cancelled.get_json()
    assert cancelled.get_json()["instance"]["status"] == "cancelled"
    assert status_of(session_factory, applicant.instance_id) == "cancelled"
    detail = client.get(f"/api/v1/operator/instances/{applicant.instance_id}", headers=operator_api).get_json()
    assert all(task["state"] != "ready" for task in detail["tasks"])


def test_retry_runs_an_instance_in_error_again(client, applicant, operator_api, session_factory):
    refused = act(client, operator_api, applicant.instance_id, "retry", "再试一次")
    assert refused.status_code == 422 and refused.get_json() == {
        "errors": {"reason": ["流程当前状态为“进行中”，不能执行此操作"]}}
    with session_factory() as session:
        session.execute(update(ProcessInstance).where(ProcessInstance.id == applicant.instance_id)
                        .values(status="error", error="vet: 临时故障"))
        session.commit()
    retried = act(client, operator_api, applicant.instance_id, "retry", "故障已排除")
    assert retried.status_code == 200, retried.get_json()
    assert retried.get_json()["action"]["action"] == "retry"
    assert status_of(session_factory, applicant.instance_id) != "error"


def test_fire_timer_and_migrate_refuse_what_does_not_apply(client, applicant, operator_api):
    no_timer = act(client, operator_api, applicant.instance_id, "fire-timer", "催办")
    assert no_timer.status_code == 422 and no_timer.get_json() == {"errors": {"reason": ["该流程没有待触发的定时器"]}}
    current = act(client, operator_api, applicant.instance_id, "migrate", "升级流程")
    assert current.status_code == 422
    (message,) = current.get_json()["errors"]["reason"]
    assert "已在当前版本" in message


def test_reassign_a_task_to_another_office_user(client, applicant, operator_api, session_factory):
    with session_factory() as session, remembered_password_hashes():
        demodata.ensure_user(session, *SECOND_OFFICE, "office", OFFICE_ORG)
        session.commit()
    task = open_task(session_factory, applicant.instance_id)
    url = f"/api/v1/operator/tasks/{task.id}/reassign"
    unknown = client.post(url, headers=operator_api, json={"reason": "休假", "user_email": "nobody@test.cn"})
    assert unknown.status_code == 422 and unknown.get_json() == {"errors": {"user_email": ["该邮箱没有对应的用户"]}}
    both = client.post(url, headers=operator_api, json={"reason": "休假", "user_email": SECOND_OFFICE[0],
                                                         "organization_name": OFFICE_ORG})
    assert both.status_code == 422 and "body" in both.get_json()["errors"]
    wrong_role = client.post(url, headers=operator_api, json={"reason": "休假", "user_email": OPERATOR[0]})
    assert wrong_role.status_code == 422
    assert wrong_role.get_json() == {"errors": {"reason": ["该用户没有办理此任务所需的角色"]}}

    done = client.post(url, headers=operator_api, json={"reason": "原经办人休假", "user_email": SECOND_OFFICE[0]})
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["action"] | {"task_id": task.id, "action": "reassign"} == done.get_json()["action"]
    inbox = client.get("/api/v1/tasks", headers=api_token(client, *SECOND_OFFICE)).get_json()
    assert [t["id"] for t in inbox["tasks"]] == [task.id]


def test_the_actions_answer_as_documented(client, applicant, operator_api):
    doc = oa.load(client)
    _path, _method, operation = oa.find(doc, "operatorInstanceAction")
    oa.check_answer(doc, operation, act(client, operator_api, applicant.instance_id, "suspend"))
    oa.check_answer(doc, operation, act(client, operator_api, applicant.instance_id, "suspend"))  # refused: 422


@pytest.fixture
def office_api(client, office):
    return api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)


def test_a_suspended_task_answers_that_it_is_suspended_and_stays_open(client, applicant, operator_api, office_api,
                                                                     session_factory):
    task = open_task(session_factory, applicant.instance_id)
    assert act(client, operator_api, applicant.instance_id, "suspend").status_code == 200
    answer = client.post(f"/api/v1/tasks/{task.id}", headers=office_api, json={"decision": "approve"})
    assert answer.status_code == 409
    assert answer.get_json() == {"error": "该流程已被运维人员挂起，暂时不能办理", "code": "suspended"}
    assert status_of(session_factory, applicant.instance_id) == "suspended"
    assert act(client, operator_api, applicant.instance_id, "resume", "恢复").status_code == 200
    done = client.post(f"/api/v1/tasks/{task.id}", headers=office_api, json={"decision": "approve"})
    assert done.status_code == 200 and "message" not in done.get_json()
