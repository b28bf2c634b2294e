"""pilot_enrollment through every path, and who may enrol."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from engine import runtime
from engine.domain import pilots
from storage.files import FileStore
from storage.models import EnrollmentSubmission, HumanTask, Message
from tests.engine.helpers import round_trip
from tests.factories import PDF_BYTES, active_member, office_user, pilot


@pytest.fixture
def office(deployed):
    return office_user(deployed)


@pytest.fixture
def institution(deployed):
    return active_member(deployed, "inst@test.cn", "institution", "华标检测认证有限公司")


def qualification(session, tmp_path, name="资质证书.pdf", extra=b""):
    return FileStore(tmp_path).save(session, PDF_BYTES + extra, name, "application/pdf")


def enrolled(session, tmp_path, user, recruit_type="institution"):
    target = pilot(session, office_user(session), recruit_type)
    enrollment = pilots.enroll(session, user, target, "我单位具备检测资质", [qualification(session, tmp_path)])
    session.commit()
    return enrollment


def open_task(session, instance_id):
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.state == "ready")).one()


def review(session, enrollment, office, decision, reason=""):
    task = open_task(session, enrollment.instance_id)
    assert (task.task_name, task.role, task.organization_id) == ("review_enrollment", "office", None)
    runtime.complete_task(session, task, office.id, lambda ctx: pilots.decide(ctx, decision, reason))
    session.commit()
    round_trip(session, task.instance)
    return task.instance


def test_approve(deployed, tmp_path, office, institution):
    enrollment = enrolled(deployed, tmp_path, institution)
    instance = review(deployed, enrollment, office, "approve")
    assert (instance.status, instance.stage) == ("completed", "approved")
    assert deployed.scalars(select(Message.title).where(Message.user_id.is_(None))).all() == ["试点报名审核通过"]


def test_return_resubmit_keeps_files_and_history(deployed, tmp_path, office, institution):
    enrollment = enrolled(deployed, tmp_path, institution)
    instance = review(deployed, enrollment, office, "return", "资质证书已过期")
    assert instance.stage == "returned"
    task = open_task(deployed, instance.id)
    assert (task.role, task.organization_id) == ("applicant", institution.organization_id)
    runtime.complete_task(deployed, task, institution.id,
                          lambda ctx: pilots.resubmit(ctx, "已更新证书", []))
    deployed.commit()
    assert instance.stage == "vetting"
    history = deployed.scalars(select(EnrollmentSubmission).order_by(EnrollmentSubmission.sequence)).all()
    assert [(s.sequence, s.decision, s.note) for s in history] == [
        (1, "return", "我单位具备检测资质"), (2, None, "已更新证书")]
    assert [f.file_id for f in history[1].files] == [f.file_id for f in history[0].files]
    review(deployed, enrollment, office, "approve")
    assert "资质证书已过期" in deployed.scalars(select(Message.body).where(Message.user_id.is_(None))).first()


def test_reject_and_withdraw(deployed, tmp_path, office, institution):
    enrollment = enrolled(deployed, tmp_path, institution)
    instance = open_task(deployed, enrollment.instance_id).instance
    runtime.send_message(deployed, instance, "withdraw_enrollment", institution.id,
                         must_cancel="review_enrollment")
    deployed.commit()
    assert instance.stage == "withdrawn"
    task = open_task(deployed, instance.id)
    runtime.complete_task(deployed, task, institution.id, lambda ctx: pilots.resubmit(ctx, "", []))
    deployed.commit()
    instance = review(deployed, enrollment, office, "reject", "不符合招募条件")
    assert (instance.status, instance.stage) == ("completed", "rejected")


def test_who_may_enrol(deployed, tmp_path, office, institution, frozen_clock):
    enterprise = active_member(deployed, "ent@test.cn", "enterprise", "绿源电动车股份有限公司")
    for_institutions = pilot(deployed, office, "institution", deadline=date(2026, 11, 2))
    assert "您的单位不能报名" in pilots.refusal(deployed, enterprise, for_institutions)
    assert pilots.refusal(deployed, institution, for_institutions) is None
    pilots.enroll(deployed, institution, for_institutions, "", [qualification(deployed, tmp_path)])
    assert "已报名" in pilots.refusal(deployed, institution, for_institutions)
    other = active_member(deployed, "inst2@test.cn", "institution", "江南质量技术研究院")
    frozen_clock.advance(timedelta(hours=15))  # 2026-11-03 00:30 China time: past the deadline
    assert pilots.status_label(for_institutions) == "已结束"
    with pytest.raises(pilots.EnrollmentError, match="报名已截止"):
        pilots.enroll(deployed, other, for_institutions, "", [])


def test_recruiting_status_is_computed_in_china_time(deployed, office, frozen_clock):
    target = pilot(deployed, office, deadline=date(2026, 11, 2))
    frozen_clock.set_now(frozen_clock.parse_moment("2026-11-02T23:59:59"))
    assert pilots.status_label(target) == "招募中"
    frozen_clock.set_now(frozen_clock.parse_moment("2026-11-03T00:00:00"))
    assert pilots.status_label(target) == "已结束"
    rows, total = pilots.list_pilots(deployed, 1, recruiting_only=True)
    assert (rows, total) == ([], 0)
