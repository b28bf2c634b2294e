"""我参与的 and 我的方案 of an institution: 当前状态 follows the work an approved enrolment opened
(比对分析报告, then the formal plan, 公示, 发布) instead of staying 审核通过, a return shows as 已退回
with the office's 退回原因, and 我参与的 reads a bounded number of statements whatever its rows."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import HumanTask, ProcessInstance
from tests.steps import step_is
from tests.webapp.helpers import decide, field_errors, first, multipart, open_task, page, pdf, statements_of
from tests.webapp.pilot_flow import (
    enrolled,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    make_pilot,
    my_row,
    my_stage,
    recruiting_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    APPROVED_AT,
    PLAN_NAME,
    REASON,
    REPORT,
    approved_fixture,  # noqa: F401
    end_publicity,
    plan_form,
    plan_row,
    plan_status,
    post_plan,
    ready,
    report_form,
    submit_report,
)

PLAN_REASON = "指标值与比对分析报告不一致，请核对"


def _both(institution_client, session_factory) -> tuple[str, str, str, str]:
    """(我参与的 当前状态, its 退回原因 line, 我的方案 当前状态, its 退回原因 line) of the one plan."""
    plan = plan_row(session_factory)
    mine = institution_client.get("/my/enrollments")
    plans = institution_client.get("/my/plans")
    assert mine.status_code == 200 and plans.status_code == 200
    row = my_row(mine, plan.enrollment_id)
    (plan_tr,) = page(plans).xpath(f"//tr[@data-plan-id='{plan.id}']")
    return (my_stage(mine, plan.enrollment_id), " ".join(row.xpath("string(.//*[@data-return-reason])").split()),
            plan_status(plans, plan.id), " ".join(plan_tr.xpath("string(.//*[@data-return-reason])").split()))


def test_the_current_state_follows_the_report_and_the_plan_through_returns_to_publication(
        app, approved, institution_client, office_client, session_factory, frozen_clock):
    def shown():
        return _both(institution_client, session_factory)

    assert shown() == ("待编制方案", "", "待编制方案", "")
    submit_report(institution_client, session_factory)
    assert shown() == ("比对分析报告审核中", "", "比对分析报告审核中", "")

    assert decide(office_client, ready(session_factory, "review_report").id, "return", REASON).status_code == 302
    returned = f"退回原因：{REASON}"
    assert shown() == ("已退回（比对分析报告）", returned, "已退回（比对分析报告）", returned)
    correction = ready(session_factory, "draft_report")
    response = institution_client.post(f"/tasks/{correction.id}", **multipart({"name": PLAN_NAME}))
    assert response.status_code == 302, field_errors(response)
    assert shown() == ("比对分析报告审核中", "", "比对分析报告审核中", "")

    assert decide(office_client, ready(session_factory, "review_report").id, "approve").status_code == 302
    assert shown() == ("方案编制中", "", "方案编制中", "")
    assert post_plan(institution_client, ready(session_factory, "draft_plan").id, plan_form()).status_code == 302
    assert shown() == ("正式版审核中", "", "正式版审核中", "")

    assert decide(office_client, ready(session_factory, "review_plan").id, "return", PLAN_REASON).status_code == 302
    returned = f"退回原因：{PLAN_REASON}"
    assert shown() == ("已退回（正式版）", returned, "已退回（正式版）", returned)
    response = post_plan(institution_client, ready(session_factory, "draft_plan").id, plan_form(files=()))
    assert response.status_code == 302, field_errors(response)
    assert shown() == ("正式版审核中", "", "正式版审核中", "")

    frozen_clock.set_now(APPROVED_AT)
    assert decide(office_client, ready(session_factory, "review_plan").id, "approve").status_code == 302
    assert shown() == ("公示中", "", "公示中", "")
    end_publicity(app, frozen_clock, session_factory)
    assert shown() == ("发布", "", "发布", "")


def test_a_withdrawn_report_shows_as_withdrawn_not_as_never_started(
        approved, institution_client, session_factory):
    submit_report(institution_client, session_factory)
    response = institution_client.post(f"/my/plans/{approved}/withdraw")
    assert response.status_code == 302
    assert ready(session_factory, "draft_report").task_name == "resubmit_report"
    assert _both(institution_client, session_factory) == ("已撤回（比对分析报告）", "", "已撤回（比对分析报告）", "")


def _approved_in_new_pilot(title, institution, institution_client, office, office_client, session_factory) -> int:
    pilot_id = make_pilot(session_factory, office, title=title)
    enrollment = enrolled(institution_client, session_factory, pilot_id, institution)
    assert decide(office_client, open_task(session_factory, enrollment.instance_id).id, "approve").status_code == 302
    return enrollment.id


def _task_of(session_factory, enrollment_id: int, form_key: str) -> HumanTask:
    return first(session_factory, select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                 .where(ProcessInstance.business_key == f"enrollment:{enrollment_id}",
                        HumanTask.state == "ready", step_is(form_key)))


def test_my_enrollments_reads_as_many_statements_for_four_enrolments_as_for_one(
        app, institution, institution_client, office, office_client, session_factory):
    """The plans and their last decisions come for the whole page at once, not per row."""
    def my_enrollments():
        return statements_of(app, institution_client, "/my/enrollments")

    def new_enrolment(title: str) -> int:
        return _approved_in_new_pilot(title, institution, institution_client, office, office_client, session_factory)

    def file_report(enrollment_id: int) -> None:
        task = _task_of(session_factory, enrollment_id, "draft_report")
        response = institution_client.post(f"/tasks/{task.id}", **multipart(
            report_form(PLAN_NAME, pdf("比对分析报告.pdf", REPORT))))
        assert response.status_code == 302, field_errors(response)

    first_enrollment = new_enrolment("智能门锁产品试点第三方技术机构招募")
    one, one_statements = my_enrollments()
    assert my_stage(one, first_enrollment) == "待编制方案"

    in_review = new_enrolment("扫地机器人产品试点第三方技术机构招募")
    file_report(in_review)
    returned = new_enrolment("电动汽车充电桩产品试点第三方技术机构招募")
    file_report(returned)
    review = _task_of(session_factory, returned, "review_report")
    assert decide(office_client, review.id, "return", REASON).status_code == 302
    pending = make_pilot(session_factory, office, title="空气净化器产品试点第三方技术机构招募")
    waiting = enrolled(institution_client, session_factory, pending, institution).id  # not decided yet
    four, four_statements = my_enrollments()

    assert [my_stage(four, e) for e in (first_enrollment, in_review, returned, waiting)] == [
        "待编制方案", "比对分析报告审核中", "已退回（比对分析报告）", "待审核"]
    assert REASON in my_row(four, returned).xpath("string(.//*[@data-return-reason])")
    assert len(four_statements) == len(one_statements), "\n".join(s[:100].replace("\n", " ") for s in four_statements)
