"""``duibiao instances``: list, show and the operator's actions, each with --reason; refusals exit 1."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import demodata
from storage.models import HumanTask, OperatorAction, ProcessInstance
from tests.webapp.helpers import all_rows, first, open_task, remembered_password_hashes
from webapp.cli import main

OFFICE2 = "office2@test.cn"


@pytest.fixture
def duibiao(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(main, ["instances", *map(str, args)])


def status(session_factory, instance_id) -> str:
    return first(session_factory, select(ProcessInstance.status).where(ProcessInstance.id == instance_id))


def test_list_and_show(duibiao, applicant, session_factory):
    listed = duibiao("list")
    assert listed.exit_code == 0, listed.output
    assert "registration_vetting" in listed.output and "进行中" in listed.output and "共 1 个实例" in listed.output
    shown = duibiao("show", applicant.instance_id)
    task = open_task(session_factory, applicant.instance_id)
    assert shown.exit_code == 0, shown.output
    assert "状态：进行中" in shown.output and f"[{task.id}]" in shown.output
    missing = duibiao("show", 999)
    assert missing.exit_code == 1 and "流程实例不存在" in missing.output


def test_suspend_resume_cancel_with_reasons(duibiao, applicant, session_factory):
    done = duibiao("suspend", applicant.instance_id, "--reason", "核查材料")
    assert done.exit_code == 0, done.output
    assert "已挂起" in done.output and "已挂起" in done.output.split("当前状态：")[1]
    assert status(session_factory, applicant.instance_id) == "suspended"
    again = duibiao("suspend", applicant.instance_id, "--reason", "再挂起")
    assert again.exit_code == 1 and "不能执行此操作" in again.output
    assert duibiao("resume", applicant.instance_id, "--reason", "已核查").exit_code == 0
    assert status(session_factory, applicant.instance_id) == "running"
    assert duibiao("cancel", applicant.instance_id, "--reason", "重复注册").exit_code == 0
    assert status(session_factory, applicant.instance_id) == "cancelled"
    actions = all_rows(session_factory, select(OperatorAction).order_by(OperatorAction.id))
    assert [(a.action, a.reason, a.actor_id) for a in actions] == [
        ("suspend", "核查材料", None), ("resume", "已核查", None), ("cancel", "重复注册", None)]


def test_a_reason_is_required(duibiao, applicant, session_factory):
    missing = duibiao("suspend", applicant.instance_id)
    assert missing.exit_code == 2 and "--reason" in missing.output
    blank = duibiao("suspend", applicant.instance_id, "--reason", " ")
    assert blank.exit_code == 1 and "请填写操作原因" in blank.output
    assert status(session_factory, applicant.instance_id) == "running"


@pytest.mark.parametrize("command", ["retry", "fire-timer", "migrate"])
def test_actions_that_do_not_fit_the_status_are_refused(duibiao, applicant, command, session_factory):
    result = duibiao(command, applicant.instance_id, "--reason", "试试")
    assert result.exit_code == 1 and result.output.strip()
    assert all_rows(session_factory, select(OperatorAction)) == []


def test_reassign_by_email_or_organisation(duibiao, applicant, app, session_factory):
    with session_factory() as session, remembered_password_hashes():
        demodata.ensure_user(session, OFFICE2, "Office2#123", "office", "第二专项办")
        session.commit()
    task = open_task(session_factory, applicant.instance_id)
    neither = duibiao("reassign", task.id, "--reason", "请假")
    assert neither.exit_code == 1 and "--user" in neither.output
    unknown = duibiao("reassign", task.id, "--user", "nobody@test.cn", "--reason", "请假")
    assert unknown.exit_code == 1 and "nobody@test.cn" in unknown.output
    done = duibiao("reassign", task.id, "--user", OFFICE2, "--reason", "原经办人请假")
    assert done.exit_code == 0, done.output
    assert first(session_factory, select(HumanTask.assignee_id).where(HumanTask.id == task.id)) is not None
    to_org = duibiao("reassign", task.id, "--org", "第二专项办", "--reason", "改由第二专项办办理")
    assert to_org.exit_code == 0, to_org.output
    moved = first(session_factory, select(HumanTask).where(HumanTask.id == task.id))
    assert moved.assignee_id is None and moved.organization_id is not None
