"""Flat history on the plan processes: the formal plan's return loop, and rounds of publicity (a call
activity) sending the plan back for revision. Each step is checked with the save-and-restore round trip
(tests.engine.test_plan_chain.complete)."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.domain import formal_plans, plans, publicity
from engine.domain.formal_plans import Draft
from storage.models import Plan
from tests.engine.test_flat_history import assert_flat, shape, what_people_see
from tests.engine.test_plan_chain import (
    ROWS,
    approved_enrollment,  # noqa: F401  (fixture)
    complete,
    pdf,
)
from tests.engine.test_publicity import end_publicity, formal_instance
from tests.factories import active_member


@pytest.fixture
def drafting(deployed, tmp_path, approved_enrollment, frozen_clock):  # noqa: F811
    office, institution = approved_enrollment
    complete(deployed, "draft_report", institution,
             lambda ctx: plans.submit_report(ctx, "两轮电动自行车对标方案", pdf(deployed, tmp_path, "r.pdf")))
    complete(deployed, "review_report", office, lambda ctx: plans.decide(ctx, "approve", ""))
    documents = {k: pdf(deployed, tmp_path, f"{k}.pdf") for k in formal_plans.PLAN_DOCUMENTS}
    complete(deployed, "draft_plan", institution, lambda ctx: formal_plans.submit(
        ctx, Draft("T/ABC 001-2023", "两轮电动自行车评价标准", ROWS, [], documents)))
    return office, institution, deployed.scalars(select(Plan)).one()


def resubmit(session, institution):
    complete(session, "draft_plan", institution, lambda ctx: formal_plans.submit(
        ctx, Draft("T/ABC 001-2023", "两轮电动自行车评价标准", ROWS, [], {})))


def test_the_formal_plan_return_loop_is_flat(deployed, drafting):
    office, institution, plan = drafting
    shapes = []
    for number in range(12):
        complete(deployed, "review_plan", office, lambda ctx, n=number: plans.decide(ctx, "return", f"第{n}次退回"))
        resubmit(deployed, institution)
        shapes.append(shape(deployed, formal_instance(deployed)))
    assert_flat(shapes)
    complete(deployed, "review_plan", office, lambda ctx: plans.decide(ctx, "approve", ""))
    assert (formal_instance(deployed).stage, plan.status) == ("publicity", "publicity")
    seen = what_people_see(deployed, formal_instance(deployed))
    # The submission before the loop, two records a pass, the approval.
    assert len(seen["records"]) == 1 + 2 * 12 + 1
    assert [reason for _, _, _, reason, _ in seen["records"][1:-1:2]] == [f"第{n}次退回" for n in range(12)]
    assert len(plans.history(deployed, plan.id, "plan")) == 13  # every submission is kept


def publicity_rounds(session, session_factory, clock, drafting, rounds: int) -> list:
    """``rounds`` times: publicity, a comment upheld, the plan revised and approved again."""
    office, institution, plan = drafting
    commenter = active_member(session, "inst2@test.cn", "institution", "江南质量技术研究院")
    complete(session, "review_plan", office, lambda ctx: plans.decide(ctx, "approve", ""))
    shapes = []
    for _ in range(rounds):
        assert shape(session, formal_instance(session))[2] == 1  # the running publicity alone
        comment = publicity.file_comment(session, commenter, plan.id, "转速指标应为 700", None)
        session.commit()
        assert end_publicity(session, session_factory, clock) == 1
        complete(session, "resolve_comments", office, lambda ctx, c=comment: publicity.resolve(
            ctx, [{"comment_id": c.id, "resolution": "adopt", "reply": "采纳"}]))
        assert plan.status == "plan_revision"
        resubmit(session, institution)
        complete(session, "review_plan", office, lambda ctx: plans.decide(ctx, "approve", ""))
        shapes.append(shape(session, formal_instance(session)))
    assert plan.publicity_round == rounds + 1
    assert end_publicity(session, session_factory, clock) == 1
    assert (plan.status, formal_instance(session).stage) == ("published", "published")
    return shapes


def test_publicity_rounds_keep_one_call_activity_and_stay_flat(deployed, session_factory, drafting, frozen_clock):
    shapes = publicity_rounds(deployed, session_factory, frozen_clock, drafting, 4)
    assert_flat(shapes)
    instance = formal_instance(deployed)
    assert (instance.status, shape(deployed, instance)[2]) == ("completed", 0)
    seen = what_people_see(deployed, instance)
    # draft, approve, then per round: resolve (in publicity), revise, approve.
    assert [name for name, *_ in seen["records"]] == (
        ["draft_plan", "review_plan"] + ["resolve_comments", "revise_plan", "review_plan"] * 4)
    assert {"call_publicity", "approved_end"} <= set(seen["markers"]["completed"])
