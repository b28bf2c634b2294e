"""运维操作 on running instances: failures as a state (出错) and retry, suspend / resume, cancel,
reassign, firing a timer, migrating to the current version — each with its audit row."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from engine import definitions, inbox, runtime, timers
from engine.domain import messages, operator_actions
from engine.domain.operator_actions import ActionRefused
from engine.services import registry
from storage.models import HumanTask, Message, OperatorAction, ProcessEvent, ProcessInstance
from tests import factories
from tests.engine.helpers import round_trip

OPS_BPMN = (Path(__file__).parent / "data" / "ops_demo.bpmn").read_text()
REASON = "企业来电说明情况"
# The same process with a second call of the service after the timer.
AFTER_TIMER_BPMN = OPS_BPMN.replace(
    '<bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="end" />',
    '<bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="after" />'
    '<bpmn:sequenceFlow id="f6" sourceRef="after" targetRef="end" />').replace(
    '<bpmn:endEvent id="end"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>',
    '<bpmn:serviceTask id="after" name="登记结果"><bpmn:extensionElements>'
    '<spiffworkflow:serviceTaskOperator id="ops_demo.step" resultVariable="after_result" />'
    '</bpmn:extensionElements><bpmn:incoming>f5</bpmn:incoming><bpmn:outgoing>f6</bpmn:outgoing>'
    '</bpmn:serviceTask><bpmn:endEvent id="end"><bpmn:incoming>f6</bpmn:incoming></bpmn:endEvent>')


@pytest.fixture
def step(monkeypatch):
    """The service task's function: fails while ``broken`` holds a message, and tries to write a row first."""
    state = {"broken": None, "calls": 0}

    def run(context, task):
        state["calls"] += 1
        if state["broken"]:
            messages.notify(context.session, context.instance.started_by_org_id, "半途写入", email=False)
            raise RuntimeError(state["broken"])
        return {"registered": True}

    monkeypatch.setitem(registry, "ops_demo.step", run)
    return state


@pytest.fixture
def people(session):
    office = factories.office_user(session)
    operator = factories.active_member(session, "ops@test.cn", "operator", "平台运维")
    other_office = factories.active_member(session, "office2@test.cn", "office", "对标达标提升专项行动办公室")
    session.commit()
    return {"office": office, "operator": operator, "office2": other_office}


def deploy(session, source: str = OPS_BPMN) -> None:
    definitions.deploy_documents(session, [("ops_demo.bpmn", source.encode())])
    session.commit()


def start(session, people) -> ProcessInstance:
    if definitions.current(session, "ops_demo") is None:
        deploy(session)
    instance = runtime.start_instance(session, "ops_demo", subject="演示事项", actor_id=people["office"].id,
                                      org_id=people["office"].organization_id)
    session.commit()
    return instance


def open_rows(session, instance, state="ready") -> list[HumanTask]:
    return list(session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance.id, HumanTask.state == state).order_by(HumanTask.id)))


def submit(session, instance, user, opinion="同意"):
    """Complete the open task, leaving a domain row behind (the user's submission)."""
    def apply(context):
        messages.notify(context.session, user.organization_id, f"提交：{opinion}", email=False)
        return {"opinion": opinion}

    runtime.complete_task(session, open_rows(session, instance)[0], user.id, apply)
    session.commit()


def at_timer(session, people, step) -> ProcessInstance:
    instance = start(session, people)
    submit(session, instance, people["office"])
    submit(session, instance, people["office"], "审核通过")
    assert instance.status == "waiting" and instance.next_timer_at is not None
    return instance


def audit_rows(session, action):
    return list(session.scalars(select(OperatorAction).where(OperatorAction.action == action)))


def titles(session) -> list[str]:
    return list(session.scalars(select(Message.title).where(Message.user_id.is_(None)).order_by(Message.id)))


# --- failures are a state, and retry -----------------------------------------------------------------


def test_a_failing_service_puts_the_instance_in_error_and_keeps_the_submission(session, people, step):
    instance = start(session, people)
    step["broken"] = "登记系统不可用"
    submit(session, instance, people["office"], "请登记")  # no exception reaches the caller
    session.expire_all()
    assert instance.status == "error"
    assert instance.error.startswith("step: ") and "登记系统不可用" in instance.error
    submitted = session.scalars(select(HumanTask).where(HumanTask.task_name == "submit")).one()
    assert submitted.state == "completed" and submitted.completed_by_id == people["office"].id
    # The user's submission is kept; what the failing service wrote before raising is not.
    assert titles(session) == ["提交：请登记"]
    kinds = session.scalars(select(ProcessEvent.kind).where(ProcessEvent.instance_id == instance.id)
                            .order_by(ProcessEvent.sequence)).all()
    assert kinds == ["started", "task_completed", "error"]
    assert open_rows(session, instance) == []
    round_trip(session, instance)  # a workflow with an ERROR task saves and loads


