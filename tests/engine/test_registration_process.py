"""registration_vetting driven through every path, on SQLite and PostgreSQL."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from engine import runtime
from engine.domain import registration
from storage import outbox
from storage.models import (
    HumanTask,
    Message,
    OutboxItem,
    ProcessEvent,
    RegistrationSubmission,
)
from tests.engine.helpers import decide, open_task, resubmit, round_trip
from tests.factories import office_user, registered


@pytest.fixture
def office(deployed):
    user = office_user(deployed)
    deployed.commit()
    return user


@pytest.fixture
def applicant(deployed, office, tmp_path):
    user, instance = registered(deployed, tmp_path)
    deployed.commit()
    round_trip(deployed, instance)
    return user, instance


def messages(session, organization_id):
    """The organisation's notices (its people's new-task messages are tests/engine/test_task_notifications.py's)."""
    return session.scalars(select(Message.title).where(
        Message.organization_id == organization_id, Message.user_id.is_(None)).order_by(Message.id)).all()


def test_submission_waits_for_the_office(deployed, applicant):
    user, instance = applicant
    task = open_task(deployed, instance)
    assert (task.task_name, task.role, task.organization_id) == ("vet_registration", "office", None)
    assert task.form_key == "vet_registration" and task.title == "注册审核"
    assert (instance.status, instance.stage) == ("running", "vetting")
    assert user.organization.status == "pending"
    assert "spec" not in json.loads(instance.state)


def test_approve_activates_the_account_and_tells_it(deployed, applicant, office):
    user, instance = applicant
    decide(deployed, instance, office, "approve")
    assert (instance.status, instance.stage) == ("completed", "approved")
    assert instance.completed_at is not None
    assert user.organization.status == "active"
    assert messages(deployed, user.organization_id) == ["注册审核通过"]
    emails = deployed.scalars(select(OutboxItem).where(OutboxItem.channel == "email",
                                                       OutboxItem.recipient.startswith(outbox.ORGANIZATION_PREFIX))).all()
    # Addressed to the organisation; its users' addresses are looked up when the outbox is drained.
    assert [m.recipient for m in outbox.addressed(deployed, emails)[emails[0].id]] == ["applicant@test.cn"]
    assert len(emails) == 1
    kinds = deployed.scalars(select(ProcessEvent.kind).where(
        ProcessEvent.instance_id == instance.id).order_by(ProcessEvent.sequence)).all()
    assert kinds == ["started", "task_completed", "completed"]
    assert not deployed.scalars(select(HumanTask).where(HumanTask.state == "ready")).all()


def test_return_and_resubmit_keeps_history(deployed, applicant, office):
    user, instance = applicant
    decide(deployed, instance, office, "return", "营业执照不清晰")
    assert (instance.status, instance.stage) == ("running", "returned")
    assert messages(deployed, user.organization_id) == ["注册申请被退回"]
    body = deployed.scalars(select(Message.body).where(Message.user_id.is_(None))).first()
    assert "营业执照不清晰" in body
    resubmit(deployed, instance, user, name="深圳测试科技股份有限公司")
    assert instance.stage == "vetting"
    assert user.organization.name == "深圳测试科技股份有限公司"
    decide(deployed, instance, office, "approve")
    history = registration.history(deployed, user.organization_id)
    assert [(s.sequence, s.decision, s.data["name"]) for s in history] == [
        (2, "approve", "深圳测试科技股份有限公司"), (1, "return", "深圳测试科技有限公司")]
    # The earlier submission's documents are kept for the resubmission.
    assert [f.file_id for f in history[0].files] == [f.file_id for f in history[1].files]
    assert user.organization.status == "active"


def test_return_twice_then_approve(deployed, applicant, office):
    user, instance = applicant
    for round_number in range(2):
        decide(deployed, instance, office, "return", f"第 {round_number + 1} 次退回")
        resubmit(deployed, instance, user)
    decide(deployed, instance, office, "approve")
    assert instance.stage == "approved"
    count = deployed.scalar(select(func.count(RegistrationSubmission.id)))
    assert count == 3
    assert messages(deployed, user.organization_id) == [
        "注册申请被退回", "注册申请被退回", "注册审核通过"]


