"""撤回 of a 信息变更: the change is dropped, the organisation keeps its approved values, 用户信息 takes a
new change and nothing waits in anybody's 待办."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Organization, ProcessInstance, User
from tests.webapp.helpers import (
    OTHER_EMAIL,
    field_errors,
    flashes,
    multipart,
    page,
    pdf,
    ready_tasks,
    text_of,
)


def organization(session_factory) -> Organization:
    with session_factory() as session:
        return session.scalars(select(User).where(User.email == OTHER_EMAIL)).one().organization


def profile_form(o: Organization, **overrides) -> dict:
    form = {"province_code": o.province_code, "city_code": o.city_code, "name": o.name, "contact": o.contact,
            "phone": o.phone, "credit_code": o.credit_code or "", "address": o.address or "",
            "founded_on": o.founded_on.isoformat() if o.founded_on else "", "website": ""}
    form.update(overrides)
    return form


def instances(session_factory) -> list[ProcessInstance]:
    with session_factory() as session:
        return list(session.scalars(select(ProcessInstance).order_by(ProcessInstance.id)))


def test_a_withdrawn_change_is_dropped_and_a_new_one_accepted(other_client, office_client, session_factory):
    before = organization(session_factory)
    form = profile_form(before, name="其他企业集团有限公司", business_license=pdf("新执照.pdf"))
    assert other_client.post("/account/profile", **multipart(form)).status_code == 302
    assert page(other_client.get("/account/profile")).xpath("//*[@data-pending-change]")

    withdrawn = other_client.post("/account/status/withdraw")
    assert withdrawn.status_code == 302
    status = other_client.get("/account/status")
    assert any("撤回" in f for f in flashes(status))
    assert "修改并重新提交" not in text_of(status)
    assert ready_tasks(session_factory) == []  # neither the office nor the applicant has a task left
    (instance,) = instances(session_factory)
    assert (instance.status, instance.stage) == ("completed", "withdrawn")  # at the BPMN's 信息变更已撤回 end

    shown = other_client.get("/account/profile")
    assert not page(shown).xpath("//*[@data-pending-change]")
    assert "新执照.pdf" not in text_of(shown)  # the document of the dropped change is not in force
    saved = organization(session_factory)
    assert (saved.name, saved.status) == (before.name, "active")

    again = other_client.post("/account/profile", data=profile_form(saved, name="又一个新名称有限公司"))
    assert again.status_code == 302, field_errors(again)
    assert [i.stage for i in instances(session_factory)] == ["withdrawn", "vetting"]
    assert page(other_client.get("/account/profile")).xpath("//*[@data-pending-change]")
    inbox = office_client.get("/tasks/")
    assert len(page(inbox).xpath("//tr[@data-task-id]")) == 1


def test_withdrawing_a_registration_still_asks_for_a_resubmission(applicant, applicant_client, session_factory):
    assert applicant_client.post("/account/status/withdraw").status_code == 302
    assert [t.task_name for t in ready_tasks(session_factory)] == ["resubmit_withdrawn"]
    assert "修改并重新提交" in text_of(applicant_client.get("/account/status"))


def test_account_status_agrees_with_the_current_state_after_a_return(
        office_client, applicant, applicant_client, session_factory):
    from tests.webapp.helpers import decide, open_task

    assert page(applicant_client.get("/account/status")).xpath("string(//*[@data-org-status])").strip() == "待审核"
    task = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, task.id, "return", "请补充营业执照").status_code == 302
    status = page(applicant_client.get("/account/status"))
    assert status.xpath("string(//*[@data-stage])").strip() == "已退回"
    assert status.xpath("string(//*[@data-org-status])").strip() == "已退回"
    assert status.xpath("//*[@data-returned]")


def test_the_offices_user_information_page_is_titled(office_client):
    response = office_client.get("/account/profile")
    assert response.status_code == 200
    assert page(response).xpath("string(//title)").startswith("用户信息")
    assert page(response).xpath("string(//h1)").strip() == "用户信息"


def test_withdrawing_a_change_is_confirmed_in_its_own_words(other_client, session_factory):
    form = profile_form(organization(session_factory), name="其他企业集团有限公司")
    assert other_client.post("/account/profile", data=form).status_code == 302
    (withdraw,) = page(other_client.get("/account/status")).xpath("//form[contains(@action, 'withdraw')]")
    assert withdraw.get("data-confirm") == "确定撤回本次信息变更？撤回后单位信息保持不变，可在用户信息中重新修改。"
    assert not page(other_client.get("/account/status")).xpath("//*[@onsubmit]")  # confirm.js asks, no inline JS
