"""修改注册信息 after a return: a new 手机号 needs a 手机验证码 from the same SMS interface as 注册; the
number on record needs none."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Organization, RegistrationSubmission
from tests.webapp.helpers import (
    CJK,
    count,
    decide,
    field_errors,
    first,
    open_task,
    page,
    request_sms_code,
)

NEW_PHONE = "13800001234"


def correction_form(**overrides) -> dict:
    form = {"province_code": "440000", "city_code": "440300", "name": "深圳测试科技股份有限公司",
            "contact": "李四", "phone": "13912345678"}
    form.update(overrides)
    return form


def returned(office_client, session_factory, applicant):
    task = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, task.id, "return", "请核对单位名称").status_code == 302
    return open_task(session_factory, applicant.instance_id)


def phone_on_record(session_factory, applicant) -> str:
    return first(session_factory, select(Organization.phone).where(Organization.id == applicant.organization_id))


def refused(response, message: str) -> None:
    assert response.status_code == 422
    errors = field_errors(response)
    assert any(message in m for m in errors.get("sms_code", [])), errors
    assert all(CJK.search(m) for m in errors["sms_code"])


def test_the_correction_page_offers_a_code_for_a_new_number(office_client, applicant, applicant_client,
                                                          session_factory):
    task = returned(office_client, session_factory, applicant)
    shown = page(applicant_client.get(f"/tasks/{task.id}"))
    assert shown.xpath("//input[@name='sms_code']")
    (button,) = shown.xpath("//button[@data-sms-button]")
    assert button.get("data-url") == "/register/sms-code" and button.text_content().strip() == "获取验证码"


def test_a_new_number_without_a_code_is_refused(office_client, applicant, applicant_client, session_factory):
    task = returned(office_client, session_factory, applicant)
    before = count(session_factory, RegistrationSubmission)
    refused(applicant_client.post(f"/tasks/{task.id}", data=correction_form(phone=NEW_PHONE)), "手机验证码")
    assert count(session_factory, RegistrationSubmission) == before
    assert phone_on_record(session_factory, applicant) == "13912345678"
    assert open_task(session_factory, applicant.instance_id).id == task.id


def test_a_new_number_with_a_wrong_code_is_refused(app, office_client, applicant, applicant_client,
                                                   session_factory):
    task = returned(office_client, session_factory, applicant)
    code = request_sms_code(applicant_client, app, NEW_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    refused(applicant_client.post(f"/tasks/{task.id}", data=correction_form(phone=NEW_PHONE, sms_code=wrong)),
            "验证码不正确")
    assert phone_on_record(session_factory, applicant) == "13912345678"

    # A code sent to another number does not verify this one.
    other = request_sms_code(applicant_client, app, "13700007777")
    if other != code:
        refused(applicant_client.post(f"/tasks/{task.id}", data=correction_form(phone=NEW_PHONE, sms_code=other)),
                "验证码不正确")


def test_a_new_number_with_its_code_is_accepted(app, office_client, applicant, applicant_client, session_factory):
    task = returned(office_client, session_factory, applicant)
    code = request_sms_code(applicant_client, app, NEW_PHONE)
    response = applicant_client.post(f"/tasks/{task.id}", data=correction_form(phone=NEW_PHONE, sms_code=code))
    assert response.status_code == 302, field_errors(response)
    assert phone_on_record(session_factory, applicant) == NEW_PHONE
    assert open_task(session_factory, applicant.instance_id).task_name == "vet_registration"


def test_the_number_on_record_needs_no_code(office_client, applicant, applicant_client, session_factory):
    task = returned(office_client, session_factory, applicant)
    response = applicant_client.post(f"/tasks/{task.id}", data=correction_form())
    assert response.status_code == 302, field_errors(response)
    assert open_task(session_factory, applicant.instance_id).task_name == "vet_registration"


def test_wrong_codes_count_although_each_refused_request_is_rolled_back(
        app, office_client, applicant, applicant_client, session_factory):
    from engine.domain.sms import MAX_ATTEMPTS

    task = returned(office_client, session_factory, applicant)
    code = request_sms_code(applicant_client, app, NEW_PHONE)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(MAX_ATTEMPTS):
        refused(applicant_client.post(f"/tasks/{task.id}", data=correction_form(phone=NEW_PHONE, sms_code=wrong)),
                "验证码不正确")
    # Guessing is over: even the right code is refused now, until a new one is requested.
    refused(applicant_client.post(f"/tasks/{task.id}", data=correction_form(phone=NEW_PHONE, sms_code=code)),
            "验证码错误次数过多")
    assert phone_on_record(session_factory, applicant) == "13912345678"
    assert open_task(session_factory, applicant.instance_id).id == task.id
