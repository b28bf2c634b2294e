"""对标标准 for enterprises: 方案编制 (a plan an enterprise drafts itself in a pilot it is part of), 我编制的,
the same comparison_report → formal_plan → 公示 as an institution's plan, then the public 对标方案 and
参与达标 against it; who may see and touch it; the 对标标准 groups of the sidebar."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.domain.enterprise_plans import ALREADY, NOT_PART
from storage.models import Message, Plan, ProcessInstance, StoredFile
from tests.webapp.compliance_flow import (  # noqa: F401  (fixtures)
    applied,
    enterprise_client_fixture,
    second_enterprise_client_fixture,
    second_enterprise_fixture,
)
from tests.webapp.helpers import all_rows, count, decide, field_errors, first, multipart, page, pdf, text_of
from tests.webapp.pilot_flow import (  # noqa: F401  (fixtures)
    ENTERPRISE_NAME,
    ENTERPRISE_PILOT,
    enroll,
    enterprise_fixture,
    enterprise_pilot_fixture,
    institution_client_fixture,
    institution_fixture,
    recruiting_fixture,
)
from tests.webapp.plan_flow import (
    APPROVED_AT,
    REPORT,
    end_publicity,
    plan_cells,
    plan_form,
    plan_status,
    post_plan,
    ready,
)

PLAN_NAME = "两轮电动自行车企业对标方案"
NEW = "/my/drafted-plans/new"
DRAFTED = "/my/drafted-plans"


def new_plan_form(pilot_id, name: str | None = PLAN_NAME, report=True) -> dict:
    form = {"pilot": str(pilot_id)}
    if name is not None:
        form["name"] = name
    if report:
        form["comparison_report"] = pdf("比对分析报告.pdf", REPORT)
    return form


def post_new(client, pilot_id, **kw):
    return client.post(NEW, **multipart(new_plan_form(pilot_id, **kw)))


def approve_enrollment(office_client, session_factory) -> None:
    response = decide(office_client, ready(session_factory, "review_enrollment").id, "approve")
    assert response.status_code == 302, field_errors(response)


def pilot_options(response) -> list[str]:
    return [" ".join(o.text_content().split()) for o in page(response).xpath("//select[@name='pilot']/option")
            if o.get("value")]


def menu_group(response, title: str) -> list[str]:
    """The sidebar links under the group ``title``, in order."""
    links, inside = [], False
    for element in page(response).xpath("//nav[contains(@class,'side-menu')]/*"):
        if "side-menu-title" in (element.get("class") or ""):
            inside = element.text_content().strip() == title
        elif inside and element.tag == "a":
            links.append(element.text_content().strip())
    return links


def nothing_started(session_factory, files_before: int) -> bool:
    return (count(session_factory, Plan) == 0 and count(session_factory, StoredFile) == files_before
            and first(session_factory, select(ProcessInstance).where(
                ProcessInstance.process_key == "comparison_report")) is None)


@pytest.fixture(name="part_of")
def part_of_fixture(enterprise, enterprise_client, enterprise_pilot, office_client, session_factory) -> int:
    """The enterprise enrolled in the enterprise pilot and the office approved it: the pilot's id."""
    assert enroll(enterprise_client, enterprise_pilot).status_code == 302
    approve_enrollment(office_client, session_factory)
    return enterprise_pilot


@pytest.fixture(name="started")
def started_fixture(part_of, enterprise_client, session_factory) -> int:
    """方案编制 done: the enterprise's plan, its 比对分析报告 with the office."""
    response = post_new(enterprise_client, part_of)
    assert response.status_code == 302, (field_errors(response), text_of(response))
    assert response.headers["Location"] == DRAFTED
    (plan,) = all_rows(session_factory, select(Plan))
    return plan.id


