"""忘记密码: a single-use, short-lived link by e-mail (or a 手机验证码), answers that never tell whether an
account exists, throttling, and a reset that ends every session and API token of the account."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from engine.domain import auth as auth_domain
from engine.domain import password_reset
from storage.models import Throttle, User
from tests.webapp.helpers import (
    OTHER_EMAIL,
    OTHER_PASSWORD,
    api_token,
    count,
    field_errors,
    first,
    flashes,
    login,
    outbox,
    sms_codes,
    text_of,
)

NEW_PASSWORD = "Forgot#2026"
PHONE = "13800138000"  # the 联系电话 of the demo organisations
NEUTRAL = "如果该邮箱已注册，我们已向其发送重置密码的链接"


def ask(client, email: str, channel: str = "email"):
    return client.post("/password/forgot", data={"email": email, "captcha": "PASSED", "channel": channel})


def reset_links(app, email: str = OTHER_EMAIL) -> list[str]:
    return [re.search(r"http://[^/]+(/password/reset/\S+)", m["text"]).group(1)
            for m in outbox(app, "email") if m["to"] == email and m["subject"] == "重置密码"]


def set_password(client, link: str, password: str = NEW_PASSWORD, confirm: str | None = None):
    return client.post(link, data={"new_password": password, "confirm_password": confirm or password})


def password_hash(session_factory) -> str:
    return first(session_factory, select(User.password_hash).where(User.email == OTHER_EMAIL))


def test_the_login_page_offers_it_and_the_answer_is_the_same_for_unknown_addresses(other_enterprise, client, app):
    assert "/password/forgot" in client.get("/login").get_data(as_text=True)
    known, unknown = ask(client, OTHER_EMAIL), ask(client, "nobody@example.cn")
    assert known.status_code == unknown.status_code == 200
    assert NEUTRAL in text_of(known) and NEUTRAL in text_of(unknown)
    assert text_of(known) == text_of(unknown)
    assert len(reset_links(app)) == 1 and reset_links(app, "nobody@example.cn") == []


def test_a_forgotten_password_is_reset_by_the_link_once(other_enterprise, make_client, client, app,
                                                         session_factory):
    old_session = make_client(OTHER_EMAIL, OTHER_PASSWORD)
    old_token = api_token(client, OTHER_EMAIL, OTHER_PASSWORD)
    assert old_session.get("/account/profile").status_code == 200
    ask(client, OTHER_EMAIL.upper())  # the login name is matched as login matches it
    link = reset_links(app)[-1]
    page = client.get(link)
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "same-origin"

    done = set_password(client, link)
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert "密码已重置" in flashes(client.get("/login"))[0]
    assert login(client, OTHER_EMAIL, NEW_PASSWORD).status_code == 302
    assert client.get("/account/profile").status_code == 200
    # Every session and API token from before the reset is refused.
    assert old_session.get("/account/profile").status_code == 302
    assert client.get("/api/v1/tasks", headers=old_token).status_code == 401
    # The link is spent: it neither opens nor changes anything again.
    assert client.get(link).status_code == 410
    before = password_hash(session_factory)
    assert set_password(client, link, "Another#2026").status_code == 410
    assert password_hash(session_factory) == before
    assert any(m["subject"] == "密码已重置" for m in outbox(app, "email") if m["to"] == OTHER_EMAIL)


def test_a_link_expires_after_30_minutes(other_enterprise, client, app, session_factory, frozen_clock):
    ask(client, OTHER_EMAIL)
    link = reset_links(app)[-1]
    before = password_hash(session_factory)
    frozen_clock.set_now(frozen_clock.now() + timedelta(minutes=29))
    assert client.get(link).status_code == 200
    frozen_clock.set_now(frozen_clock.now() + timedelta(minutes=2))
    assert client.get(link).status_code == 410
    assert "重置链接无效或已过期" in text_of(client.get(link))
    assert set_password(client, link).status_code == 410
    assert password_hash(session_factory) == before


def test_a_newer_link_voids_the_older_and_a_made_up_one_opens_nothing(other_enterprise, client, app):
    ask(client, OTHER_EMAIL)
    ask(client, OTHER_EMAIL)
    older, newer = reset_links(app)
    assert client.get(older).status_code == 410
    assert client.get(newer).status_code == 200
    assert client.get("/password/reset/" + "A" * 43).status_code == 410


def test_bad_input_is_told_at_the_field_and_changes_nothing(other_enterprise, client, app, session_factory):
    ask(client, OTHER_EMAIL)
    link = reset_links(app)[-1]
    before = password_hash(session_factory)
    weak = set_password(client, link, "abcdefgh")
    assert weak.status_code == 422
    assert field_errors(weak) == {"new_password": ["密码须包含字母、数字、符号中的至少两类"]}
    differ = set_password(client, link, NEW_PASSWORD, "Other#2026x")
    assert field_errors(differ) == {"confirm_password": ["两次输入的新密码不一致"]}
    assert password_hash(session_factory) == before
    assert set_password(client, link).status_code == 302  # the link survived the refusals


def test_requests_are_throttled_per_address_whether_or_not_the_account_exists(other_enterprise, client, app):
    for _ in range(password_reset.PER_EMAIL):
        assert ask(client, OTHER_EMAIL).status_code == 200
    refused = ask(client, OTHER_EMAIL)
    assert refused.status_code == 422
    assert field_errors(refused) == {"email": ["申请过于频繁，请 60 分钟后再试"]}
    assert len(reset_links(app)) == password_reset.PER_EMAIL
    for _ in range(password_reset.PER_EMAIL):
        ask(client, "nobody@example.cn")
    assert field_errors(ask(client, "nobody@example.cn")) == {"email": ["申请过于频繁，请 60 分钟后再试"]}


def test_a_wrong_captcha_sends_nothing(other_enterprise, client, app):
    refused = client.post("/password/forgot", data={"email": OTHER_EMAIL, "captcha": "WRONG"})
    assert field_errors(refused) == {"captcha": ["验证码不正确"]}
    assert reset_links(app) == []


def test_a_reset_lifts_a_login_lock_out(other_enterprise, client, app, session_factory):
    for _ in range(auth_domain.MAX_FAILURES + 1):
        login(client, OTHER_EMAIL, "Wrong#12345")
    assert "登录失败次数过多" in text_of(login(client, OTHER_EMAIL, OTHER_PASSWORD))
    ask(client, OTHER_EMAIL)
    assert set_password(client, reset_links(app)[-1]).status_code == 302
    assert count(session_factory, Throttle, Throttle.key == f"login:email:{OTHER_EMAIL}") == 0
    assert login(client, OTHER_EMAIL, NEW_PASSWORD).status_code == 302


def test_a_phone_code_resets_the_password_and_a_wrong_or_unknown_one_does_not(other_enterprise, client, app,
                                                                               session_factory):
    asked = ask(client, OTHER_EMAIL, "sms")
    assert asked.status_code == 302 and "/password/reset/sms" in asked.headers["Location"]
    code = sms_codes(app, PHONE)[-1]
    form = {"email": OTHER_EMAIL, "sms_code": code, "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD}
    before = password_hash(session_factory)
    wrong = client.post("/password/reset/sms", data={**form, "sms_code": "000000" if code != "000000" else "111111"})
    unknown = client.post("/password/reset/sms", data={**form, "email": "nobody@example.cn"})
    assert field_errors(wrong) == field_errors(unknown) == {"sms_code": ["验证码不正确"]}
    assert password_hash(session_factory) == before

    assert client.post("/password/reset/sms", data=form).status_code == 302
    assert login(client, OTHER_EMAIL, NEW_PASSWORD).status_code == 302
    client.post("/logout")
    again = client.post("/password/reset/sms", data={**form, "new_password": "Again#2026",
                                                     "confirm_password": "Again#2026"})
    assert field_errors(again) == {"sms_code": ["请先获取手机验证码"]}  # the code was used