def test_reject_locks_the_account_with_the_reason(deployed, applicant, office):
    user, instance = applicant
    decide(deployed, instance, office, "reject", "不属于平台服务范围")
    assert (instance.status, instance.stage) == ("completed", "rejected")
    assert user.organization.status == "rejected"
    assert "不属于平台服务范围" in deployed.scalars(select(Message.body).where(Message.user_id.is_(None))).one()


def test_withdraw_before_decision_then_resubmit(deployed, applicant, office):
    user, instance = applicant
    vetting = open_task(deployed, instance)
    runtime.send_message(deployed, instance, "withdraw_registration", user.id,
                         must_cancel="vet_registration")
    assert vetting.state == "cancelled"  # the row the session holds is told, not only the table
    deployed.commit()
    round_trip(deployed, instance)
    assert instance.stage == "withdrawn"
    task = open_task(deployed, instance)
    assert (task.task_name, task.role) == ("resubmit_withdrawn", "applicant")
    cancelled = deployed.scalars(select(HumanTask).where(HumanTask.state == "cancelled")).all()
    assert [t.task_name for t in cancelled] == ["vet_registration"]
    resubmit(deployed, instance, user)
    decide(deployed, instance, office, "approve")
    assert user.organization.status == "active"


def test_withdraw_after_decision_is_refused(deployed, applicant, office):
    user, instance = applicant
    decide(deployed, instance, office, "return", "补充材料")
    state = instance.state
    with pytest.raises(runtime.AlreadyHandled):
        runtime.send_message(deployed, instance, "withdraw_registration", user.id,
                             must_cancel="vet_registration")
    deployed.rollback()
    assert instance.state == state and instance.stage == "returned"


def test_second_completion_is_already_handled(deployed, applicant, office):
    _user, instance = applicant
    task = open_task(deployed, instance)
    decide(deployed, instance, office, "return", "补充材料")
    with pytest.raises(runtime.AlreadyHandled):
        runtime.complete_task(deployed, task, office.id,
                              lambda ctx: registration.decide(ctx, "approve", ""))
    deployed.rollback()
    ready = deployed.scalars(select(HumanTask).where(HumanTask.state == "ready")).all()
    assert [t.task_name for t in ready] == ["correct_registration"]


def test_change_of_name_is_vetted_while_the_account_keeps_working(deployed, applicant, office):
    user, instance = applicant
    decide(deployed, instance, office, "approve")
    change = registration.request_change(deployed, user, {"name": "新名称有限公司", "contact": "赵六"})
    deployed.commit()
    assert user.organization.name == "深圳测试科技有限公司"  # old name until approved
    assert user.organization.contact == "赵六"  # unvetted fields apply at once
    assert user.organization.status == "active"
    with pytest.raises(registration.RegistrationError):
        registration.request_change(deployed, user, {"name": "第三个名称"})
    deployed.rollback()
    decide(deployed, change, office, "approve")
    assert user.organization.name == "新名称有限公司"
    assert messages(deployed, user.organization_id)[-1] == "信息变更审核通过"


def test_first_credit_code_needs_no_vetting_but_a_new_document_does(deployed, applicant, office,
                                                                     tmp_path):
    from engine.domain.registration import Documents
    from storage.files import FileStore
    from tests.factories import PDF_BYTES

    user, instance = applicant
    decide(deployed, instance, office, "approve")
    assert registration.request_change(deployed, user, {"credit_code": "91110000MA00000001"}) is None
    assert user.organization.credit_code == "91110000MA00000001"
    new_license = FileStore(tmp_path).save(deployed, PDF_BYTES + b"%new", "新执照.pdf", "application/pdf")
    change = registration.request_change(deployed, user, {}, Documents({"business_license": new_license}))
    deployed.commit()
    assert change is not None and change.stage == "vetting"
    submission = registration.current_submission(deployed, user.organization_id)
    assert (submission.kind, [f.file.original_name for f in submission.files]) == ("change", ["新执照.pdf"])


def test_a_message_the_instance_does_not_catch_is_refused_without_change(deployed, applicant):
    user, instance = applicant
    state = instance.state
    with pytest.raises(runtime.NotWaiting):  # SpiffWorkflow's own WorkflowException does not escape
        runtime.send_message(deployed, instance, "no_such_message", user.id)
    deployed.rollback()
    assert instance.state == state and instance.stage == "vetting"
