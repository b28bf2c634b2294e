"""Who may open what: pending and rejected accounts, and other organisations' tasks."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import HumanTask
from tests.webapp.helpers import (
    decide,
    first,
    multipart,
    open_task,
    page,
    text_of,
    unread_badge,
)

PAGES_OF_AN_UNAPPROVED_ACCOUNT = ["/account/status", "/account/messages", "/account/password"]


def side_menu(response) -> list[str]:
    return [" ".join(a.text_content().split()) for a in page(response).xpath("//nav[@class='side-menu']/a")]


def task_state(session_factory, task_id: int) -> str:
    return first(session_factory, select(HumanTask).where(HumanTask.id == task_id)).state


def test_a_pending_account_sees_its_status_and_messages_only(applicant_client):
    for url in PAGES_OF_AN_UNAPPROVED_ACCOUNT:
        assert applicant_client.get(url).status_code == 200, url
    for url in ("/account/profile", "/account/", "/tasks/", "/tasks/done", "/tasks/done/1"):
        response = applicant_client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].endswith("/account/status"), url

    status = applicant_client.get("/account/status")
    assert "帐号审核通过前，您只能查看注册状态和“我的消息”。" in text_of(status)
    menu = side_menu(status)
    assert "注册状态" in menu and "我的消息" in menu
    assert "用户信息" not in menu and "待办" not in menu


def test_a_rejected_account_sees_its_status_and_the_reason(
        office_client, applicant, applicant_client, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, task.id, "reject", "营业执照与单位名称不符").status_code == 302

    status = applicant_client.get("/account/status")
    assert page(status).xpath("string(//*[@data-org-status])").strip() == "不予通过"
    assert "营业执照与单位名称不符" in text_of(status)
    assert unread_badge(status) == "1"
    for url in PAGES_OF_AN_UNAPPROVED_ACCOUNT:
        assert applicant_client.get(url).status_code == 200, url
    response = applicant_client.get("/account/profile")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/status")
    messages = text_of(applicant_client.get("/account/messages"))
    assert "注册申请不予通过" in messages and "营业执照与单位名称不符" in messages
    assert "修改并重新提交" not in text_of(status)


def test_office_only_pages_need_a_login(client):
    for url in ("/tasks/", "/tasks/done", "/account/status", "/account/profile", "/account/messages"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


@pytest.mark.parametrize("method", ["get", "post"])
def test_another_enterprise_cannot_open_the_office_task(
        other_client, applicant_client, applicant, session_factory, method):
    task = open_task(session_factory, applicant.instance_id)
    for browser in (other_client, applicant_client):
        response = getattr(browser, method)(f"/tasks/{task.id}", data={"decision": "approve"})
        assert response.status_code == 403
        assert "您无权访问该页面" in text_of(response)
    assert task_state(session_factory, task.id) == "ready"


@pytest.mark.parametrize("method", ["get", "post"])
def test_nobody_else_may_open_an_applicants_correction_task(
        office_client, applicant, new_applicant, make_client, session_factory, method):
    decide(office_client, open_task(session_factory, applicant.instance_id).id, "return", "请补充")
    correction = open_task(session_factory, applicant.instance_id)
    rival = new_applicant("rival@test.cn", name="另一家申请企业", phone="13900000009")
    rival_client = make_client(rival.email, rival.password)

    form = {"province_code": "440000", "city_code": "440300", "name": "被冒名修改", "contact": "某人",
            "phone": "13900000009"}
    for browser in (rival_client, office_client):
        if method == "get":
            response = browser.get(f"/tasks/{correction.id}")
        else:
            response = browser.post(f"/tasks/{correction.id}", **multipart(form))
        assert response.status_code == 403
    assert task_state(session_factory, correction.id) == "ready"
