"""One rule for a user name (e-mail): 注册 and ``duibiao users create`` accept and refuse the same
addresses, with the same message."""
from __future__ import annotations

import pytest

from engine.domain.auth import email_problem
from storage.models import User
from tests.webapp.helpers import count, field_errors, post_registration, registration_form, request_sms_code
from webapp.cli import main

REFUSED = ["ent@example.test", "ent@demo.test", "ent@localhost", "ent@shop.invalid", "ent@x.onion",
           "ent@local", "not-an-email", "ent@@test.cn", "en t@test.cn", "ent@test..cn", ".ent@test.cn"]
MESSAGE = "请输入有效的邮箱地址"


@pytest.fixture
def duibiao(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(main, list(args))


def _create(duibiao, email: str):
    return duibiao("users", "create", "--email", email, "--password", "Ent#20261", "--role", "enterprise",
                   "--org", "命令行企业有限公司")


def test_registration_and_the_cli_refuse_the_same_addresses(app, client, office, duibiao, session_factory):
    code = request_sms_code(client, app)
    for email in REFUSED:
        assert email_problem(email) == MESSAGE, email
        response = post_registration(client, registration_form(code, email=email))
        assert response.status_code == 422 and field_errors(response)["email"] == [MESSAGE], email
        result = _create(duibiao, email)
        assert result.exit_code != 0 and MESSAGE in result.output, (email, result.output)
    assert count(session_factory, User) == 1  # the office only


def test_registration_and_the_cli_accept_the_same_addresses(app, client, office, duibiao, session_factory):
    assert email_problem("new@test.cn") is None
    assert post_registration(client, registration_form(request_sms_code(client, app), email="new@test.cn")
                             ).status_code == 302
    result = _create(duibiao, "cli@test.cn")
    assert result.exit_code == 0, result.output
    assert count(session_factory, User) == 3
