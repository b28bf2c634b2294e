"""An enterprise drafts a plan itself: the enrolment it must have, then comparison_report → formal_plan →
公示 with the drafting steps in the enterprise lane (the BPMN's 编制单位 gateways), into the public list."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import timers
from engine.domain import catalog, enterprise_plans, formal_plans, pilots, plans, publicity
from engine.domain.errors import InputError
from engine.domain.formal_plans import Draft
from storage.models import HumanTask, Message, Plan, ProcessInstance
from tests.engine.test_plan_chain import ROWS, complete, pdf, ready
from tests.factories import active_member, office_user, pilot

ENTERPRISE = "绿源电动车股份有限公司"


def instances(session) -> int:
    return session.scalar(select(func.count(ProcessInstance.id)))


@pytest.fixture
def enrolled(deployed, tmp_path):
    """An enterprise enrolled in an enterprise pilot (not yet approved), the office and the pilot."""
    office = office_user(deployed)
    enterprise = active_member(deployed, "ent@test.cn", "enterprise", ENTERPRISE)
    target = pilot(deployed, office, "enterprise")
    pilots.enroll(deployed, enterprise, target, "", [pdf(deployed, tmp_path, "资质.pdf")])
    deployed.commit()
    return office, enterprise, target


def test_only_an_approved_enrolment_makes_an_enterprise_part_of_a_pilot(deployed, enrolled):
    office, enterprise, target = enrolled
    other = active_member(deployed, "ent2@test.cn", "enterprise", "其他企业有限公司")
    institution = active_member(deployed, "inst@test.cn", "institution", "华标检测认证有限公司")
    deployed.commit()
    before = instances(deployed)
    for user in (enterprise, other, institution):  # pending; never enrolled; not an enterprise
        with pytest.raises(InputError) as refused:
            enterprise_plans.open_plan(deployed, user, target.id)
        assert refused.value.field == "pilot"
        deployed.rollback()
    assert (deployed.scalars(select(Plan)).all(), instances(deployed)) == ([], before)
    assert enterprise_plans.draftable(deployed, enterprise.organization_id) == []
    complete(deployed, "review_enrollment", office, lambda ctx: pilots.decide(ctx, "approve", ""))
    assert [p.id for p in enterprise_plans.draftable(deployed, enterprise.organization_id)] == [target.id]
    assert enterprise_plans.draftable(deployed, other.organization_id) == []


def test_an_enterprise_plan_goes_through_publicity_to_the_public_list(
        deployed, session_factory, tmp_path, enrolled, frozen_clock):
    office, enterprise, target = enrolled
    complete(deployed, "review_enrollment", office, lambda ctx: pilots.decide(ctx, "approve", ""))
    plan = enterprise_plans.open_plan(deployed, enterprise, target.id)
    deployed.commit()
    task = ready(deployed, "draft_report")
    assert (task.role, task.organization_id, task.task_name) == (
        "enterprise", enterprise.organization_id, "draft_report_enterprise")
    with pytest.raises(InputError):
        enterprise_plans.open_plan(deployed, enterprise, target.id)  # one plan per pilot
    deployed.rollback()

    complete(deployed, "draft_report", enterprise,
             lambda ctx: plans.submit_report(ctx, "企业对标方案", pdf(deployed, tmp_path, "比对分析报告.pdf")))
    complete(deployed, "review_report", office, lambda ctx: plans.decide(ctx, "return", "请补充比对"))
    assert ready(deployed, "draft_report").task_name == "correct_report_enterprise"
    complete(deployed, "draft_report", enterprise, lambda ctx: plans.submit_report(ctx, "企业对标方案", None))
    complete(deployed, "review_report", office, lambda ctx: plans.decide(ctx, "approve", ""))
    draft_task = ready(deployed, "draft_plan")
    assert (draft_task.role, draft_task.organization_id) == ("enterprise", enterprise.organization_id)
    documents = {k: pdf(deployed, tmp_path, f"{k}.pdf") for k in formal_plans.PLAN_DOCUMENTS}
    complete(deployed, "draft_plan", enterprise, lambda ctx: formal_plans.submit(
        ctx, Draft("T/ABC 009-2026", "两轮电动自行车企业评价标准", ROWS, [], documents)))
    complete(deployed, "review_plan", office, lambda ctx: plans.decide(ctx, "approve", ""))
    deployed.refresh(plan)
    assert plan.status == "publicity"
    rows, total = catalog.search(deployed, ENTERPRISE)
    assert (total, [(r.plan_id, r.institution, r.status) for r in rows]) == (1, [(plan.id, ENTERPRISE, "publicity")])
    with pytest.raises(InputError):  # the drafter does not comment on its own plan
        publicity.file_comment(deployed, enterprise, plan.id, "自己的意见", None)
    deployed.rollback()

    frozen_clock.advance(timedelta(days=7, seconds=1))
    deployed.commit()
    assert timers.fire_due(session_factory) == 1
    deployed.expire_all()
    assert (plan.status, plan.published_at is not None) == ("published", True)
    rows, _total = catalog.search(deployed, "T/ABC 009-2026")
    assert [(r.plan_id, r.institution, r.status) for r in rows] == [(plan.id, ENTERPRISE, "published")]
    assert catalog.detail(deployed, plan.id)["institution"]["kind"] == "enterprise"
    links = deployed.scalars(select(Message.link).where(Message.organization_id == enterprise.organization_id,
                                                        Message.title == "对标方案已发布")).all()
    assert links == ["/my/drafted-plans"]
    assert deployed.scalars(select(HumanTask).where(HumanTask.state == "ready")).all() == []
