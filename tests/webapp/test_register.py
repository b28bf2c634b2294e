"""注册: the three steps on one page, the SMS code, and every refusal with its Chinese message."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from storage.models import (
    HumanTask,
    Organization,
    ProcessInstance,
    RegistrationSubmission,
    SmsCode,
    StoredFile,
    SubmissionFile,
    User,
)
from tests.conftest import START
from tests.factories import PDF_BYTES
from tests.webapp.helpers import (
    CJK,
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    PHONE,
    all_rows,
    count,
    field_errors,
    first,
    input_value,
    outbox,
    page,
    pdf,
    post_registration,
    registration_form,
    request_sms_code,
    sms_codes,
    text_of,
)

STORED = (Organization, User, ProcessInstance, RegistrationSubmission, StoredFile, HumanTask)
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
BIG_PDF = b"%PDF-1.4\n" + b"0" * (20 * 1024 * 1024) + b"\n%%EOF\n"


def stored_counts(session_factory) -> dict[str, int]:
    return {model.__name__: count(session_factory, model) for model in STORED}


def assert_not_logged_in(client):
    response = client.get("/account/status")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_register_page_shows_the_three_steps_of_the_manual(client):
    response = client.get("/register")
    assert response.status_code == 200
    text = text_of(response)
    for words in ("第一步：选择用户类型", "第二步：设置用户名及登录密码", "第三步：填写单位信息并上传文件",
                  "机构用户（第三方技术机构）", "企业用户", "营业执照", "资质文件", "获取验证码"):
        assert words in text
    root = page(response)
    assert root.xpath("//form[@id='register-form']/@enctype") == ["multipart/form-data"]
    assert {o.get("value") for o in root.xpath("//select[@name='province_code']/option")} >= {
        "110000", "440000"}


def test_enterprise_registers_is_logged_in_and_the_office_gets_the_task(
        app, client, office, session_factory, make_client):
    code = request_sms_code(client, app)
    response = post_registration(client, registration_form(code, email="New@Test.CN"))

    assert response.status_code == 302, field_errors(response)
    assert response.headers["Location"].endswith("/account/status")
    status = client.get("/account/status")
    assert status.status_code == 200
    text = text_of(status)
    assert "new@test.cn" in text and "深圳新注册科技有限公司" in text
    assert "注册信息已提交，请等待专项办审核" in text
    assert page(status).xpath("string(//*[@data-org-status])").strip() == "待审核"
    # Stored at 01:30 UTC, shown at 09:30 China time.
    submission = first(session_factory, select(RegistrationSubmission))
    assert submission.created_at == START
    assert "2026-11-02 09:30" in text and "01:30" not in text

    organization = first(session_factory, select(Organization).where(Organization.kind == "enterprise"))
    assert (organization.name, organization.status, organization.province_code, organization.city_code,
            organization.contact, organization.phone) == (
        "深圳新注册科技有限公司", "pending", "440000", "440300", "张三", PHONE)
    user = first(session_factory, select(User).where(User.organization_id == organization.id))
    assert user.email == "new@test.cn" and user.roles == "enterprise"
    assert "Abcd1234!" not in user.password_hash
    instance = first(session_factory, select(ProcessInstance))
    assert (instance.process_key, instance.stage, instance.started_by_org_id) == (
        "registration_vetting", "vetting", organization.id)
    files = all_rows(session_factory, select(SubmissionFile))
    assert [f.kind for f in files] == ["business_license"]
    stored = first(session_factory, select(StoredFile))
    assert stored.original_name == "营业执照.pdf"
    path = Path(app.config["DATA_DIR"]) / "files" / stored.sha256[:2] / stored.sha256[2:]
    assert path.read_bytes() == PDF_BYTES

    inbox = make_client(OFFICE_EMAIL, OFFICE_PASSWORD).get("/tasks/")
    rows = page(inbox).xpath("//tr[@data-task-id]")
    assert len(rows) == 1
    assert "注册审核" in rows[0].text_content() and "深圳新注册科技有限公司" in rows[0].text_content()


def test_institution_registers_with_its_qualification_file(app, client, office, session_factory):
    code = request_sms_code(client, app)
    qualification = PDF_BYTES.replace(b"200 200", b"300 300")
    response = post_registration(client, registration_form(
        code, user_type="institution", email="inst@test.cn", name="华测检测认证有限公司",
        qualification=pdf("资质证书.pdf", qualification)))

    assert response.status_code == 302, field_errors(response)
    assert response.headers["Location"].endswith("/account/status")
    organization = first(session_factory, select(Organization).where(Organization.kind == "institution"))
    assert (organization.name, organization.status) == ("华测检测认证有限公司", "pending")
    files = all_rows(session_factory, select(SubmissionFile).order_by(SubmissionFile.kind))
    assert [f.kind for f in files] == ["business_license", "qualification"]
    names = {f.original_name for f in all_rows(session_factory, select(StoredFile))}
    assert names == {"营业执照.pdf", "资质证书.pdf"}


def test_missing_fields_are_each_named_in_chinese_and_nothing_is_stored(
        app, client, office, session_factory):
    before = stored_counts(session_factory)
    response = post_registration(client, {"user_type": "enterprise"})

    assert response.status_code == 422
    errors = field_errors(response)
    for field in ("email", "password", "password_confirm", "province_code", "city_code", "name",
                  "contact", "phone", "business_license", "sms_code"):
        assert errors.get(field), f"no message at {field}: {errors}"
    assert all(CJK.search(message) for messages in errors.values() for message in messages), errors
    assert stored_counts(session_factory) == before
    assert_not_logged_in(client)


BAD_INPUT = {
    "invalid email": ({"email": "not-an-email"}, "email", "请输入有效的邮箱地址"),
    "short password": ({"password": "Ab1!x", "password_confirm": "Ab1!x"}, "password", "密码至少 8 位"),
    "one character class": ({"password": "abcdefghij", "password_confirm": "abcdefghij"}, "password",
                            "至少两类"),
    "mismatched confirmation": ({"password_confirm": "Abcd1234?"}, "password_confirm",
                                "两次输入的密码不一致"),
    "PNG renamed .pdf": ({"business_license": pdf("营业执照.pdf", PNG_BYTES)}, "business_license",
                         "请上传 PDF 格式的文件"),
    "PDF over 20 MB": ({"business_license": pdf("营业执照.pdf", BIG_PDF)}, "business_license",
                       "文件不能超过 20 MB"),
    "file name with a parent path": ({"business_license": pdf("../营业执照.pdf")}, "business_license",
                                     "文件名不能包含路径"),
    "file name with a folder": ({"business_license": pdf("docs/营业执照.pdf")}, "business_license",
                                "文件名不能包含路径"),
    "city of another province": ({"province_code": "440000", "city_code": "110100"}, "city_code",
                                 "所选城市不属于所选省份"),
    "institution without 资质文件": ({"user_type": "institution"}, "qualification",
                                   "机构用户须上传资质文件"),
    "bad mobile number": ({"phone": "12345"}, "phone", "请输入 11 位手机号码"),
    "unknown user type": ({"user_type": "office"}, "user_type", ""),
}


@pytest.mark.parametrize("overrides, field, message", list(BAD_INPUT.values()), ids=list(BAD_INPUT))
def test_bad_input_is_refused_at_its_field_and_nothing_is_stored(
        app, client, office, session_factory, overrides, field, message):
    code = request_sms_code(client, app)
    before = stored_counts(session_factory)
    response = post_registration(client, registration_form(code, **overrides))

    assert response.status_code == 422
    errors = field_errors(response)
    assert errors.get(field), f"no message at {field}: {errors}"
    assert any(message in shown for shown in errors[field]), errors
    assert all(CJK.search(shown) for shown in errors[field]), f"not Chinese: {errors[field]}"
    assert stored_counts(session_factory) == before
    assert_not_logged_in(client)
    # What was typed stays in the form; passwords are never sent back.
    assert input_value(response, "contact") == "张三"
    assert "Abcd1234!" not in response.get_data(as_text=True)


def test_a_taken_email_is_refused_in_any_case_and_the_sms_code_stays_usable(
        app, client, applicant, session_factory):
    code = request_sms_code(client, app)
    before = stored_counts(session_factory)
    response = post_registration(client, registration_form(code, email="Applicant@Test.CN"))

    assert response.status_code == 422
    assert field_errors(response)["email"] == ["该用户名已被注册"]
    # The passwords and files are not sent back: the page says so.
    assert "需重新输入登录密码" in page(response).xpath("string(//*[@data-reselect])")
    assert stored_counts(session_factory) == before
    assert_not_logged_in(client)
    # The refused request rolled back: the same code still registers another address.
    response = post_registration(client, registration_form(code, email="fresh@test.cn"))
    assert response.status_code == 302, field_errors(response)


def test_a_wrong_sms_code_is_refused(app, client, office, session_factory):
    code = request_sms_code(client, app)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    before = stored_counts(session_factory)
    response = post_registration(client, registration_form(wrong))

    assert response.status_code == 422
    assert field_errors(response)["sms_code"] == ["验证码不正确"]
    assert stored_counts(session_factory) == before
    assert_not_logged_in(client)


def test_an_expired_sms_code_is_refused(app, client, office, session_factory, frozen_clock):
    code = request_sms_code(client, app)
    frozen_clock.set_now(START + timedelta(minutes=11))
    before = stored_counts(session_factory)
    response = post_registration(client, registration_form(code))

    assert response.status_code == 422
    assert field_errors(response)["sms_code"] == ["验证码已过期，请重新获取"]
    assert stored_counts(session_factory) == before


def test_a_code_never_requested_or_sent_to_another_phone_is_refused(app, client, office, session_factory):
    response = post_registration(client, registration_form("123456"))
    assert response.status_code == 422
    assert field_errors(response)["sms_code"] == ["请先获取手机验证码"]

    code = request_sms_code(client, app, "13700001111")
    response = post_registration(client, registration_form(code))  # the form's phone is PHONE
    assert response.status_code == 422
    assert field_errors(response)["sms_code"] == ["请先获取手机验证码"]
    assert first(session_factory, select(Organization).where(Organization.kind == "enterprise")) is None


def test_five_wrong_codes_use_the_code_up(app, client, office, session_factory):
    code = request_sms_code(client, app)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        assert post_registration(client, registration_form(wrong)).status_code == 422
    response = post_registration(client, registration_form(code))

    assert response.status_code == 422
    assert field_errors(response)["sms_code"] == ["验证码错误次数过多，请重新获取"]
    assert first(session_factory, select(Organization).where(Organization.kind == "enterprise")) is None


def test_sms_code_is_sent_once_a_minute(app, client, office, session_factory, frozen_clock):
    first_answer = client.post("/register/sms-code", data={"phone": PHONE})
    assert first_answer.status_code == 200
    assert first_answer.get_json()["ok"] is True and first_answer.get_json()["retry_after"] == 60
    sent = outbox(app, "sms")
    assert [m["to"] for m in sent] == [PHONE]
    assert "10 分钟内有效" in sent[0]["text"]

    again = client.post("/register/sms-code", data={"phone": PHONE})
    assert again.status_code == 429
    assert again.get_json()["retry_after"] == 60 and again.get_json()["ok"] is False
    assert CJK.search(again.get_json()["message"])
    frozen_clock.set_now(START + timedelta(seconds=45))
    later = client.post("/register/sms-code", data={"phone": PHONE})
    assert later.status_code == 429 and later.get_json()["retry_after"] == 15
    assert len(sms_codes(app)) == 1
    assert len(all_rows(session_factory, select(SmsCode))) == 1

    frozen_clock.set_now(START + timedelta(seconds=60))
    resent = client.post("/register/sms-code", data={"phone": PHONE})
    assert resent.status_code == 200 and resent.get_json()["retry_after"] == 60
    old, new = sms_codes(app)
    if old != new:  # one chance in a million that they are equal
        refused = post_registration(client, registration_form(old))
        assert field_errors(refused)["sms_code"] == ["验证码不正确"]
    response = post_registration(client, registration_form(new))
    assert response.status_code == 302, field_errors(response)


def test_sms_code_needs_a_mobile_number(app, client):
    response = client.post("/register/sms-code", data={"phone": "0755-1234"})
    assert response.status_code == 422
    assert response.get_json() == {"ok": False, "field": "phone", "message": "请输入 11 位手机号码"}
    assert outbox(app, "sms") == []


def test_cities_of_a_province_for_the_region_picker(client):
    response = client.get("/regions/440000.json")
    assert response.status_code == 200
    cities = {c["code"]: c["name"] for c in response.get_json()}
    assert cities["440300"] == "深圳市" and "110100" not in cities


def test_region_picker_in_english(client):
    client.set_cookie("locale", "en")
    cities = {c["code"]: c["name"] for c in client.get("/regions/440000.json").get_json()}
    assert cities["440300"] == "Shenzhen" and cities["440100"] == "Guangzhou"
    page = client.get("/register").get_data(as_text=True)
    assert '<option value="440000">Guangdong</option>' in page
    assert '"440000":{"name":"Guangdong","cities":[["440100","Guangzhou"]' in page  # static/regions.js' data


def test_one_client_cannot_text_many_numbers(app, client, session_factory, frozen_clock):
    """The probe sent codes to 20 numbers in a second from one client: now each address has its hourly
    budget (and the platform one of its own), refused with a clear message, the count atomic."""
    app.config.update(SMS_ADDRESS_LIMIT=3, SMS_HOURLY_LIMIT=5)  # the app fixture restores the config
    answers = [client.post("/register/sms-code", data={"phone": f"1390000{n:04d}"}) for n in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429, 429]
    refused = answers[3].get_json()
    assert refused["message"] == "本机获取验证码过于频繁，请 60 分钟后再试" and refused["retry_after"] == 3600
    assert len(outbox(app, "sms")) == 3 and len(all_rows(session_factory, select(SmsCode))) == 3

    other = app.test_client()  # another address: its own budget, until the platform's is spent
    other_answers = [other.post("/register/sms-code", data={"phone": f"1370000{n:04d}"},
                                environ_base={"REMOTE_ADDR": "203.0.113.9"}) for n in range(3)]
    assert [a.status_code for a in other_answers] == [200, 200, 429]
    assert other_answers[2].get_json()["message"] == "短信发送繁忙，请 60 分钟后再试"

    frozen_clock.set_now(START + timedelta(hours=1, seconds=1))  # a new hour
    assert client.post("/register/sms-code", data={"phone": "13900009999"}).status_code == 200
