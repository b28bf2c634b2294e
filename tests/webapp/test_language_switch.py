"""Issue 17: the header's language switch — Chinese by default, English when chosen, remembered in a
cookie and, for a logged-in user, on the user (their next login elsewhere, their e-mails); the JSON
API may choose by Accept-Language."""
from __future__ import annotations

import re

from engine.domain import messages
from engine.text import N_, lines
from tests.webapp.helpers import OTHER_EMAIL, outbox, page, text_of


def switch(client, locale: str, back: str = "/"):
    return client.get("/language", query_string={"locale": locale, "next": back})


def test_chinese_by_default_english_when_chosen_and_remembered(client):
    home = page(client.get("/"))
    assert home.xpath("/html/@lang") == ["zh-CN"]
    assert home.xpath("//*[contains(@class, 'language-switch')]//a[@data-locale='en']/text()") == ["English"]
    assert home.xpath("//*[contains(@class, 'language-switch')]//a[@data-locale='en']/@href") == [
        "/language?locale=en&next=/"]
    response = switch(client, "en", "/news/?page=1")
    assert response.status_code == 302 and response.headers["Location"] == "/news/?page=1"
    assert client.get_cookie("locale").value == "en"
    english = page(client.get("/"))
    assert english.xpath("/html/@lang") == ["en"]
    assert "Log in" in english.xpath("string(//header)")
    # The Chinese choice is named in Chinese, marked as such (a screen reader reads it in Chinese).
    assert english.xpath("//*[contains(@class, 'language-switch')]//a[@data-locale='zh_CN']/@lang") == ["zh-CN"]
    switch(client, "zh_CN")
    assert page(client.get("/")).xpath("/html/@lang") == ["zh-CN"]


def test_the_switch_goes_back_only_to_a_local_page_and_knows_its_languages(client):
    assert switch(client, "en", "https://evil.example/").headers["Location"] == "/"
    assert switch(client, "en", "//evil.example/").headers["Location"] == "/"
    switch(client, "xx")  # not a language the platform speaks: nothing changes
    assert client.get_cookie("locale").value == "en"


def test_a_users_choice_is_kept_on_the_user(applicant, applicant_client, make_client, session_factory):
    switch(applicant_client, "en")
    with session_factory() as session:
        assert messages.stored_locale(session, applicant.user_id) == "en"
    elsewhere = make_client(applicant.email, applicant.password)  # a new browser, no cookie
    assert page(elsewhere.get("/account/status")).xpath("/html/@lang") == ["en"]


def test_the_api_answers_in_the_language_asked(client):
    chinese = client.post("/api/v1/tokens", json={})
    english = client.post("/api/v1/tokens", json={}, headers={"Accept-Language": "en-US,en;q=0.9"})
    assert chinese.status_code == english.status_code
    assert chinese.get_data(as_text=True) != english.get_data(as_text=True)
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in english.get_data(as_text=True))


def test_a_notice_reads_in_the_readers_language(applicant, applicant_client, session_factory):
    with session_factory() as session:
        messages.notify(session, applicant.organization_id, N_("注册申请被退回"),
                        lines(N_("退回原因：%(reason)s", reason="Licence unreadable"),
                              N_("请在“注册状态”中修改后重新提交。")), email=False)
        messages.notify(session, applicant.organization_id, "注册审核通过", "旧的消息", email=False)  # before words
        session.commit()
    chinese = text_of(applicant_client.get("/account/messages"))
    assert "注册申请被退回" in chinese and "退回原因：Licence unreadable 请在“注册状态”中修改后重新提交。" in chinese
    switch(applicant_client, "en")
    shown = text_of(applicant_client.get("/account/messages"))
    assert "Registration returned for revision" in shown
    assert "Reason for return: Licence unreadable" in shown
    assert 'Please revise it under "Registration status" and resubmit.' in shown
    assert "Registration approved" in shown  # an older row: its fixed title through the catalogue
    assert "注册申请被退回" not in shown


def test_the_password_reset_mail_is_in_the_owners_language(other_enterprise, app, client, session_factory):
    with session_factory() as session:
        messages.save_locale(session, other_enterprise, "en")
        session.commit()
    client.post("/password/forgot", data={"email": OTHER_EMAIL, "captcha": "PASSED", "channel": "email"})
    [mail] = [m for m in outbox(app, "email") if m["to"] == OTHER_EMAIL]
    assert mail["subject"] == "Reset password"
    assert mail["text"].startswith(f"You are resetting the password of the account {OTHER_EMAIL}")
    assert "/password/reset/" in mail["text"]


def test_the_api_document_reads_in_english(client):
    document = client.get("/api/v1/openapi.json", headers={"Accept-Language": "en"}).get_data(as_text=True)
    found = sorted(set(re.findall(r"[^\"]*[\u3000-\u303f\u3400-\u9fff\uff00-\uffef][^\"]*", document)))
    assert not found, found[:20]
