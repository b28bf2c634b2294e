"""``duibiao engine tick`` on the demo, as the README walks through it: the 公示 of inst2's plan
ends when the tick says so, and what the tick records carries the real time (the frozen clock
of the tests stands for it), never the simulated one."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engine import clock
from storage.models import HumanTask, Plan, ProcessEvent
from tests.conftest import START
from tests.webapp.helpers import first, logged_in
from tests.webapp.pilot_flow import inbox_titles
from tests.webapp.plan_flow import comment
from webapp.cli import main

PLAN = "两轮电动自行车对标方案"


@pytest.fixture
def duibiao(app):
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(main, list(args))

    loaded = run("demo")
    assert loaded.exit_code == 0, loaded.output
    return run


def plan_in_publicity(session_factory) -> Plan:
    return first(session_factory, select(Plan).where(Plan.name == PLAN))


def nothing_dated_after_now(session_factory) -> None:
    with session_factory() as session:
        for column in (HumanTask.created_at, HumanTask.completed_at, ProcessEvent.created_at, Plan.published_at,
                       Plan.updated_at):
            assert session.scalar(select(func.max(column))) <= START, column


@pytest.mark.parametrize("when", [
    ("--now", clock.to_china(START + timedelta(days=8)).replace(tzinfo=None).isoformat()),  # as the README had it
    ("--in", "P8D"),  # works whatever day it is run
])
def test_a_tick_eight_days_ahead_publishes_the_plan_at_the_real_time(duibiao, session_factory, client, when):
    assert plan_in_publicity(session_factory).status == "publicity"
    result = duibiao("engine", "tick", *when)
    assert result.exit_code == 0, result.output
    assert "2026-11-10 09:30:00（北京时间）：触发 1 个流程实例的定时器" in result.output
    plan = plan_in_publicity(session_factory)
    assert (plan.status, plan.published_at) == ("published", START)  # not 8 days ahead
    nothing_dated_after_now(session_factory)
    catalog = client.get("/plans/").get_data(as_text=True)
    assert "2026-11-02" in catalog and "2026-11-10" not in catalog  # 发布时间: the day of the tick


def test_the_readme_walkthrough_a_comment_then_a_tick_gives_the_office_its_task(duibiao, app, session_factory):
    plan = plan_in_publicity(session_factory)
    comment(logged_in(app.test_client(), "ent1@demo.duibiao.cn", "Ent1#2026"), plan.id, "建议增加电池热失控防护指标")
    office = logged_in(app.test_client(), "office@demo.duibiao.cn", "Office#2026")
    assert "修订意见处理" not in " ".join(inbox_titles(office))
    assert duibiao("engine", "tick", "--in", "P1D").output.count("触发 0 个") == 1  # 公示 is not over yet
    result = duibiao("engine", "tick", "--in", "P8D")
    assert "触发 1 个流程实例的定时器" in result.output, result.output
    assert any("修订意见处理" in title for title in inbox_titles(office))
    task = first(session_factory, select(HumanTask).where(HumanTask.state == "ready",
                                                          HumanTask.form_key == "resolve_comments"))
    assert task.created_at == START
    nothing_dated_after_now(session_factory)


def test_tick_takes_a_moment_or_a_duration_not_both_nor_anything_else(duibiao):
    both = duibiao("engine", "tick", "--now", "2026-12-05T00:00:00", "--in", "P8D")
    assert both.exit_code != 0 and "--now 与 --in 只能选一个" in both.output
    wrong = duibiao("engine", "tick", "--in", "8 days")
    assert wrong.exit_code != 0 and "P8D" in wrong.output
    moment = duibiao("engine", "tick", "--now", "next week")
    assert moment.exit_code != 0 and "--now" in moment.output