def test_the_new_plan_page_offers_the_pilots_the_enterprise_is_part_of(
        enterprise, enterprise_client, enterprise_pilot, office_client, session_factory):
    response = enterprise_client.get(NEW)
    assert response.status_code == 200 and page(response).xpath("//*[@data-no-pilot]")
    assert enroll(enterprise_client, enterprise_pilot).status_code == 302
    assert page(enterprise_client.get(NEW)).xpath("//*[@data-no-pilot]")  # waiting for the office: not yet
    approve_enrollment(office_client, session_factory)
    response = enterprise_client.get(NEW)
    assert pilot_options(response) == [f"{ENTERPRISE_PILOT}（两轮电动自行车）"]
    assert page(response).xpath("//input[@name='name'] | //input[@name='comparison_report' and @type='file']")


def test_drafting_in_a_pilot_the_enterprise_is_not_part_of_is_refused(
        enterprise, enterprise_client, enterprise_pilot, recruiting, second_enterprise_client, session_factory):
    assert enroll(enterprise_client, enterprise_pilot).status_code == 302  # pending: not part of it yet
    files = count(session_factory, StoredFile)
    for client, pilot_id in ((enterprise_client, enterprise_pilot), (second_enterprise_client, enterprise_pilot),
                             (enterprise_client, recruiting), (enterprise_client, 99999)):
        response = post_new(client, pilot_id)
        assert response.status_code == 422
        assert field_errors(response) == {"pilot": [NOT_PART]}
    assert nothing_started(session_factory, files)


def test_a_missing_name_or_report_is_named_at_its_field(part_of, enterprise_client, session_factory):
    files = count(session_factory, StoredFile)
    response = post_new(enterprise_client, part_of, name=None, report=False)
    assert response.status_code == 422
    assert field_errors(response) == {"name": ["请填写对标方案名称"],
                                      "comparison_report": ["请上传比对分析报告（PDF）"]}
    assert field_errors(post_new(enterprise_client, "", name=PLAN_NAME)) == {"pilot": ["请选择试点"]}
    assert nothing_started(session_factory, files)


def test_one_plan_per_pilot(started, part_of, enterprise_client, session_factory):
    response = post_new(enterprise_client, part_of, name="第二个方案")
    assert (response.status_code, field_errors(response)) == (422, {"pilot": [ALREADY]})
    assert count(session_factory, Plan) == 1
    assert page(enterprise_client.get(NEW)).xpath("//*[@data-no-pilot]")


def test_an_enterprise_drafts_and_publishes_its_own_plan(
        app, frozen_clock, started, enterprise, enterprise_client, office_client, institution,
        second_enterprise, second_enterprise_client, client, session_factory):
    response = enterprise_client.get(DRAFTED)
    assert page(response).xpath("string(//h1)").strip() == "我编制的"
    assert plan_status(response, started) == "比对分析报告审核中"
    assert page(response).xpath(f"//form[@action='/my/plans/{started}/withdraw']")
    enrollment_id = first(session_factory, select(Plan)).enrollment_id  # 我参与的 shows where the plan stands
    assert page(enterprise_client.get("/my/enrollments")).xpath(
        f"//tr[@data-enrollment-id='{enrollment_id}']//span/@data-stage") == ["report_review"]
    assert decide(office_client, ready(session_factory, "review_report").id, "approve").status_code == 302

    draft = ready(session_factory, "draft_plan")
    assert (draft.role, draft.organization_id) == ("enterprise", enterprise.organization_id)
    assert "提交正式版" in plan_cells(enterprise_client.get(DRAFTED), started)[-1]
    response = post_plan(enterprise_client, draft.id, plan_form())
    assert response.status_code == 302, field_errors(response)
    assert response.headers["Location"] == DRAFTED
    frozen_clock.set_now(APPROVED_AT)
    assert decide(office_client, ready(session_factory, "review_plan").id, "approve").status_code == 302
    assert plan_status(enterprise_client.get(DRAFTED), started) == "公示中"
    end_publicity(app, frozen_clock, session_factory)

    listing = client.get("/plans/")
    (row,) = page(listing).xpath(f"//tr[.//a[contains(@href, '/plans/{started}')]]")
    assert ENTERPRISE_NAME in row.text_content() and "发布" in row.text_content()
    detail = client.get(f"/plans/{started}")
    assert page(detail).xpath("string(//*[@data-drafter-kind])").strip() == "企业自行编制"
    assert ENTERPRISE_NAME in text_of(detail)
    notices = all_rows(session_factory, select(Message).where(Message.organization_id == enterprise.organization_id,
                                                              Message.title == "对标方案已发布"))
    assert [m.link for m in notices] == [DRAFTED]

    # 参与达标 against it, with any active institution to evaluate.
    application = applied(second_enterprise_client, session_factory, started, institution.organization_id)
    assert ready(session_factory, "evaluate_application").organization_id == institution.organization_id
    assert application.plan_id == started


