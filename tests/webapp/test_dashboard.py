"""运行概况: the figures under the charts against instances and tasks made with known timestamps."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import demodata
from engine import clock
from engine.domain import dashboard
from storage.models import HumanTask, ProcessDefinition, ProcessInstance
from tests.conftest import START
from tests.webapp.helpers import page

OPERATOR = ("operator@test.cn", "Operate#123")
OFFICE_ORG = "对标达标提升专项行动办公室"
DAY = timedelta(days=1)


@pytest.fixture
def operator_client(app, session_factory, make_client):
    with session_factory() as session:
        demodata.ensure_user(session, *OPERATOR, "operator", OFFICE_ORG)
        session.commit()
    return make_client(*OPERATOR)


def _instance(session, key, status, created, completed=None):
    definition = session.scalars(select(ProcessDefinition).where(ProcessDefinition.key == key)).first()
    instance = ProcessInstance(definition_id=definition.id, process_key=key, subject=f"{key} {status}",
                               status=status, state="", created_at=created, updated_at=completed or created,
                               completed_at=completed)
    session.add(instance)
    session.flush()
    return instance


def _task(session, instance, role, created, completed=None, due=None, name="vet", title="审核"):
    task = HumanTask(instance_id=instance.id, engine_task_id=f"{instance.id}-{name}-{created.timestamp()}",
                     process_key=instance.process_key, task_name=name, title=title, form_key=name, role=role,
                     state="completed" if completed else "ready", created_at=created, completed_at=completed,
                     due_at=due)
    session.add(task)
    return task


@pytest.fixture
def known(app, session_factory):
    """Registration: 2 running, 3 completed (today, yesterday, 40 days ago); pilot_enrollment: 1 error.
    Open tasks: office 2 h, office 2 days, office 10 days (stale), applicant 4 days due yesterday (past due).
    Completed 'vet' steps took 1 h, 3 h and 8 h (median 3 h); 'review' steps 2 h and 4 h (median 3 h)."""
    now = START
    with session_factory() as session:
        running = [_instance(session, "registration_vetting", "running", now - n * DAY) for n in (1, 2)]
        done = [_instance(session, "registration_vetting", "completed", now - 50 * DAY, now - n * DAY)
                for n in (0, 1, 40)]
        _instance(session, "pilot_enrollment", "error", now - 3 * DAY)
        _task(session, running[0], "office", now - timedelta(hours=2))
        _task(session, running[0], "office", now - 2 * DAY, name="vet2")
        _task(session, running[1], "office", now - 10 * DAY, name="vet3")
        _task(session, running[1], "applicant", now - 4 * DAY, due=now - DAY, name="correct", title="修改")
        for hours, instance in zip((1, 3, 8), done, strict=True):
            _task(session, instance, "office", now - 60 * DAY, now - 60 * DAY + timedelta(hours=hours))
        for hours, instance in zip((2, 4), done, strict=False):
            _task(session, instance, "office", now - 60 * DAY, now - 60 * DAY + timedelta(hours=hours),
                  name="review", title="复核")
        session.commit()
    return now


def cells(response, table: str) -> dict[str, list[str]]:
    rows = page(response).xpath(f"//table[@data-table='{table}']/tbody/tr[th]")
    return {row.xpath("string(th)").strip(): [" ".join(td.text_content().split()) for td in row.xpath("td")]
            for row in rows}


def test_the_dashboard_counts_instances_tasks_overdue_completions_and_medians(known, operator_client):
    response = operator_client.get("/operations/dashboard")
    assert response.status_code == 200
    by_process = cells(response, "by-process")
    statuses = page(response).xpath("//table[@data-table='by-process']/thead//th/@data-status")
    registration = dict(zip(statuses, by_process["注册审核"], strict=False))
    assert (registration["running"], registration["completed"], registration["error"]) == ("2", "3", "0")
    assert by_process["注册审核"][-1] == "5"
    assert dict(zip(statuses, by_process["试点报名"], strict=False))["error"] == "1"

    waiting = cells(response, "waiting")  # 1 天内, 1–3 天, 3–7 天, 7 天以上, 合计, 最早
    assert waiting["专项办"][:5] == ["1", "1", "0", "1", "3"]
    assert waiting["申请单位"][:5] == ["0", "0", "1", "0", "1"]

    overdue = page(response).xpath("//table[@data-table='overdue']/tbody/tr[@data-task-id]")
    assert [row.get("data-overdue") for row in overdue] == ["stale", "past_due"]  # longest waiting first
    assert page(response).xpath("string(//*[@data-overdue-total])") == "2"
    assert "未设期限，已等待超过 7 天" in overdue[0].text_content()

    per_day = {row.get("data-day"): row.xpath("string(td)")
               for row in page(response).xpath("//table[@data-table='per-day']/tbody/tr")}
    today = clock.to_china(known).date()
    assert len(per_day) == 30
    assert per_day[today.isoformat()] == "1" and per_day[(today - DAY).isoformat()] == "1"
    assert sum(int(n) for n in per_day.values()) == 2  # the one 40 days ago is outside the window

    steps = {row.get("data-step"): row for row in page(response).xpath("//table[@data-table='steps']/tbody/tr")}
    vet = steps["registration_vetting/vet"]
    assert vet.xpath("string(td[@data-completed])") == "3"
    assert vet.xpath("string(td/@data-median-seconds)") == str(3 * 3600)  # odd count: the middle one
    assert "3 小时 0 分钟" in vet.text_content()
    review = steps["registration_vetting/review"]
    assert review.xpath("string(td/@data-median-seconds)") == str(3 * 3600)  # even count: the mean of two


def test_median_of_the_domain_matches_on_both_databases(known, session_factory):
    with session_factory() as session:
        medians = {(s.task_name): (s.completed, round(s.median_seconds)) for s in
                   dashboard.median_step_durations(session)}
    assert medians == {"vet": (3, 3 * 3600), "review": (2, 3 * 3600)}


def test_dashboard_charts_are_local_and_the_menu_names_it(operator_client):
    response = operator_client.get("/operations/dashboard")
    scripts = page(response).xpath("//script/@src")
    assert "/static/vendor/chart.js/chart.umd.min.js" in scripts and "/static/dashboard_charts.js" in scripts
    assert all(src.startswith("/static/") for src in scripts)
    menu = [" ".join(a.text_content().split()) for a in page(response).xpath("//nav[@class='side-menu']/*")]
    assert menu[menu.index("流程管理"):menu.index("流程管理") + 4] == ["流程管理", "流程实例", "流程定义", "运行概况"]


def test_the_dashboard_runs_the_same_statements_however_many_instances(app, known, operator_client,
                                                                     session_factory):
    from tests.webapp.helpers import statements_of
    from tests.webapp.test_operations import reads_state

    operator_client.get("/operations/dashboard")  # process names are read from BPMN once, then cached
    _, before = statements_of(app, operator_client, "/operations/dashboard")
    with session_factory() as session:
        for n in range(5):
            instance = _instance(session, "registration_vetting", "completed", START - 3 * DAY, START - n * DAY)
            _task(session, instance, "office", START - 2 * DAY, START - DAY)
        session.commit()
    _, after = statements_of(app, operator_client, "/operations/dashboard")
    assert len(after) == len(before)
    assert not [s for s in after if reads_state(s)]
