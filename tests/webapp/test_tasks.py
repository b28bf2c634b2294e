"""待办, 已办, the 注册审核 form with the applicant's data and files, and the three decisions."""
from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select

from storage.models import HumanTask, Message, Organization, ProcessInstance, StoredFile
from tests.factories import PDF_BYTES
from tests.webapp.helpers import (
    APPLICANT_EMAIL,
    CJK,
    all_rows,
    decide,
    field_errors,
    first,
    flashes,
    open_task,
    outbox,
    page,
    text_of,
)


def organization(session_factory, organization_id: int) -> Organization:
    return first(session_factory, select(Organization).where(Organization.id == organization_id))


def instance(session_factory, instance_id: int) -> ProcessInstance:
    return first(session_factory, select(ProcessInstance).where(ProcessInstance.id == instance_id))


def task_state(session_factory, task_id: int) -> str:
    return first(session_factory, select(HumanTask).where(HumanTask.id == task_id)).state


def test_inbox_lists_the_vetting_tasks_with_the_pager(office_client, new_applicant):
    new_applicant()
    new_applicant("second@test.cn", name="广州第二科技有限公司", phone="13900000002")

    response = office_client.get("/tasks/")
    assert response.status_code == 200
    rows = page(response).xpath("//tr[@data-task-id]")
    assert len(rows) == 2
    texts = [" ".join(r.text_content().split()) for r in rows]
    assert all("注册审核" in t and "待审核" in t and "2026-11-02 09:30" in t for t in texts), texts
    assert sorted("深圳测试科技有限公司" in t for t in texts) == [False, True]
    assert sorted("广州第二科技有限公司" in t for t in texts) == [False, True]
    assert "当前 1 / 20 条, 共 2 条" in text_of(response)
    links = page(response).xpath("//tr[@data-task-id]//a/@href")
    assert links == [f"/tasks/{r.get('data-task-id')}" for r in rows]


def test_empty_inbox_and_done_list(office_client):
    inbox = office_client.get("/tasks/")
    assert "暂无待办事项" in text_of(inbox) and "当前 1 / 20 条, 共 0 条" in text_of(inbox)
    done = office_client.get("/tasks/done")
    assert "暂无已办事项" in text_of(done) and "共 0 条" in text_of(done)