def test_other_enterprises_cannot_see_or_touch_the_plan(started, enterprise_client, second_enterprise_client,
                                                        institution_client, session_factory):
    assert f"data-plan-id=\"{started}\"" not in second_enterprise_client.get(DRAFTED).get_data(as_text=True)
    assert second_enterprise_client.post(f"/my/plans/{started}/withdraw").status_code == 404
    assert institution_client.post(f"/my/plans/{started}/withdraw").status_code == 404
    review = ready(session_factory, "review_report")
    assert review.state == "ready"
    response = enterprise_client.post(f"/my/plans/{started}/withdraw")
    assert (response.status_code, response.headers["Location"]) == (302, DRAFTED)
    task = ready(session_factory, "draft_report")
    assert (task.task_name, task.role) == ("resubmit_report_enterprise", "enterprise")
    assert second_enterprise_client.get(f"/tasks/{task.id}").status_code == 403
    assert institution_client.get(f"/tasks/{task.id}").status_code == 403
    assert enterprise_client.get(f"/tasks/{task.id}").status_code == 200


def test_the_drafting_enterprise_is_not_its_own_co_drafter(started, enterprise, enterprise_client, office_client,
                                                           second_enterprise, session_factory):
    assert decide(office_client, ready(session_factory, "review_report").id, "approve").status_code == 302
    draft = ready(session_factory, "draft_plan")
    response = post_plan(enterprise_client, draft.id, plan_form(co_drafters=[str(enterprise.organization_id)]))
    assert response.status_code == 422
    assert field_errors(response) == {"co_drafters": ["编制单位本身不能作为参编单位"]}
    options = enterprise_client.get("/my/plans/co-drafter-options.json?q=有限公司").get_json()
    assert [o["id"] for o in options] == [second_enterprise.organization_id]
    response = post_plan(enterprise_client, draft.id, plan_form(co_drafters=[str(second_enterprise.organization_id)]))
    assert response.status_code == 302, field_errors(response)


def test_the_sidebars_group_the_plan_items_under_benchmark_standards(enterprise_client, institution_client):
    assert menu_group(enterprise_client.get(DRAFTED), "对标标准") == ["方案编制", "我编制的", "我参编的", "修订意见"]
    assert "我的方案" not in menu_group(enterprise_client.get(DRAFTED), "升级试点")
    response = institution_client.get("/my/plans")
    assert response.status_code == 200 and page(response).xpath("string(//h1)").strip() == "我的方案"
    assert menu_group(response, "对标标准") == ["我的方案"]
    assert menu_group(response, "升级试点") == ["正在招募", "对标方案", "我参与的", "达标产品评价"]


def test_the_enterprise_pages_are_the_enterprises_and_my_plans_the_institutions(
        enterprise_client, institution_client):
    assert enterprise_client.get("/my/plans").status_code == 403
    assert institution_client.get(DRAFTED).status_code == 403
    assert institution_client.get(NEW).status_code == 403
    assert institution_client.post(NEW).status_code == 403
