"""Login throttling per account and per client address: colleagues behind one NAT address are not
locked out by one user's typos, while an address trying many accounts is still slowed down."""
from __future__ import annotations

from datetime import timedelta

import pytest
from flask import request

from engine.domain import auth as accounts
from tests.conftest import START
from tests.webapp.helpers import (
    APPLICANT_EMAIL,
    APPLICANT_PASSWORD,
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    field_errors,
    login,
)

OFFICE_NAT = {"REMOTE_ADDR": "203.0.113.7"}


def blocked(response) -> bool:
    return any("登录失败次数过多" in m for m in field_errors(response).get("password", []))


def test_one_users_typos_do_not_lock_out_colleagues_at_the_same_address(app, office, applicant):
    typist, colleague = app.test_client(), app.test_client()
    for _ in range(accounts.MAX_FAILURES):
        login(typist, APPLICANT_EMAIL, "wrong-password-1", environ_base=OFFICE_NAT)
    assert blocked(login(typist, APPLICANT_EMAIL, APPLICANT_PASSWORD, environ_base=OFFICE_NAT))

    response = login(colleague, OFFICE_EMAIL, OFFICE_PASSWORD, environ_base=OFFICE_NAT)
    assert response.status_code == 302, field_errors(response)


def test_many_failures_from_one_address_block_every_account_there(app, office, frozen_clock):
    sprayer = app.test_client()
    for n in range(accounts.MAX_FAILURES_PER_ADDRESS):
        response = login(sprayer, f"user{n}@test.cn", "Spray#2026", environ_base=OFFICE_NAT)
        assert field_errors(response) == {"password": ["用户名或密码不正确"]}, n

    refused = login(app.test_client(), OFFICE_EMAIL, OFFICE_PASSWORD, environ_base=OFFICE_NAT)
    assert refused.status_code == 200 and blocked(refused)
    elsewhere = login(app.test_client(), OFFICE_EMAIL, OFFICE_PASSWORD,
                      environ_base={"REMOTE_ADDR": "198.51.100.9"})
    assert elsewhere.status_code == 302

    frozen_clock.set_now(START + timedelta(minutes=16))
    assert login(app.test_client(), OFFICE_EMAIL, OFFICE_PASSWORD, environ_base=OFFICE_NAT).status_code == 302


def test_a_successful_login_does_not_reset_the_address_count(app, office, applicant):
    sprayer = app.test_client()
    for n in range(accounts.MAX_FAILURES_PER_ADDRESS - 1):
        login(sprayer, f"user{n}@test.cn", "Spray#2026", environ_base=OFFICE_NAT)
    assert login(sprayer, APPLICANT_EMAIL, APPLICANT_PASSWORD, environ_base=OFFICE_NAT).status_code == 302
    sprayer.post("/logout")
    login(sprayer, "last@test.cn", "Spray#2026", environ_base=OFFICE_NAT)
    assert blocked(login(app.test_client(), OFFICE_EMAIL, OFFICE_PASSWORD, environ_base=OFFICE_NAT))


def test_the_address_limit_is_much_higher_than_the_account_limit():
    assert accounts.MAX_FAILURES == 5 and accounts.MAX_FAILURES_PER_ADDRESS >= 50


@pytest.mark.parametrize(("trusted", "seen"), [(0, "10.0.0.2"), (1, "203.0.113.7")])
def test_behind_a_trusted_proxy_each_client_has_its_own_address(tmp_path, trusted, seen):
    """DUIBIAO_TRUSTED_PROXIES: the address the throttle counts by is the client's, not the proxy's."""
    import webapp

    app = webapp.create_app({"TESTING": True, "DATABASE_URL": "sqlite://", "DATA_DIR": str(tmp_path),
                             "SCHEDULER_ENABLED": False, "TRUSTED_PROXIES": trusted})
    app.add_url_rule("/_address", "address", lambda: request.remote_addr)
    response = app.test_client().get("/_address", headers={"X-Forwarded-For": "203.0.113.7"},
                                     environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert response.get_data(as_text=True) == seen
