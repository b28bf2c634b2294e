"""The ``duibiao`` command through Flask's CLI runner, on the test app and database."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from demodata import DEMO_ACCOUNTS
from storage.models import EnterpriseProfile, InstitutionProfile, InstitutionProfileFile, Organization, User
from tests.webapp.helpers import OFFICE_EMAIL, all_rows, count, login
from webapp.cli import main


@pytest.fixture
def duibiao(app):
    """Run ``duibiao ARGS`` (the console script's group) against the test app."""
    runner = app.test_cli_runner()

    def run(*args: str):
        return runner.invoke(main, list(args))

    return run


def test_users_token_issues_a_working_api_token(duibiao, client, office):
    result = duibiao("users", "token", OFFICE_EMAIL)
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    response = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["total"] == 0


def test_users_token_for_an_unknown_user_fails(duibiao, app):
    result = duibiao("users", "token", "nobody@test.cn")
    assert result.exit_code == 1
    assert "用户不存在" in result.output


def test_flask_cli_runner_on_the_apps_own_commands(app, office):
    """``app.test_cli_runner().invoke(args=...)`` runs the commands the app registered."""
    result = app.test_cli_runner().invoke(args=["users", "token", OFFICE_EMAIL])
    assert result.exit_code == 0, result.output
    assert len(result.output.strip()) >= 32


def test_users_create_makes_an_active_account(duibiao, client, session_factory):
    result = duibiao("users", "create", "--email", "Ent@Test.CN", "--password", "Ent#20261",
                     "--role", "enterprise", "--org", "命令行企业有限公司")
    assert result.exit_code == 0, result.output
    assert "已创建 ent@test.cn" in result.output
    user = all_rows(session_factory, select(User).where(User.email == "ent@test.cn"))[0]
    assert user.roles == "enterprise"
    assert (user.organization.name, user.organization.kind, user.organization.status) == (
        "命令行企业有限公司", "enterprise", "active")
    assert login(client, "ent@test.cn", "Ent#20261").status_code == 302
    assert client.get("/account/profile").status_code == 200

    duplicate = duibiao("users", "create", "--email", "ent@test.cn", "--password", "Ent#20261",
                        "--role", "enterprise", "--org", "命令行企业有限公司")
    assert duplicate.exit_code != 0 and "该用户名已存在" in duplicate.output
    weak = duibiao("users", "create", "--email", "weak@test.cn", "--password", "short",
                   "--role", "office", "--org", "专项办")
    assert weak.exit_code != 0 and "密码至少 8 位" in weak.output
    assert count(session_factory, User) == 1


def test_demo_is_idempotent(duibiao, client, session_factory):
    first_run = duibiao("demo")
    assert first_run.exit_code == 0, first_run.output
    users = sorted((u.email, u.roles, u.organization_id) for u in all_rows(session_factory, select(User)))
    organizations = count(session_factory, Organization)
    assert [u[0] for u in users] == sorted(email for email, *_ in DEMO_ACCOUNTS)

    second_run = duibiao("demo")
    assert second_run.exit_code == 0, second_run.output
    assert second_run.output == first_run.output
    assert sorted((u.email, u.roles, u.organization_id)
                  for u in all_rows(session_factory, select(User))) == users
    assert count(session_factory, Organization) == organizations
    # 信息填报: ent1 and inst1 filled in (once, with one 相关附件); ent2 and inst2 not.
    filled = {row.organization_id for row in all_rows(session_factory, select(EnterpriseProfile))} | {
        row.organization_id for row in all_rows(session_factory, select(InstitutionProfile))}
    by_email = {email: organization_id for email, _roles, organization_id in users}
    assert filled == {by_email["ent1@demo.duibiao.cn"], by_email["inst1@demo.duibiao.cn"]}
    assert count(session_factory, InstitutionProfileFile) == 1

    email, password, *_ = DEMO_ACCOUNTS[3]
    assert email in first_run.output and password in first_run.output
    assert login(client, email, password).status_code == 302


def test_workflows_validate(duibiao):
    result = duibiao("workflows", "validate")
    assert result.exit_code == 0, result.output
    import workflows

    assert json.loads(result.output.strip().splitlines()[-1]) == {
        "status": "ok", "files": [name for name, _source in workflows.bpmn_files()]}


def test_engine_tick_reads_a_time_without_offset_as_china_time(duibiao):
    result = duibiao("engine", "tick", "--now", "2026-12-05T00:00:00")
    assert result.exit_code == 0, result.output
    assert "2026-12-05 00:00:00（北京时间）" in result.output
    assert "触发 0 个流程实例的定时器" in result.output

    utc = duibiao("engine", "tick", "--now", "2026-12-05T00:00:00+00:00")
    assert "2026-12-05 08:00:00（北京时间）" in utc.output
