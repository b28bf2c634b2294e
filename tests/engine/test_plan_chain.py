"""pilot_enrollment → comparison_report → formal_plan, one business key, every path of the chain."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import runtime
from engine.domain import formal_plans, pilots, plans
from engine.domain.formal_plans import Draft
from storage.files import FileStore
from storage.models import HumanTask, Plan, ProcessInstance
from tests.engine.helpers import round_trip
from tests.factories import PDF_BYTES, active_member, office_user, pilot
from tests.steps import step_is

ROWS = [
    {"level1": "safety", "level2": "防撞击", "value": "10N", "basis": "ISO 12345-2020", "method": "GB/T 1234"},
    {"level1": "performance", "level2": "转速", "value": "650", "basis": "JIS 12345-2021", "method": "GB/T 1234"},
    {"level1": "low_carbon", "level2": "百公里耗电", "value": "4度", "basis": "GB 2233-2022", "method": "GB/T 1234"},
    {"level1": "smart", "level2": "定位误差", "value": "5米", "basis": "GB 2233-2022", "method": "GB/T 1234"},
]


def ready(session, form_key):
    return session.scalars(select(HumanTask).where(HumanTask.state == "ready",
                                                   step_is(form_key))).one()


def pdf(session, tmp_path, name):
    return FileStore(tmp_path).save(session, PDF_BYTES + name.encode(), name, "application/pdf")


def complete(session, form_key, user, apply):
    task = ready(session, form_key)
    runtime.complete_task(session, task, user.id, apply)
    session.commit()
    round_trip(session, session.get(ProcessInstance, task.instance_id))
    return task


@pytest.fixture
def approved_enrollment(deployed, tmp_path):
    office = office_user(deployed)
    institution = active_member(deployed, "inst@test.cn", "institution", "华标检测认证有限公司")
    target = pilot(deployed, office)
    pilots.enroll(deployed, institution, target, "", [pdf(deployed, tmp_path, "资质.pdf")])
    deployed.commit()
    complete(deployed, "review_enrollment", office, lambda ctx: pilots.decide(ctx, "approve", ""))
    return office, institution


def test_approved_institution_enrollment_opens_the_report(deployed, approved_enrollment):
    _office, institution = approved_enrollment
    task = ready(deployed, "draft_report")
    assert (task.role, task.organization_id, task.process_key) == (
        "institution", institution.organization_id, "comparison_report")
    plan = deployed.scalars(select(Plan)).one()
    assert (plan.status, task.instance.business_key) == ("report_drafting", f"enrollment:{plan.enrollment_id}")


def test_enterprise_enrollment_ends_there(deployed, tmp_path):
    office = office_user(deployed)
    enterprise = active_member(deployed, "ent@test.cn", "enterprise", "绿源电动车股份有限公司")
    pilots.enroll(deployed, enterprise, pilot(deployed, office, "enterprise"), "", [pdf(deployed, tmp_path, "a.pdf")])
    deployed.commit()
    complete(deployed, "review_enrollment", office, lambda ctx: pilots.decide(ctx, "approve", ""))
    assert deployed.scalars(select(HumanTask).where(HumanTask.state == "ready")).all() == []
    assert deployed.scalars(select(Plan)).all() == []


def test_report_then_formal_plan_into_publicity(deployed, tmp_path, approved_enrollment):
    office, institution = approved_enrollment
    with pytest.raises(plans.InputError):  # no report uploaded
        runtime.complete_task(deployed, ready(deployed, "draft_report"), institution.id,
                              lambda ctx: plans.submit_report(ctx, "两轮电动自行车对标方案", None))
    deployed.rollback()
    report = pdf(deployed, tmp_path, "比对分析报告.pdf")
    complete(deployed, "draft_report", institution,
             lambda ctx: plans.submit_report(ctx, "两轮电动自行车对标方案", report))
    complete(deployed, "review_report", office, lambda ctx: plans.decide(ctx, "return", "请补充国际标准比对"))
    assert ready(deployed, "draft_report").task_name == "correct_report"
    complete(deployed, "draft_report", institution,
             lambda ctx: plans.submit_report(ctx, "两轮电动自行车对标方案", None))
    complete(deployed, "review_report", office, lambda ctx: plans.decide(ctx, "approve", ""))
    plan = deployed.scalars(select(Plan)).one()
    assert plan.status == "plan_drafting"
    draft_task = ready(deployed, "draft_plan")
    assert (draft_task.process_key, draft_task.organization_id) == ("formal_plan", institution.organization_id)

    # 保存 keeps the draft and the task stays READY.
    formal_plans.save_draft(deployed, plan, Draft("T/ABC 001-2023", "两轮电动自行车评价标准", ROWS[:2], [],
                                                  {"standard_text": pdf(deployed, tmp_path, "标准文本.pdf")}),
                            institution.id)
    deployed.commit()
    assert ready(deployed, "draft_plan").id == draft_task.id
    assert [p for p, _ in formal_plans.problems(deployed, plan)] == ["indicators", "scheme", "explanation"]

    documents = {"scheme": pdf(deployed, tmp_path, "对标方案.pdf"),
                 "explanation": pdf(deployed, tmp_path, "编制说明.pdf")}
    complete(deployed, "draft_plan", institution, lambda ctx: formal_plans.submit(
        ctx, Draft("T/ABC 001-2023", "两轮电动自行车评价标准", ROWS, [], documents)))
    assert plan.status == "plan_review"
    complete(deployed, "review_plan", office, lambda ctx: plans.decide(ctx, "approve", ""))
    instance = deployed.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "formal_plan")).one()
    # Approval calls publicity: the instance now waits on the 公示 timer.
    assert (instance.status, instance.stage, plan.status) == ("waiting", "publicity", "publicity")
    submitted = plans.latest_submission(deployed, plan.id, "plan")
    assert [row["level2"] for row in submitted.data["indicators"]] == ["防撞击", "转速", "百公里耗电", "定位误差"]
    assert sorted(d.kind for d in submitted.documents) == ["explanation", "scheme", "standard_text"]


def test_plan_without_required_indicators_is_refused(deployed, tmp_path, approved_enrollment):
    office, institution = approved_enrollment
    complete(deployed, "draft_report", institution,
             lambda ctx: plans.submit_report(ctx, "方案", pdf(deployed, tmp_path, "r.pdf")))
    complete(deployed, "review_report", office, lambda ctx: plans.decide(ctx, "approve", ""))
    documents = {k: pdf(deployed, tmp_path, f"{k}.pdf") for k in formal_plans.PLAN_DOCUMENTS}
    with pytest.raises(formal_plans.PlanError, match="低碳"):
        runtime.complete_task(deployed, ready(deployed, "draft_plan"), institution.id, lambda ctx: formal_plans.submit(
            ctx, Draft("T/ABC 001-2023", "标准", ROWS[:2], [], documents)))
    deployed.rollback()
    assert ready(deployed, "draft_plan").state == "ready"


def test_co_drafters_see_the_plan(deployed, tmp_path, approved_enrollment):
    office, institution = approved_enrollment
    enterprise = active_member(deployed, "ent@test.cn", "enterprise", "绿源电动车股份有限公司")
    complete(deployed, "draft_report", institution,
             lambda ctx: plans.submit_report(ctx, "方案", pdf(deployed, tmp_path, "r.pdf")))
    complete(deployed, "review_report", office, lambda ctx: plans.decide(ctx, "approve", ""))
    plan = deployed.scalars(select(Plan)).one()
    assert plans.co_drafted_by(deployed, enterprise.organization_id) == []
    formal_plans.save_draft(deployed, plan, Draft("T/ABC 001-2023", "标准", ROWS, [enterprise.organization_id], {}),
                            institution.id)
    deployed.commit()
    assert plans.co_drafted_by(deployed, enterprise.organization_id) == [plan]
    assert [o.name for o in formal_plans.co_drafters_of(deployed, plan)] == ["绿源电动车股份有限公司"]


def test_report_reject_and_plan_withdraw_then_return(deployed, tmp_path, approved_enrollment):
    office, institution = approved_enrollment
    complete(deployed, "draft_report", institution,
             lambda ctx: plans.submit_report(ctx, "方案", pdf(deployed, tmp_path, "r.pdf")))
    review = ready(deployed, "review_report")
    runtime.send_message(deployed, review.instance, "withdraw_report", institution.id, must_cancel="review_report")
    deployed.commit()
    assert (review.instance.stage, ready(deployed, "draft_report").task_name) == ("withdrawn", "resubmit_report")
    complete(deployed, "draft_report", institution, lambda ctx: plans.submit_report(ctx, "方案", None))
    complete(deployed, "review_report", office, lambda ctx: plans.decide(ctx, "approve", ""))
    documents = {k: pdf(deployed, tmp_path, f"{k}.pdf") for k in formal_plans.PLAN_DOCUMENTS}
    draft = Draft("GB/T 1.1-2020", "标准", ROWS, [], documents)
    complete(deployed, "draft_plan", institution, lambda ctx: formal_plans.submit(ctx, draft))
    complete(deployed, "review_plan", office, lambda ctx: plans.decide(ctx, "return", "指标值偏低"))
    plan = deployed.scalars(select(Plan)).one()
    assert (ready(deployed, "draft_plan").task_name, plan.status) == ("correct_plan", "returned")
    assert [r["level2"] for r in formal_plans.draft_rows(deployed, plan)] == [r["level2"] for r in ROWS]
    complete(deployed, "draft_plan", institution, lambda ctx: formal_plans.submit(ctx, Draft(
        "GB/T 1.1-2020", "标准", ROWS, [], {})))
    instance = complete(deployed, "review_plan", office, lambda ctx: plans.decide(ctx, "reject", "不符合要求")).instance
    assert (instance.status, instance.stage, plan.status) == ("completed", "rejected", "rejected")
    assert [s.sequence for s in plans.history(deployed, plan.id, "plan")] == [2, 1]
