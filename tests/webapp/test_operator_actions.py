"""运维操作 on the 流程管理 pages: operators only, a reason each, the effect on the inbox, the audit row;
a failing service step shown to the user as a message (not a 500) and retried by an operator."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import demodata
from engine.services import registry
from storage.models import HumanTask, Message, OperatorAction, ProcessInstance
from tests.webapp.helpers import (
    OTHER_EMAIL,
    all_rows,
    api_token,
    decide,
    first,
    flashes,
    open_task,
    page,
    remembered_password_hashes,
)
from tests.webapp.test_operations import DESIGNER, OFFICE_ORG, OPERATOR

REASON = {"reason": "企业来电要求暂缓"}
OFFICE2 = ("office2@test.cn", "Office2#123")


@pytest.fixture
def console_users(app, session_factory):
    with session_factory() as session, remembered_password_hashes():
        demodata.ensure_user(session, *OPERATOR, "operator", OFFICE_ORG)
        demodata.ensure_user(session, *DESIGNER, "designer", OFFICE_ORG)
        demodata.ensure_user(session, *OFFICE2, "office", "第二专项办")
        session.commit()


@pytest.fixture
def operator_client(console_users, make_client):
    return make_client(*OPERATOR)


@pytest.fixture
def designer_client(console_users, make_client):
    return make_client(*DESIGNER)


def instance_row(session_factory, instance_id) -> ProcessInstance:
    return first(session_factory, select(ProcessInstance).where(ProcessInstance.id == instance_id))


def audit(session_factory, action) -> list[OperatorAction]:
    return all_rows(session_factory, select(OperatorAction).where(OperatorAction.action == action))


def act(client, instance_id, action, **data):
    return client.post(f"/operations/instances/{instance_id}/{action}", data=data, follow_redirects=True)


def inbox_ids(client) -> list[int]:
    return [int(link.rsplit("/", 1)[-1]) for link in page(client.get("/tasks/")).xpath("//a/@href")
            if link.startswith("/tasks/") and link.rsplit("/", 1)[-1].isdigit()]


# --- permissions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["suspend", "resume", "cancel", "retry", "fire-timer", "migrate"])
def test_only_operators_may_act(action, applicant, designer_client, office_client, other_client,
                                session_factory):
    for client in (designer_client, office_client, other_client):  # designer, office, an enterprise
        response = client.post(f"/operations/instances/{applicant.instance_id}/{action}", data=REASON)
        assert response.status_code == 403
    task = open_task(session_factory, applicant.instance_id)
    assert designer_client.post(f"/operations/tasks/{task.id}/reassign",
                                data={**REASON, "target": OFFICE2[0]}).status_code == 403
    assert audit(session_factory, action.replace("-", "_")) == []
    assert instance_row(session_factory, applicant.instance_id).status == "running"


def test_an_unknown_instance_or_action_is_404(operator_client, applicant):
    assert operator_client.post("/operations/instances/9999/suspend", data=REASON).status_code == 404
    assert operator_client.post(f"/operations/instances/{applicant.instance_id}/delete",
                                data=REASON).status_code == 404


# --- suspend / resume -------------------------------------------------------------------------------------


def test_suspend_blocks_the_task_on_the_page_and_the_api_until_resumed(
        applicant, operator_client, office_client, client, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    response = act(operator_client, applicant.instance_id, "suspend", **REASON)
    assert "已挂起" in flashes(response)
    assert instance_row(session_factory, applicant.instance_id).status == "suspended"
    assert task.id not in inbox_ids(office_client)
    shown = office_client.get(f"/tasks/{task.id}", follow_redirects=True)
    assert any("挂起" in message for message in flashes(shown))
    refused = decide(office_client, task.id, "approve", follow_redirects=True)
    assert any("挂起" in message for message in flashes(refused))
    headers = api_token(client, "office@test.cn", "Office#123")
    answer = client.post(f"/api/v1/tasks/{task.id}", json={"decision": "approve"}, headers=headers)
    assert answer.status_code == 409 and answer.get_json()["error"]
    (row,) = audit(session_factory, "suspend")
    assert row.reason == REASON["reason"] and row.instance_id == applicant.instance_id
    act(operator_client, applicant.instance_id, "resume", reason="已核实")
    assert instance_row(session_factory, applicant.instance_id).status == "running"
    assert task.id in inbox_ids(office_client)


def test_a_missing_reason_is_refused_with_a_message_and_changes_nothing(applicant, operator_client,
                                                                        session_factory):
    response = act(operator_client, applicant.instance_id, "suspend", reason="  ")
    assert "请填写操作原因" in flashes(response)
    response = act(operator_client, applicant.instance_id, "suspend", reason="长" * 501)
    assert any("500" in message for message in flashes(response))
    assert instance_row(session_factory, applicant.instance_id).status == "running"
    assert audit(session_factory, "suspend") == []


class Reader:
    """Who renders the partial: an operator or not."""

    is_authenticated = True

    def __init__(self, role):
        self.role = role

    def has_role(self, role):
        return role == self.role


def render_actions(app, session_factory, instance_id, role="operator") -> str:
    from flask import render_template

    with app.test_request_context(), session_factory() as session:
        instance = session.get(ProcessInstance, instance_id)
        tasks = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                        HumanTask.state == "ready")).all()
        return render_template("operations/_actions.html", instance=instance, tasks=tasks,
                               current_user=Reader(role))


def test_the_partial_offers_the_actions_of_the_status_to_operators_only(app, applicant, operator_client,
                                                                        session_factory):
    html = page_of(render_actions(app, session_factory, applicant.instance_id))
    assert html.xpath("//form/@data-action") == ["suspend", "cancel"]  # on the current version: no 迁移
    task = open_task(session_factory, applicant.instance_id)
    assert html.xpath("//form/@data-reassign") == [str(task.id)]
    assert all(form.xpath(".//input[@name='reason'][@required]") for form in html.xpath("//form"))
    act(operator_client, applicant.instance_id, "suspend", **REASON)
    html = page_of(render_actions(app, session_factory, applicant.instance_id))
    assert html.xpath("//form/@data-action") == ["resume", "cancel"]
    assert render_actions(app, session_factory, applicant.instance_id, role="designer").strip() == ""


def page_of(html: str):
    from lxml import html as lxml_html

    return lxml_html.fromstring(f"<div>{html}</div>")


# --- cancel -----------------------------------------------------------------------------------------------


def test_cancel_tells_the_applicant_in_my_messages(applicant, operator_client, applicant_client, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    act(operator_client, applicant.instance_id, "cancel", reason="重复注册")
    assert instance_row(session_factory, applicant.instance_id).status == "cancelled"
    assert first(session_factory, select(HumanTask.state).where(HumanTask.id == task.id)) == "cancelled"
    notices = all_rows(session_factory, select(Message).where(Message.organization_id == applicant.organization_id))
    assert any("重复注册" in notice.body for notice in notices)
    assert len(audit(session_factory, "cancel")) == 1


# --- reassign -----------------------------------------------------------------------------------------------


def test_reassign_moves_the_task_to_the_named_user(applicant, operator_client, office_client, make_client,
                                                   session_factory):
    task = open_task(session_factory, applicant.instance_id)
    response = operator_client.post(f"/operations/tasks/{task.id}/reassign", follow_redirects=True,
                                    data={**REASON, "target_kind": "user", "target": OFFICE2[0]})
    assert "已转办" in flashes(response)
    assert task.id not in inbox_ids(office_client)
    assert task.id in inbox_ids(make_client(*OFFICE2))
    assert office_client.get(f"/tasks/{task.id}").status_code == 403
    (row,) = audit(session_factory, "reassign")
    assert row.human_task_id == task.id and row.details["after"]["user_id"] is not None


def test_reassign_refuses_a_user_without_the_role(applicant, other_enterprise, operator_client, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    response = operator_client.post(f"/operations/tasks/{task.id}/reassign", follow_redirects=True,
                                    data={**REASON, "target_kind": "user", "target": OTHER_EMAIL})
    assert any("角色" in message for message in flashes(response))
    response = operator_client.post(f"/operations/tasks/{task.id}/reassign", follow_redirects=True,
                                    data={**REASON, "target_kind": "user", "target": "nobody@test.cn"})
    assert any("nobody@test.cn" in message for message in flashes(response))
    assert first(session_factory, select(HumanTask.assignee_id).where(HumanTask.id == task.id)) is None


# --- a failing step: 出错, a message to the user, retry ------------------------------------------------------


def test_a_failing_service_leaves_the_instance_in_error_and_an_operator_retries_it(
        applicant, office_client, operator_client, session_factory, monkeypatch):
    task = open_task(session_factory, applicant.instance_id)
    working = registry["registration.approve"]

    def broken(context, task, **params):
        raise ConnectionError("短信网关不可用")

    monkeypatch.setitem(registry, "registration.approve", broken)
    response = decide(office_client, task.id, "approve", follow_redirects=True)
    assert response.status_code == 200
    assert any("运维人员" in message for message in flashes(response))
    instance = instance_row(session_factory, applicant.instance_id)
    assert instance.status == "error" and "短信网关不可用" in instance.error
    assert instance.error.split(":")[0] == "approve_registration"
    submitted = first(session_factory, select(HumanTask).where(HumanTask.id == task.id))
    assert submitted.state == "completed"  # the office's decision is kept
    shown = operator_client.get(f"/operations/instances/{instance.id}")
    assert "短信网关不可用" in shown.get_data(as_text=True)
    still = act(operator_client, instance.id, "retry", reason="再试一次")
    assert any("仍然出错" in message for message in flashes(still))
    monkeypatch.setitem(registry, "registration.approve", working)
    done = act(operator_client, instance.id, "retry", reason="短信网关已恢复")
    assert "已重试" in flashes(done)
    instance = instance_row(session_factory, instance.id)
    assert instance.status == "completed" and instance.error is None
    assert len(audit(session_factory, "retry")) == 2


def test_migrate_is_refused_when_already_on_the_current_version(applicant, operator_client, session_factory):
    response = act(operator_client, applicant.instance_id, "migrate", **REASON)
    assert any("当前版本" in message for message in flashes(response))
    assert audit(session_factory, "migrate") == []
