"""Told when work arrives, on the pages: the institution's 我的消息 and e-mail the moment an application is
addressed to it; 消息设置; the step bar and 办理记录 on the pages of an application, a registration, an
enrolment and a task."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import HumanTask, NotificationPreference
from tests.webapp.compliance_flow import (
    application_fixture,  # noqa: F401
    enterprise_client_fixture,  # noqa: F401
    published_fixture,  # noqa: F401
)
from tests.webapp.helpers import all_rows, first, outbox, page, text_of
from tests.webapp.pilot_flow import (
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import approved_fixture, drafting_fixture  # noqa: F401

NEW_TASK = "【全国对标达标信息服务平台】新待办"


def steps(response, process_key: str) -> list[tuple[str, str]]:
    bar = page(response).xpath(f"//*[@data-step-bar='{process_key}']")
    assert len(bar) == 1, process_key
    return [(" ".join(li.text_content().split()), li.get("data-step")) for li in bar[0].xpath(".//li[@data-step]")]


def test_the_institution_is_told_the_moment_an_application_is_addressed_to_it(
        app, application, institution, institution_client, rival_client, rival, enterprise_client, enterprise,
        session_factory):
    task = first(session_factory, select(HumanTask).where(HumanTask.instance_id == application.instance_id,
                                                          HumanTask.state == "ready"))
    shown = institution_client.get("/account/messages")
    [entry] = [e for e in page(shown).xpath("//*[@data-message]") if NEW_TASK in e.text_content()]
    assert "达标产品评价" in entry.text_content() and application.product_model in entry.text_content()
    assert entry.xpath(".//a/@href") == [f"/tasks/{task.id}"]
    mails = [m for m in outbox(app, "email") if m["subject"].startswith(NEW_TASK)]
    assert [m["to"] for m in mails if "达标产品评价" in m["subject"]] == [institution.email]
    # The rival institution and the enterprise that filed it are not told.
    assert NEW_TASK + "：达标产品评价" not in text_of(rival_client.get("/account/messages"))
    assert NEW_TASK + "：达标产品评价" not in text_of(enterprise_client.get("/account/messages"))
    assert rival.email not in [m["to"] for m in mails] and enterprise.email not in [m["to"] for m in mails]


def test_the_application_page_and_the_task_page_show_where_it_stands(application, institution_client, enterprise,
                                                                     enterprise_client, session_factory):
    detail = enterprise_client.get(f"/my/applications/{application.id}")
    assert steps(detail, "compliance_review") == [
        ("待机构审核", "current"), ("待专项办审核", "next"), ("已发证", "next")]
    [filed] = page(detail).xpath("//table[@data-decisions]/tbody/tr")  # 办理记录: who filed it, and when
    assert "参与达标" in filed.text_content() and "提交" in filed.text_content()
    assert enterprise.email in filed.text_content()
    task = first(session_factory, select(HumanTask).where(HumanTask.instance_id == application.instance_id,
                                                          HumanTask.state == "ready"))
    shown = institution_client.get(f"/tasks/{task.id}")
    assert steps(shown, "compliance_review")[0] == ("待机构审核", "current")
    assert len(page(shown).xpath("//table[@data-decisions]")) <= 1  # the page's own 办理记录, not twice


def test_an_enrolment_shows_its_chain(approved, institution_client, session_factory):
    """An approved enrolment's 编制方案 page: the enrolment's bar done, the report's current."""
    task = first(session_factory, select(HumanTask).where(HumanTask.state == "ready",
                                                          HumanTask.form_key == "draft_report"))
    shown = institution_client.get(f"/tasks/{task.id}")
    assert steps(shown, "pilot_enrollment") == [("✓ 待审核", "done"), ("✓ 审核通过", "done")]
    assert steps(shown, "comparison_report")[0] == ("待编制方案", "current")


def test_the_registration_status_page_shows_the_bar(applicant_client):
    shown = applicant_client.get("/account/status")
    assert steps(shown, "registration_vetting") == [("待审核", "current"), ("审核通过", "next")]
    assert not page(shown).xpath("//table[@data-decisions]")  # the page lists its submissions itself


def test_notification_settings_are_kept_per_user(institution, institution_client, session_factory):
    shown = institution_client.get("/account/notifications")
    assert shown.status_code == 200
    boxes = page(shown).xpath("//form[@data-notification-settings]//input[@type='checkbox']")
    assert [(b.get("name"), b.get("checked") is not None) for b in boxes] == [
        ("new_task", True), ("daily_digest", True), ("outcomes", True)]
    assert "消息设置" in text_of(institution_client.get("/account/messages"))  # in the 用户中心 menu
    response = institution_client.post("/account/notifications", data={"daily_digest": "y"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/notifications"
    [row] = all_rows(session_factory, select(NotificationPreference))
    assert (row.user_id, row.new_task, row.daily_digest, row.outcomes) == (institution.user_id, False, True, False)
    shown = institution_client.get("/account/notifications")
    boxes = page(shown).xpath("//form[@data-notification-settings]//input[@type='checkbox']")
    assert [b.get("checked") is not None for b in boxes] == [False, True, False]