def test_task_page_shows_the_applicant_data_in_china_time_and_a_download_link(
        office_client, applicant, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    response = office_client.get(f"/tasks/{task.id}")

    assert response.status_code == 200
    text = text_of(response)
    assert "注册审核：深圳测试科技有限公司" in text
    for shown in (APPLICANT_EMAIL, "企业用户", "广东省 深圳市", "深圳测试科技有限公司", "李四",
                  "13912345678", "第 1 次提交"):
        assert shown in text, shown
    # Submitted at 01:30 UTC, shown as 09:30 China time.
    assert "2026-11-02 09:30" in text and "01:30" not in text
    stored = first(session_factory, select(StoredFile))
    file_links = page(response).xpath("//a[@data-file-link]")
    assert [a.get("href") for a in file_links] == [f"/files/{stored.id}"]
    assert "营业执照：营业执照.pdf" in file_links[0].text_content()
    choices = {i.get("value"): i.getparent().text_content().strip()
               for i in page(response).xpath("//input[@name='decision']")}
    assert choices == {"approve": "通过", "return": "退回修改", "reject": "不予通过"}
    assert page(response).xpath("//textarea[@name='reason']")


def test_files_download_for_the_office_and_the_owner_only(
        office_client, applicant, applicant_client, other_client, client, session_factory):
    stored = first(session_factory, select(StoredFile))

    for browser in (office_client, applicant_client):
        with browser.get(f"/files/{stored.id}") as response:  # closes the file being sent
            assert response.status_code == 200
            assert response.data == PDF_BYTES and response.mimetype == "application/pdf"
            disposition = response.headers["Content-Disposition"]
            assert disposition.startswith("attachment") and quote("营业执照.pdf") in disposition

    assert other_client.get(f"/files/{stored.id}").status_code == 403
    assert client.get(f"/files/{stored.id}").status_code in (302, 401)
    assert office_client.get(f"/files/{stored.id + 100}").status_code == 404


def test_approve_activates_the_account(office_client, applicant, session_factory, make_client, app):
    task = open_task(session_factory, applicant.instance_id)
    response = decide(office_client, task.id, "approve")

    assert response.status_code == 302
    assert "提交成功" in flashes(office_client.get(response.headers["Location"], follow_redirects=True))
    assert organization(session_factory, applicant.organization_id).status == "active"
    row = instance(session_factory, applicant.instance_id)
    assert (row.status, row.stage) == ("completed", "approved")
    titles = [m.title for m in all_rows(session_factory, select(Message).where(Message.user_id.is_(None)))]
    assert titles == ["注册审核通过"]
    assert [m["to"] for m in outbox(app, "email") if "新待办" not in m["subject"]] == [APPLICANT_EMAIL]

    done = office_client.get("/tasks/done")
    rows = page(done).xpath("//tbody/tr")
    assert len(rows) == 1
    assert "注册审核" in rows[0].text_content() and "审核通过" in rows[0].text_content()
    assert "深圳测试科技有限公司" in rows[0].text_content()
    assert "当前 1 / 20 条, 共 1 条" in text_of(done)
    assert "共 0 条" in text_of(office_client.get("/tasks/"))

    applicant_browser = make_client(applicant.email, applicant.password)
    home = applicant_browser.get("/account/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/account/profile")
    assert applicant_browser.get("/account/profile").status_code == 200


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_return_or_reject_needs_a_reason(office_client, applicant, session_factory, decision):
    task = open_task(session_factory, applicant.instance_id)
    response = decide(office_client, task.id, decision, "   ")

    assert response.status_code == 422
    assert field_errors(response) == {"reason": ["退回修改或不予通过时须填写原因"]}
    assert task_state(session_factory, task.id) == "ready"
    assert instance(session_factory, applicant.instance_id).stage == "vetting"


def test_a_decision_must_be_chosen(office_client, applicant, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    response = office_client.post(f"/tasks/{task.id}", data={"reason": "x"})
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors.get("decision") and all(CJK.search(m) for m in errors["decision"]), errors
    assert task_state(session_factory, task.id) == "ready"


def test_save_on_a_task_that_keeps_no_drafts_is_refused_and_changes_nothing(office_client, applicant,
                                                                           session_factory):
    task = open_task(session_factory, applicant.instance_id)
    response = office_client.post(f"/tasks/{task.id}", data={"action": "save", "decision": "approve"})
    assert response.status_code == 400
    assert task_state(session_factory, task.id) == "ready"


def test_an_unknown_decision_is_refused_in_chinese(office_client, applicant, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    response = decide(office_client, task.id, "maybe", "x")
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors.get("decision") and all(CJK.search(m) for m in errors["decision"]), errors
    assert task_state(session_factory, task.id) == "ready"


def test_return_with_a_reason_opens_the_correction_task(office_client, applicant, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, task.id, "return", "营业执照不清晰").status_code == 302

    row = instance(session_factory, applicant.instance_id)
    assert (row.status, row.stage) == ("running", "returned")
    correction = open_task(session_factory, applicant.instance_id)
    assert (correction.task_name, correction.role, correction.organization_id) == (
        "correct_registration", "applicant", applicant.organization_id)
    assert organization(session_factory, applicant.organization_id).status == "pending"
    assert "共 0 条" in text_of(office_client.get("/tasks/"))


def test_reject_with_a_reason_closes_the_account(office_client, applicant, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, task.id, "reject", "材料不实").status_code == 302

    assert organization(session_factory, applicant.organization_id).status == "rejected"
    row = instance(session_factory, applicant.instance_id)
    assert (row.status, row.stage) == ("completed", "rejected")
    message = first(session_factory, select(Message).where(Message.user_id.is_(None)))
    assert message.title == "注册申请不予通过" and "材料不实" in message.body


def test_a_handled_task_cannot_be_handled_again(office_client, applicant, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    decide(office_client, task.id, "approve")

    again = decide(office_client, task.id, "reject", "改主意了")
    assert again.status_code == 302 and again.headers["Location"].endswith("/tasks/")
    assert "该任务已被处理" in flashes(office_client.get("/tasks/"))
    assert organization(session_factory, applicant.organization_id).status == "active"
    shown = office_client.get(f"/tasks/{task.id}")
    assert shown.status_code == 302


def test_unknown_task_is_404(office_client):
    assert office_client.get("/tasks/999999").status_code == 404


def test_after_submit_names_real_form_keys_and_pages(app):
    from flask import url_for

    from forms.tasks import TASK_FORMS
    from webapp.tasks import AFTER_SUBMIT

    assert set(AFTER_SUBMIT) <= set(TASK_FORMS)
    with app.test_request_context():
        assert {key: url_for(endpoint) for key, endpoint in AFTER_SUBMIT.items()} == {
            "correct_registration": "/account/status", "correct_enrollment": "/my/enrollments",
            "draft_report": "/my/plans", "draft_plan": "/my/plans", "correct_application": "/my/enrollments",
            "evaluate_application": "/my/evaluations"}
