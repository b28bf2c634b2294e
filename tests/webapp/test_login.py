"""登录 / 退出: the captcha, wrong passwords, throttling, where a login lands."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from storage.models import User
from tests.conftest import START
from tests.webapp.helpers import (
    APPLICANT_EMAIL,
    APPLICANT_PASSWORD,
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    field_errors,
    first,
    flashes,
    login,
    page,
    text_of,
)


def is_logged_in(client) -> bool:
    return client.get("/account/status").status_code == 200


def test_login_page_asks_for_user_name_password_and_captcha(client):
    response = client.get("/login")
    assert response.status_code == 200
    text = text_of(response)
    assert "用户登录" in text and "用户名" in text and "密码" in text and "验证码" in text
    assert page(response).xpath("//img[@id='captcha-image']/@src") == ["/captcha.png"]

    image = client.get("/captcha.png")
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG") and image.headers["Cache-Control"] == "no-store"


def test_office_logs_in_and_lands_on_its_inbox(client, office, session_factory):
    response = login(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/"
    home = client.get("/account/")
    assert home.status_code == 302 and home.headers["Location"].endswith("/tasks/")
    assert "待办" in text_of(client.get("/tasks/"))
    user = first(session_factory, select(User).where(User.email == OFFICE_EMAIL))
    assert user.last_login_at == START


def test_user_name_is_not_case_sensitive(client, office):
    assert login(client, "  Office@Test.CN ", OFFICE_PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_wrong_captcha_is_refused(client, office):
    response = login(client, OFFICE_EMAIL, OFFICE_PASSWORD, captcha="ABCD")
    assert response.status_code == 200
    assert field_errors(response) == {"captcha": ["验证码不正确"]}
    assert not is_logged_in(client)


def test_missing_fields_are_named(client):
    response = client.post("/login", data={})
    errors = field_errors(response)
    assert errors == {"email": ["请输入用户名"], "password": ["请输入密码"], "captcha": ["请输入验证码"]}


def test_wrong_password_and_unknown_user_get_the_same_chinese_message(client, office):
    wrong = login(client, OFFICE_EMAIL, "Office#124")
    unknown = login(client, "nobody@test.cn", OFFICE_PASSWORD)
    assert field_errors(wrong) == field_errors(unknown) == {"password": ["用户名或密码不正确"]}
    assert not is_logged_in(client)
    # The e-mail typed stays in the form, the password does not.
    assert page(wrong).xpath("//input[@name='email']/@value") == [OFFICE_EMAIL]
    assert "Office#124" not in wrong.get_data(as_text=True)


def test_a_disabled_user_cannot_log_in(client, office, session_factory):
    with session_factory() as session:
        session.execute(update(User).where(User.email == OFFICE_EMAIL).values(is_enabled=False))
        session.commit()
    response = login(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    assert field_errors(response) == {"password": ["用户名或密码不正确"]}
    assert not is_logged_in(client)


def test_five_failures_block_the_right_password_for_a_while(client, office, frozen_clock):
    for _ in range(5):
        response = login(client, OFFICE_EMAIL, "wrong-password-1")
        assert field_errors(response) == {"password": ["用户名或密码不正确"]}

    blocked = login(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    assert blocked.status_code == 200
    message = field_errors(blocked)["password"]
    assert len(message) == 1 and "登录失败次数过多" in message[0] and "分钟后再试" in message[0]
    assert not is_logged_in(client)

    frozen_clock.set_now(START + timedelta(minutes=16))
    assert login(client, OFFICE_EMAIL, OFFICE_PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_a_successful_login_clears_earlier_failures(client, office, app):
    for _ in range(4):
        login(client, OFFICE_EMAIL, "wrong-password-1")
    assert login(client, OFFICE_EMAIL, OFFICE_PASSWORD).status_code == 302
    client.post("/logout")
    for _ in range(4):
        login(client, OFFICE_EMAIL, "wrong-password-1")
    assert login(client, OFFICE_EMAIL, OFFICE_PASSWORD).status_code == 302


def test_logout(client, office):
    login(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    assert is_logged_in(client)
    assert client.get("/logout").status_code == 405  # a link cannot log anybody out

    response = client.post("/logout")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "您已退出登录" in flashes(client.get("/"))
    assert not is_logged_in(client)
    assert "登录" in text_of(client.get("/"))


def test_login_returns_to_the_page_asked_for_but_never_off_site(client, applicant):
    asked = client.get("/account/messages")
    assert asked.status_code == 302 and "/login?next=" in asked.headers["Location"]
    response = client.post("/login?next=/account/messages", data={
        "email": APPLICANT_EMAIL, "password": APPLICANT_PASSWORD, "captcha": "PASSED"})
    assert response.headers["Location"] == "/account/messages"
    client.post("/logout")
    response = client.post("/login?next=//evil.example/x", data={
        "email": APPLICANT_EMAIL, "password": APPLICANT_PASSWORD, "captcha": "PASSED"})
    assert response.headers["Location"] == "/account/"


def test_logging_out_ends_the_session_on_the_server(client, office, app):
    """A cookie copied before 退出 (a shared computer, a stolen cookie) opens nothing afterwards."""
    login(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    copied = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", copied)
    response = replay.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    # A new login is a new session, untouched by the old one's logout.
    login(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    assert is_logged_in(client)


def test_a_captcha_cookie_cannot_be_replayed(client, office, app):
    """The captcha's digest travels in the cookie; the server spends its id at the first answer, so the
    cookie from before an attempt cannot be sent again for another try (right or wrong)."""
    from webapp import captcha_image

    app.config["CAPTCHA_TEST_MODE"] = False  # the app fixture restores the config afterwards
    client.get("/captcha.png")
    with client.session_transaction() as saved:
        with app.test_request_context():
            saved["captcha"] = {**saved["captcha"], "digest": captcha_image._digest("ABCD")}
    before_attempt = client.get_cookie("session").value
    wrong = login(client, OFFICE_EMAIL, OFFICE_PASSWORD, captcha="WXYZ")
    assert field_errors(wrong) == {"captcha": ["验证码不正确"]}
    client.set_cookie("session", before_attempt)  # the same captcha again, now with the right answer
    replayed = login(client, OFFICE_EMAIL, OFFICE_PASSWORD, captcha="ABCD")
    assert field_errors(replayed) == {"captcha": ["验证码不正确"]} and not is_logged_in(client)
    client.get("/captcha.png")  # a fresh captcha answered rightly logs in
    with client.session_transaction() as saved:
        with app.test_request_context():
            saved["captcha"] = {**saved["captcha"], "digest": captcha_image._digest("EFGH")}
    login(client, OFFICE_EMAIL, OFFICE_PASSWORD, captcha="EFGH")
    assert is_logged_in(client)


def _solve(question: str) -> int:
    """The 文字验证码's question ("七 加 五 等于几？…") worked out."""
    digits = "零一二三四五六七八九"
    first, operation, second = question.split("等于")[0].split()
    first, second = digits.index(first), digits.index(second)
    return first + second if operation == "加" else first - second