def test_retry_runs_the_failed_step_again_once_the_cause_is_fixed(session, people, step):
    instance = start(session, people)
    step["broken"] = "登记系统不可用"
    submit(session, instance, people["office"])
    step["broken"] = "仍然不可用"
    action = operator_actions.retry(session, instance.id, people["operator"].id, REASON)
    session.commit()
    assert instance.status == "error" and "仍然不可用" in instance.error  # failed again: the new message
    assert action.details["element"] == "step" and action.details["status"] == "error"
    step["broken"] = None
    operator_actions.retry(session, instance.id, people["operator"].id, "登记系统已恢复")
    session.commit()
    session.expire_all()
    assert instance.status == "running" and instance.error is None
    assert [row.task_name for row in open_rows(session, instance)] == ["review"]
    assert len(audit_rows(session, "retry")) == 2 and step["calls"] == 3
    round_trip(session, instance)


def test_retry_is_refused_unless_the_instance_is_in_error(session, people, step):
    instance = start(session, people)
    with pytest.raises(ActionRefused) as refused:
        operator_actions.retry(session, instance.id, people["operator"].id, REASON)
    assert "进行中" in refused.value.message
    assert audit_rows(session, "retry") == []


def test_a_timer_whose_next_step_fails_puts_the_instance_in_error(session, session_factory, people, step,
                                                                  frozen_clock):
    deploy(session, AFTER_TIMER_BPMN)
    instance = at_timer(session, people, step)
    step["broken"] = "公示结果无法登记"
    frozen_clock.advance(timedelta(days=8))
    session.commit()  # SQLite: the test's read transaction would hold the sweeper's BEGIN IMMEDIATE
    assert timers.fire_due(session_factory) == 1
    session.expire_all()
    assert instance.status == "error" and instance.error.startswith("after: ")
    session.commit()
    assert timers.fire_due(session_factory) == 0  # an instance in error is not swept again
    step["broken"] = None
    operator_actions.retry(session, instance.id, people["operator"].id, REASON)
    session.commit()
    assert instance.status == "completed"


# --- suspend and resume -------------------------------------------------------------------------------


def test_suspend_hides_the_tasks_and_blocks_completion_until_resumed(session, people, step):
    instance = start(session, people)
    office = people["office"]
    operator_actions.suspend(session, instance.id, people["operator"].id, REASON)
    session.commit()
    assert instance.status == "suspended"
    task = open_rows(session, instance, "suspended")[0]
    assert inbox.inbox(session, office)[1] == 0
    with pytest.raises(runtime.Halted):
        runtime.complete_task(session, task, office.id)
    session.rollback()
    with pytest.raises(ActionRefused):  # already suspended
        operator_actions.suspend(session, instance.id, people["operator"].id, REASON)
    operator_actions.resume(session, instance.id, people["operator"].id, "情况已核实")
    session.commit()
    assert instance.status == "running" and open_rows(session, instance)[0].id == task.id
    assert inbox.inbox(session, office)[1] == 1
    assert [row.details for row in audit_rows(session, "suspend")] == [{"previous_status": "running"}]
    assert audit_rows(session, "resume")[0].reason == "情况已核实"


def test_a_suspended_instance_timers_wait_and_fire_at_the_first_sweep_after_resume(
        session, session_factory, people, step, frozen_clock):
    instance = at_timer(session, people, step)
    operator_actions.suspend(session, instance.id, people["operator"].id, REASON)
    session.commit()
    frozen_clock.advance(timedelta(days=8))
    assert timers.fire_due(session_factory) == 0
    operator_actions.resume(session, instance.id, people["operator"].id, REASON)
    session.commit()
    assert instance.status == "waiting"
    session.commit()
    assert timers.fire_due(session_factory) == 1
    session.expire_all()
    assert instance.status == "completed"


def test_a_message_to_a_suspended_instance_is_refused(session, people, step):
    instance = start(session, people)
    operator_actions.suspend(session, instance.id, people["operator"].id, REASON)
    session.commit()
    with pytest.raises(runtime.Halted):
        runtime.send_message(session, instance, "withdraw", people["office"].id)


# --- cancel ---------------------------------------------------------------------------------------------


def test_cancel_closes_the_tasks_and_tells_the_organisations_why(session, people, step):
    instance = start(session, people)
    operator_actions.cancel(session, instance.id, people["operator"].id, "重复提交")
    session.commit()
    session.expire_all()
    assert instance.status == "cancelled" and instance.next_timer_at is None
    assert open_rows(session, instance) == [] and len(open_rows(session, instance, "cancelled")) == 1
    notices, total = messages.list_for(session, people["office"].organization_id, 1)
    assert total == 1 and "演示事项" in notices[0].title and "重复提交" in notices[0].body
    assert inbox.inbox(session, people["office"])[1] == 0
    with pytest.raises(ActionRefused):
        operator_actions.cancel(session, instance.id, people["operator"].id, "再取消一次")


def test_a_suspended_instance_can_be_cancelled(session, people, step):
    instance = start(session, people)
    operator_actions.suspend(session, instance.id, None, REASON)
    operator_actions.cancel(session, instance.id, None, REASON)
    session.commit()
    assert instance.status == "cancelled" and open_rows(session, instance, "suspended") == []


