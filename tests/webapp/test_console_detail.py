"""实例详情 of the operator console: the history in words, the path on the diagram, open tasks with
their age, pending timers in China time, the labelled process data, an error and its element."""
from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from flask import template_rendered
from sqlalchemy import select

import demodata
from engine import clock, runtime
from storage.models import ProcessInstance
from tests.conftest import START
from tests.factories import remembered_password_hashes
from tests.webapp.helpers import decide, open_task, page, text_of

OPERATOR = ("operator@test.cn", "Operate#123")
OFFICE_ORG = "对标达标提升专项行动办公室"
RAW = re.compile(r"\w+=\w|\bNone\b|\d{4}-\d\d-\d\dT\d\d")  # key=value, None, ISO timestamps


@pytest.fixture
def operator_client(app, session_factory, make_client):
    with session_factory() as session:
        demodata.ensure_user(session, *OPERATOR, "operator", OFFICE_ORG)
        session.commit()
    return make_client(*OPERATOR)


def markers(response) -> dict:
    return json.loads(page(response).xpath("//*[@data-bpmn-diagram]/@data-markers")[0])


def section_text(response, xpath: str) -> str:
    return " ".join(" ".join(node.text_content().split()) for node in page(response).xpath(xpath))


def test_history_reads_as_sentences_without_raw_keys(applicant, office_client, operator_client, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, task.id, "return", "营业执照不清晰").status_code == 302
    response = operator_client.get(f"/operations/instances/{applicant.instance_id}")
    history = section_text(response, "//ol[@data-events]/li")
    assert "启动流程（第 1 版）" in history
    assert "办理「注册审核」：退回修改" in history and "意见：营业执照不清晰" in history
    assert "2026-11-02 09:30" in history  # China time, minutes
    assert not RAW.search(history), history
    assert not RAW.search(section_text(response, "//*[@data-process-data]")), "process data"


def test_the_path_taken_and_the_open_task_with_its_age(applicant, office_client, operator_client, session_factory):
    first_task = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, first_task.id, "return", "请补充").status_code == 302
    correction = open_task(session_factory, applicant.instance_id)
    clock.set_now(START + timedelta(days=2, hours=3))
    response = operator_client.get(f"/operations/instances/{applicant.instance_id}")
    found = markers(response)
    assert "vet_registration" in found["completed"] and correction.task_name in found["current"]
    # start → 审核 → gateway → 退回 → 修改: each flow taken, not the branches that were not
    assert found["flows"] == ["flow_return", "flow_start_vet", "flow_to_correct", "flow_vet_gateway"]
    assert {"start", "vet_registration", "decision_gateway", "return_registration"} <= set(found["completed"])
    assert "approve_registration" not in found["completed"] and not found["error"]
    row = page(response).xpath(f"//tr[@data-open-task-id='{correction.id}']")[0]
    assert row.xpath("string(td[@data-role])") == "申请单位"
    assert row.xpath("string(td[@data-organization])") == "深圳测试科技有限公司"
    assert row.xpath("string(td[@data-age])") == "2 天 3 小时"
    assert row.xpath("string(td[@data-due])") == "未设期限"
    assert "没有等待中的定时器" in text_of(response)


def test_pending_timers_show_their_due_time_in_china_time(app, operator_client, session_factory):
    with remembered_password_hashes():
        assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    with session_factory() as session:
        waiting = session.scalars(select(ProcessInstance).where(ProcessInstance.next_timer_at.is_not(None))
                                  .order_by(ProcessInstance.id)).first()
        due = clock.to_china(waiting.next_timer_at).strftime("%Y-%m-%d %H:%M")
    response = operator_client.get(f"/operations/instances/{waiting.id}")
    timers = page(response).xpath("//table[@data-timers]/tbody/tr")
    assert [(" ".join(row.xpath("string(td[1])").split()), row.xpath("string(td[@data-due])")) for row in timers] \
        == [("公示期", due)]
    found = markers(response)
    assert "publicity_period" in found["waiting"] and "call_publicity" in found["current"]
    rows = {row.xpath("string(th)"): row.xpath("string(td)")
            for row in page(response).xpath("//table[@data-process-data]//tr[td]")}
    assert rows["对标方案"].endswith("对标方案") and rows["第三方技术机构"] and rows["最近的办理结果"] == "通过"
    assert "提交记录编号" in rows  # an id people may quote, under 其他
    data = section_text(response, "//*[@data-process-data]")
    assert not RAW.search(data) and "_id" not in data


def test_an_error_shows_its_message_and_marks_its_element(applicant, operator_client, session_factory):
    with session_factory() as session:
        runtime.mark_error(session, applicant.instance_id,
                           "registration_vetting.vet_registration: form key 'gone' is not implemented")
        session.commit()
    response = operator_client.get(f"/operations/instances/{applicant.instance_id}")
    error = page(response).xpath("//*[@data-error]")[0]
    assert "form key 'gone' is not implemented" in error.xpath("string(.//*[@data-error-message])")
    assert error.xpath("string(.//*[@data-error-element])") == "vet_registration"
    assert markers(response)["error"] == ["vet_registration"]


def test_the_actions_partial_gets_the_instance_its_open_tasks_and_the_user(app, applicant, operator_client,
                                                                         session_factory):
    contexts = []

    def remember(sender, template, context, **extra):
        contexts.append((template.name, context))

    template_rendered.connect(remember, app)
    try:
        assert operator_client.get(f"/operations/instances/{applicant.instance_id}").status_code == 200
    finally:
        template_rendered.disconnect(remember, app)
    context = dict(contexts)["operations/instance.html"]
    assert context["instance"].id == applicant.instance_id
    assert [task.id for task in context["tasks"]] == [open_task(session_factory, applicant.instance_id).id]
    assert context["current_user"].email == OPERATOR[0]


def test_operator_actions_join_the_history_with_their_reason(applicant, operator_client, session_factory):
    from storage.models import OperatorAction, User

    with session_factory() as session:
        operator = session.scalars(select(User).where(User.email == OPERATOR[0])).one()
        session.add(OperatorAction(created_at=START + timedelta(hours=1), actor_id=operator.id, action="suspend",
                                   instance_id=applicant.instance_id, reason="等待补充材料", details={}))
        session.add(OperatorAction(created_at=START + timedelta(hours=2), actor_id=operator.id, action="migrate",
                                   instance_id=applicant.instance_id, reason="新版本修正了分支",
                                   details={"from_version": 1, "to_version": 2}))
        session.commit()
    response = operator_client.get(f"/operations/instances/{applicant.instance_id}")
    lines = [" ".join(li.text_content().split()) for li in page(response).xpath("//li[@data-event-kind='operator']")]
    assert lines == [f"2026-11-02 10:30 运维操作 挂起流程 · {OPERATOR[0]} 原因：等待补充材料",
                     f"2026-11-02 11:30 运维操作 从第 1 版迁移到第 2 版 · {OPERATOR[0]} 原因：新版本修正了分支"]
    kinds = page(response).xpath("//li[@data-event-kind]/@data-event-kind")
    assert kinds[0] == "started" and kinds[-2:] == ["operator", "operator"]  # in time order