def test_the_text_captcha_is_a_question_in_words_good_for_one_answer(client, office):
    page_html = client.get("/login").get_data(as_text=True)
    assert 'href="/captcha.txt"' in page_html and "改用文字验证码" in page_html
    response = client.get("/captcha.txt")
    assert response.mimetype == "text/plain" and response.headers["Cache-Control"] == "no-store"
    question = response.get_data(as_text=True)
    assert question.endswith("请填写阿拉伯数字。") and not any(c.isdigit() for c in question)
    answer = _solve(question)
    wrong = login(client, OFFICE_EMAIL, OFFICE_PASSWORD, captcha=str(answer + 1))
    assert field_errors(wrong) == {"captcha": ["验证码不正确"]} and not is_logged_in(client)
    question = client.get("/captcha.txt").get_data(as_text=True)
    login(client, OFFICE_EMAIL, OFFICE_PASSWORD, captcha=str(_solve(question)))
    assert is_logged_in(client)


def test_asking_for_the_text_captcha_replaces_the_image(client, office, app):
    from webapp import captcha_image

    client.get("/captcha.png")
    with client.session_transaction() as saved:
        image_digest = saved["captcha"]["digest"]
    question = client.get("/captcha.txt").get_data(as_text=True)
    with client.session_transaction() as saved:
        assert saved["captcha"]["digest"] != image_digest
    with app.test_request_context():
        assert saved["captcha"]["digest"] == captcha_image._digest(str(_solve(question)))