# --- reassign ---------------------------------------------------------------------------------------------


def test_reassign_to_a_user_offers_the_task_to_that_user_only(session, people, step):
    instance = start(session, people)
    task = open_rows(session, instance)[0]
    office, office2 = people["office"], people["office2"]
    assert inbox.may_act(office, task) and inbox.may_act(office2, task)
    action = operator_actions.reassign(session, task.id, people["operator"].id, REASON, user_id=office2.id)
    session.commit()
    assert task.assignee_id == office2.id and action.human_task_id == task.id
    assert not inbox.may_act(office, task) and inbox.may_act(office2, task)
    assert inbox.inbox(session, office)[1] == 0 and inbox.inbox(session, office2)[1] == 1


def test_reassign_refuses_someone_without_the_role_and_changes_nothing(session, people, step):
    instance = start(session, people)
    task = open_rows(session, instance)[0]
    enterprise = factories.active_member(session, "ent@test.cn", "enterprise", "某企业")
    for kwargs, words in (({"user_id": enterprise.id}, "角色"), ({"organization_id": enterprise.organization_id},
                                                                 "单位类型"),
                          ({}, "指定"), ({"user_id": 99999}, "不存在")):
        with pytest.raises(ActionRefused) as refused:
            operator_actions.reassign(session, task.id, None, REASON, **kwargs)
        assert words in refused.value.message
    with pytest.raises(ActionRefused):
        operator_actions.reassign(session, task.id, None, " ", user_id=people["office2"].id)
    session.commit()
    assert task.assignee_id is None and audit_rows(session, "reassign") == []


# --- fire a timer now ---------------------------------------------------------------------------------------


def test_fire_timer_fires_the_pending_timer_now(session, people, step):
    instance = at_timer(session, people, step)
    assert operator_actions.available(instance) == ["suspend", "fire_timer", "cancel"]
    action = operator_actions.fire_timer(session, instance.id, people["operator"].id, REASON)
    session.commit()
    assert instance.status == "completed" and action.details["status"] == "completed"
    with pytest.raises(ActionRefused):
        operator_actions.fire_timer(session, instance.id, None, REASON)


def test_fire_timer_is_refused_without_a_pending_timer(session, people, step):
    instance = start(session, people)
    with pytest.raises(ActionRefused) as refused:
        operator_actions.fire_timer(session, instance.id, None, REASON)
    assert "定时器" in refused.value.message


# --- migrate ---------------------------------------------------------------------------------------------------


def test_migrate_moves_an_instance_whose_position_is_unchanged(session, people, step):
    instance = start(session, people)
    deploy(session, OPS_BPMN.replace('name="审核"', 'name="复核"'))  # a later element renamed
    old_version = instance.definition.version
    session.expire_all()
    assert operator_actions.available(instance) == ["suspend", "cancel", "migrate"]
    action = operator_actions.migrate(session, instance.id, people["operator"].id, REASON)
    session.commit()
    session.expire_all()
    assert instance.definition.version == old_version + 1
    assert action.details == {"from_version": old_version, "to_version": old_version + 1}
    submit(session, instance, people["office"])  # continues on the new version
    assert open_rows(session, instance)[0].title == "复核"
    round_trip(session, instance)
    with pytest.raises(ActionRefused) as refused:
        operator_actions.migrate(session, instance.id, None, REASON)
    assert "当前版本" in refused.value.message


def test_migrate_is_refused_when_the_current_task_changed(session, people, step):
    instance = start(session, people)
    deploy(session, OPS_BPMN.replace('name="提交"', 'name="重新提交"'))
    with pytest.raises(ActionRefused) as refused:
        operator_actions.migrate(session, instance.id, None, REASON)
    assert "提交" in refused.value.message and "修改" in refused.value.message
    session.rollback()
    session.expire_all()
    assert instance.definition.version == 1
    assert session.scalar(select(func.count(OperatorAction.id))) == 0


def test_migrate_keeps_a_waiting_timer_due_time(session, people, step, frozen_clock):
    instance = at_timer(session, people, step)
    due = instance.next_timer_at
    frozen_clock.advance(timedelta(days=2))
    deploy(session, OPS_BPMN.replace('name="审核"', 'name="复核"'))
    operator_actions.migrate(session, instance.id, None, REASON)
    session.commit()
    assert instance.next_timer_at == due


# --- refusals ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("reason, words", [("", "请填写"), ("   ", "请填写"), ("长" * 501, "500")])
def test_every_action_needs_a_reason_of_at_most_500_characters(session, people, step, reason, words):
    instance = start(session, people)
    for name, action in operator_actions.ACTIONS.items():
        with pytest.raises(ActionRefused) as refused:
            action(session, instance.id, None, reason)
        assert words in refused.value.message, name
    assert instance.status == "running"


def test_unknown_instance_is_refused(session, people):
    with pytest.raises(ActionRefused) as refused:
        operator_actions.suspend(session, 4242, None, REASON)
    assert refused.value.message == "流程实例不存在"
