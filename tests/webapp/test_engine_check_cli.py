"""``duibiao engine check [--repair]`` after the demo has driven the shipped flows."""
from __future__ import annotations

from sqlalchemy import delete, select

from storage.models import HumanTask
from tests.factories import remembered_password_hashes
from webapp.cli import main


def test_engine_check_finds_nothing_then_reports_and_repairs_a_deleted_inbox_row(app, session_factory):
    runner = app.test_cli_runner()
    with remembered_password_hashes():
        assert runner.invoke(main, ["demo"]).exit_code == 0
    clean = runner.invoke(main, ["engine", "check"])
    assert clean.exit_code == 0, clean.output
    assert "全部流程实例与引擎状态一致" in clean.output

    with session_factory() as session:
        row = session.scalars(select(HumanTask).where(HumanTask.state == "ready").order_by(HumanTask.id)).first()
        instance_id, engine_id = row.instance_id, row.engine_task_id
        session.execute(delete(HumanTask).where(HumanTask.id == row.id))
        session.commit()
    reported = runner.invoke(main, ["engine", "check"])
    assert reported.exit_code == 1
    assert f"流程实例 {instance_id}：" in reported.output and f"缺少待办（引擎任务 {engine_id}）" in reported.output
    repaired = runner.invoke(main, ["engine", "check", "--repair"])
    assert repaired.exit_code == 0, repaired.output
    assert "已修正 1 个流程实例" in repaired.output
    assert runner.invoke(main, ["engine", "check"]).exit_code == 0
