"""publicity (called from formal_plan): no comments, dismissed, upheld and republished; the race."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine import runtime, timers
from engine.domain import formal_plans, plans, publicity
from engine.domain.errors import InputError
from engine.domain.formal_plans import Draft
from storage.models import Message, Plan, ProcessInstance
from tests.engine.test_plan_chain import (
    ROWS,
    approved_enrollment,  # noqa: F401  (fixture)
    complete,
    pdf,
    ready,
)
from tests.factories import active_member


@pytest.fixture
def in_publicity(deployed, tmp_path, approved_enrollment, frozen_clock):  # noqa: F811
    office, institution = approved_enrollment
    complete(deployed, "draft_report", institution,
             lambda ctx: plans.submit_report(ctx, "两轮电动自行车对标方案", pdf(deployed, tmp_path, "r.pdf")))
    complete(deployed, "review_report", office, lambda ctx: plans.decide(ctx, "approve", ""))
    documents = {k: pdf(deployed, tmp_path, f"{k}.pdf") for k in formal_plans.PLAN_DOCUMENTS}
    complete(deployed, "draft_plan", institution, lambda ctx: formal_plans.submit(
        ctx, Draft("T/ABC 001-2023", "两轮电动自行车评价标准", ROWS, [], documents)))
    complete(deployed, "review_plan", office, lambda ctx: plans.decide(ctx, "approve", ""))
    plan = deployed.scalars(select(Plan)).one()
    return office, institution, plan


def formal_instance(session):
    return session.scalars(select(ProcessInstance).where(ProcessInstance.process_key == "formal_plan")).one()


def end_publicity(session, session_factory, clock, days=7):
    clock.advance(timedelta(days=days, seconds=1))
    session.commit()
    fired = timers.fire_due(session_factory)
    session.expire_all()
    return fired


def test_publicity_starts_with_a_seven_day_timer(deployed, in_publicity, frozen_clock):
    _office, _institution, plan = in_publicity
    instance = formal_instance(deployed)
    assert (plan.status, plan.publicity_round, instance.status, instance.stage) == (
        "publicity", 1, "waiting", "publicity")
    assert plan.publicity_ends_at == plan.publicity_starts_at + timedelta(days=7)
    assert instance.next_timer_at == plan.publicity_ends_at


def test_no_comments_publishes_when_the_timer_fires(deployed, session_factory, in_publicity, frozen_clock):
    _office, institution, plan = in_publicity
    assert end_publicity(deployed, session_factory, frozen_clock, days=6) == 0
    assert end_publicity(deployed, session_factory, frozen_clock, days=1) == 1
    instance = formal_instance(deployed)
    assert (instance.status, instance.stage, plan.status) == ("completed", "published", "published")
    assert plan.published_at is not None
    assert "对标方案已发布" in deployed.scalars(select(Message.title).where(
        Message.organization_id == institution.organization_id)).all()


def test_dismissed_comments_publish(deployed, session_factory, in_publicity, frozen_clock):
    office, institution, plan = in_publicity
    commenter = active_member(deployed, "ent@test.cn", "enterprise", "绿源电动车股份有限公司")
    with pytest.raises(InputError, match="本单位"):
        publicity.file_comment(deployed, institution, plan.id, "自评", None)
    comment = publicity.file_comment(deployed, commenter, plan.id, "建议提高防撞击指标", None)
    deployed.commit()
    assert end_publicity(deployed, session_factory, frozen_clock) == 1
    task = ready(deployed, "resolve_comments")
    assert (task.role, task.process_key, formal_instance(deployed).stage) == ("office", "publicity", "comments_review")
    with pytest.raises(InputError):
        publicity.file_comment(deployed, commenter, plan.id, "太晚了", None)
    deployed.rollback()
    complete(deployed, "resolve_comments", office, lambda ctx: publicity.resolve(
        ctx, [{"comment_id": comment.id, "resolution": "dismiss", "reply": "现行指标已高于国际标准"}]))
    assert (plan.status, formal_instance(deployed).stage) == ("published", "published")
    titles = deployed.scalars(select(Message.title).where(Message.organization_id == commenter.organization_id)).all()
    assert titles == ["您提出修订意见的对标方案已发布"]


def test_upheld_comment_sends_the_plan_back_and_a_revision_is_publicised_again(
        deployed, session_factory, in_publicity, frozen_clock):
    office, institution, plan = in_publicity
    commenter = active_member(deployed, "inst2@test.cn", "institution", "江南质量技术研究院")
    comment = publicity.file_comment(deployed, commenter, plan.id, "转速指标应为 700", None)
    deployed.commit()
    end_publicity(deployed, session_factory, frozen_clock)
    complete(deployed, "resolve_comments", office, lambda ctx: publicity.resolve(
        ctx, [{"comment_id": comment.id, "resolution": "adopt", "reply": "采纳"}]))
    task = ready(deployed, "draft_plan")
    assert (task.task_name, plan.status) == ("revise_plan", "plan_revision")
    rows = [dict(row, value="700") if row["level2"] == "转速" else row for row in ROWS]
    complete(deployed, "draft_plan", institution, lambda ctx: formal_plans.submit(
        ctx, Draft("T/ABC 001-2023", "两轮电动自行车评价标准", rows, [], {})))
    complete(deployed, "review_plan", office, lambda ctx: plans.decide(ctx, "approve", ""))
    assert (plan.status, plan.publicity_round) == ("publicity", 2)
    assert publicity.comments(deployed, plan) == []  # a new round starts clean
    assert end_publicity(deployed, session_factory, frozen_clock) == 1
    assert (plan.status, formal_instance(deployed).stage) == ("published", "published")


def test_resolution_must_cover_every_comment(deployed, session_factory, in_publicity, frozen_clock):
    office, _institution, plan = in_publicity
    a = active_member(deployed, "a@test.cn", "enterprise", "甲企业")
    b = active_member(deployed, "b@test.cn", "enterprise", "乙企业")
    first = publicity.file_comment(deployed, a, plan.id, "意见一", None)
    publicity.file_comment(deployed, b, plan.id, "意见二", None)
    deployed.commit()
    end_publicity(deployed, session_factory, frozen_clock)
    with pytest.raises(InputError, match="全部修订意见"):
        runtime.complete_task(deployed, ready(deployed, "resolve_comments"), office.id, lambda ctx: publicity.resolve(
            ctx, [{"comment_id": first.id, "resolution": "dismiss", "reply": "否"}]))
    deployed.rollback()


def test_duration_comes_from_configuration(monkeypatch):
    monkeypatch.setenv("DUIBIAO_PUBLICITY_DURATION", "P3D")
    assert publicity.duration() == "P3D"
    monkeypatch.setenv("DUIBIAO_PUBLICITY_DURATION", "seven days")
    with pytest.raises(ValueError):
        publicity.duration()


def test_a_comment_racing_the_end_of_publicity_is_counted_or_refused(
        deployed, session_factory, in_publicity, frozen_clock):
    import threading

    from storage.models import PlanComment, User

    _office, _institution, plan = in_publicity
    commenter = active_member(deployed, "ent@test.cn", "enterprise", "绿源电动车股份有限公司")
    deployed.commit()
    frozen_clock.advance(timedelta(days=7, seconds=1))
    # The commenter checked the page a moment before the end: the domain check uses the clock,
    # so give the comment a clock just before the end, in its own thread.
    just_before = plan.publicity_ends_at - timedelta(seconds=1)
    barrier, outcome = threading.Barrier(2), {}

    def comment():
        with frozen_clock.frozen_at(just_before), session_factory() as session:
            barrier.wait(10)
            try:
                publicity.file_comment(session, session.get(User, commenter.id), plan.id, "最后一刻的意见", None)
                session.commit()
                outcome["comment"] = "stored"
            except InputError:
                session.rollback()
                outcome["comment"] = "refused"

    def sweep():
        barrier.wait(10)
        outcome["fired"] = timers.fire_due(session_factory)

    threads = [threading.Thread(target=comment), threading.Thread(target=sweep)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    deployed.expire_all()
    stored = deployed.scalars(select(PlanComment)).all()
    assert outcome["fired"] == 1
    if outcome["comment"] == "stored":
        assert len(stored) == 1 and ready(deployed, "resolve_comments")  # counted
    else:
        assert stored == [] and plan.status == "published"  # refused, nothing lost
