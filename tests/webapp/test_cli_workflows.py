"""``duibiao workflows list | diff | export | deploy``: what they print and the exit codes CI reads."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

import workflows
from storage.models import DesignAudit, FormDefinition, ProcessDefinition
from tests.webapp.helpers import all_rows, count
from webapp.cli import main

VETTING = dict(workflows.bpmn_files())["registration_vetting.bpmn"].decode()
RELABELLED = VETTING.replace('value="待审核"', 'value="待专项办审核"')


@pytest.fixture
def duibiao(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(main, list(args))


def test_list_marks_the_current_version_and_counts_instances(duibiao, applicant):
    result = duibiao("workflows", "list")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("registration_vetting"))
    assert "v1   *" in line and "运行中 1，已结束 0" in line


def test_diff_says_whether_a_file_differs_with_its_exit_code(duibiao, tmp_path):
    same = duibiao("workflows", "diff", "registration_vetting")
    assert (same.exit_code, same.output.strip()) == (0, "新增 0，删除 0，修改 0")
    path = tmp_path / "registration_vetting.bpmn"
    path.write_text(RELABELLED, encoding="utf-8")
    changed = duibiao("workflows", "diff", "registration_vetting", "--to", str(path))
    assert changed.exit_code == 1
    assert "~ 修改 用户任务 vet_registration：stageLabel “待审核” → “待专项办审核”" in changed.output
    assert duibiao("workflows", "diff", "registration_vetting", "--from", "7").exit_code == 2
    assert duibiao("workflows", "diff", "no_such_process").exit_code == 2


def test_export_prints_the_deployed_xml(duibiao):
    result = duibiao("workflows", "export", "registration_vetting")
    assert (result.exit_code, result.output) == (0, VETTING)
    assert duibiao("workflows", "export", "registration_vetting", "--version", "2").exit_code == 2


def test_deploy_refuses_a_broken_file_with_its_problems(duibiao, tmp_path, session_factory):
    path = tmp_path / "registration_vetting.bpmn"
    path.write_text(VETTING.replace('<spiffworkflow:property name="stageLabel" value="待审核" />', "", 1),
                    encoding="utf-8")
    result = duibiao("workflows", "deploy", str(path))
    assert result.exit_code == 1
    assert "vet_registration: 阶段“vetting”缺少显示名称（stageLabel）" in result.output and "没有部署" in result.output
    assert [d.version for d in all_rows(session_factory, select(ProcessDefinition).where(
        ProcessDefinition.key == "registration_vetting"))] == [1]
    assert all_rows(session_factory, select(DesignAudit)) == []
    hostile = tmp_path / "evil.bpmn"
    hostile.write_text('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>')
    refused = duibiao("workflows", "deploy", str(hostile))
    assert refused.exit_code == 1 and "DOCTYPE" in refused.output


def test_deploy_runs_the_scenarios_and_deploys_only_when_they_pass(duibiao, tmp_path, session_factory):
    relabelled = tmp_path / "registration_vetting.bpmn"
    relabelled.write_text(RELABELLED, encoding="utf-8")  # the shipped scenario expects 待审核
    refused = duibiao("workflows", "deploy", str(relabelled))
    assert refused.exit_code == 1
    assert "场景未通过：" in refused.output and "没有部署" in refused.output
    renamed = tmp_path / "renamed.bpmn"
    renamed.write_text(VETTING.replace('name="审核结论"', 'name="专项办审核结论"'), encoding="utf-8")
    deployed = duibiao("workflows", "deploy", str(renamed), "--note", "网关改名")
    assert deployed.exit_code == 0, deployed.output
    assert "已部署 registration_vetting v2（当前版本）" in deployed.output
    audit = all_rows(session_factory, select(DesignAudit).where(DesignAudit.action == "deployed"))
    assert [(a.version, a.note, a.summary["changed"]) for a in audit] == [(2, "网关改名", ["decision_gateway"])]
    assert duibiao("workflows", "export", "registration_vetting").output.count("专项办审核结论") == 1


def test_workflows_test_runs_nothing_the_validation_refuses(duibiao, app, tmp_path):
    folder = tmp_path / "designer"
    folder.mkdir()
    (folder / "registration_vetting.bpmn").write_text(
        VETTING.replace('<spiffworkflow:property name="stageLabel" value="待审核" />', "", 1), encoding="utf-8")
    app.config["WORKFLOWS_DIR"] = str(folder)  # the app fixture restores the config afterwards
    result = duibiao("workflows", "test", "registration_vetting")
    assert result.exit_code == 1
    assert "stageLabel" in result.output and "BPMN 检查未通过，没有运行场景" in result.output
    assert "个场景" not in result.output


def test_db_upgrade_refuses_a_broken_form_naming_its_component_and_deploys_nothing(duibiao, app, tmp_path,
                                                                                   session_factory):
    folder = tmp_path / "designer"
    (folder / "forms").mkdir(parents=True)
    broken = json.loads((Path(workflows.__file__).parent / "forms" / "generic_opinion.form").read_text("utf-8"))
    broken["components"][1]["properties"] = {}  # the attachment without its size limit
    (folder / "forms" / "generic_opinion.form").write_text(json.dumps(broken, ensure_ascii=False), "utf-8")
    app.config["WORKFLOWS_DIR"] = str(folder)
    before = count(session_factory, FormDefinition)
    result = duibiao("db", "upgrade")
    assert result.exit_code == 1
    assert "forms/generic_opinion.form: generic_opinion.Field_attachment: 文件字段须设置文件大小上限" in result.output
    assert count(session_factory, FormDefinition) == before
