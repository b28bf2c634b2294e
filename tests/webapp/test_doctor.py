"""`duibiao doctor` through Flask's CLI runner, and the start-up warning about the certificate font."""
from __future__ import annotations

import logging
import shutil
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from storage.models import ProcessDefinition, ProcessInstance
from tests.webapp.pilot_flow import (
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
    publicised_fixture,  # noqa: F401
)
from webapp import create_app
from webapp.cli import main

CHECKS = ["证书字体", "数据目录", "数据库", "数据库迁移", "流程定义", "定时任务", "Chromium"]


@pytest.fixture
def doctor(app):
    runner = app.test_cli_runner()

    def run():
        result = runner.invoke(main, ["doctor"])
        lines = {line.split()[1].split("：")[0]: line for line in result.output.splitlines() if "：" in line}
        return result, lines

    return run


def status_of(line: str) -> str:
    return line.split()[0]


def test_a_sound_installation_passes_every_check(doctor, app):
    result, lines = doctor()
    assert result.exit_code == 0, result.output
    assert list(lines) == CHECKS
    for name in CHECKS[:-1]:
        assert status_of(lines[name]) == "OK", lines[name]
    assert app.config["DATA_DIR"] in lines["数据目录"]
    assert "8 个流程均已部署" in lines["流程定义"]
    assert status_of(lines["Chromium"]) == "信息"  # informational, installed or not
    assert (shutil.which("chromium") or "未安装") in lines["Chromium"]
    assert "一切正常" in result.output


def test_a_missing_font_is_a_problem_with_what_to_install(doctor, monkeypatch, tmp_path):
    missing = tmp_path / "no-such-font.ttc"
    monkeypatch.setenv("DUIBIAO_CERTIFICATE_FONT", str(missing))
    result, lines = doctor()
    assert result.exit_code == 1
    assert status_of(lines["证书字体"]) == "问题"
    assert f"缺少字体文件 {missing}" in lines["证书字体"] and "fonts-wqy-zenhei" in lines["证书字体"]
    assert status_of(lines["数据库"]) == "OK"  # the other checks still run
    assert "发现 1 个问题" in result.output


def test_a_font_file_that_is_no_font_is_a_problem(doctor, monkeypatch, tmp_path):
    broken = tmp_path / "broken.ttc"
    broken.write_bytes(b"not a font")
    monkeypatch.setenv("DUIBIAO_CERTIFICATE_FONT", str(broken))
    result, lines = doctor()
    assert result.exit_code == 1 and f"字体文件 {broken} 无法读取" in lines["证书字体"]


def test_a_missing_data_directory(doctor, app, tmp_path):
    app.config["DATA_DIR"] = str(tmp_path / "gone")  # the app fixture restores the config
    result, lines = doctor()
    assert result.exit_code == 1
    assert status_of(lines["数据目录"]) == "问题" and "不存在" in lines["数据目录"]
    assert "DUIBIAO_DATA_DIR" in lines["数据目录"]


def test_an_unreachable_database(doctor, app):
    app.config["DATABASE_URL"] = "postgresql+psycopg://duibiao:secret@127.0.0.1:1/duibiao"
    result, lines = doctor()
    assert result.exit_code == 1
    assert status_of(lines["数据库"]) == "问题" and "无法连接" in lines["数据库"]
    assert "secret" not in result.output  # the password is masked
    assert "DUIBIAO_DATABASE_URL" in lines["数据库"]
    assert "数据库迁移" not in lines  # nothing more to check there


def test_a_database_never_migrated(doctor, app, tmp_path):
    empty = tmp_path / "empty.db"
    app.config["DATABASE_URL"] = f"sqlite:///{empty}"
    result, lines = doctor()
    assert result.exit_code == 1 and "SQLite 数据库文件" in lines["数据库"]
    assert not empty.exists()  # the doctor creates nothing

    empty.touch()
    result, lines = doctor()
    assert result.exit_code == 1
    assert status_of(lines["数据库"]) == "OK"
    assert "数据库尚未初始化" in lines["数据库迁移"] and "duibiao db upgrade" in lines["数据库迁移"]


def test_workflows_not_deployed(doctor, app, session_factory):
    with session_factory() as session:
        session.execute(delete(ProcessDefinition))
        session.commit()
    result, lines = doctor()
    assert result.exit_code == 1
    assert status_of(lines["流程定义"]) == "问题" and "registration_vetting" in lines["流程定义"]
    with session_factory() as session:  # the check deployed nothing
        assert session.scalars(select(ProcessDefinition)).all() == []


def test_overdue_timers_mean_nothing_sweeps(doctor, app, publicised, session_factory, frozen_clock):
    with session_factory() as session:
        due = session.scalar(select(ProcessInstance.next_timer_at).where(ProcessInstance.next_timer_at.is_not(None)))
    frozen_clock.set_now(due + timedelta(minutes=1))
    result, lines = doctor()
    assert result.exit_code == 0 and "没有逾期的定时器" in lines["定时任务"]

    app.config["SCHEDULER_ENABLED"] = False
    frozen_clock.set_now(due + timedelta(minutes=6))
    result, lines = doctor()
    assert result.exit_code == 1
    assert status_of(lines["定时任务"]) == "问题"
    assert "DUIBIAO_SCHEDULER=0" in lines["定时任务"] and "1 个流程实例的定时器" in lines["定时任务"]
    assert "duibiao scheduler" in lines["定时任务"]


@pytest.mark.parametrize("font_present", [True, False])
def test_start_up_warns_about_a_missing_font(font_present, monkeypatch, tmp_path, caplog):
    if not font_present:
        monkeypatch.setenv("DUIBIAO_CERTIFICATE_FONT", str(tmp_path / "no-such-font.ttc"))
    monkeypatch.setenv("DUIBIAO_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("DUIBIAO_SCHEDULER", "0")
    with caplog.at_level(logging.WARNING, logger="duibiao"):
        create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite"}).extensions["duibiao.engine"].dispose()
    warnings = [r.getMessage() for r in caplog.records if "Certificate font" in r.getMessage()]
    if font_present:
        assert warnings == []
    else:
        assert len(warnings) == 1 and "fonts-wqy-zenhei" in warnings[0] and "duibiao doctor" in warnings[0]
