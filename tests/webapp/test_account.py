"""用户中心: 用户信息 (enterprise and institution), a vetted change of 单位名称, 修改密码."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import demodata
from storage.models import Message, Organization, ProcessInstance, User
from tests.webapp.helpers import (
    CJK,
    OTHER_EMAIL,
    OTHER_PASSWORD,
    decide,
    field_errors,
    first,
    flashes,
    input_value,
    login,
    open_task,
    page,
    ready_tasks,
    remembered_password_hashes,
    text_of,
)

VALID_ID = "11010519491231002X"  # GB 11643 check character X
INSTITUTION_EMAIL, INSTITUTION_PASSWORD = "inst@test.cn", "Inst#12345"


def org_of(session_factory, email: str) -> Organization:
    with session_factory() as session:
        return session.scalars(select(User).where(User.email == email)).one().organization


def profile_form(organization: Organization, **overrides) -> dict:
    form = {
        "province_code": organization.province_code, "city_code": organization.city_code,
        "name": organization.name, "contact": organization.contact, "phone": organization.phone,
        "credit_code": organization.credit_code or "", "address": organization.address or "",
        "founded_on": organization.founded_on.isoformat() if organization.founded_on else "",
        "website": "",
    }
    form.update(overrides)
    return form


@pytest.fixture
def institution_client(app, session_factory, make_client):
    with session_factory() as session, remembered_password_hashes():
        demodata.ensure_user(session, INSTITUTION_EMAIL, INSTITUTION_PASSWORD, "institution", "华标检测认证有限公司")
        session.commit()
    return make_client(INSTITUTION_EMAIL, INSTITUTION_PASSWORD)


def test_enterprise_profile_shows_the_fields_of_the_manual(other_client, session_factory):
    organization = org_of(session_factory, OTHER_EMAIL)
    response = other_client.get("/account/profile")
    assert response.status_code == 200
    text = text_of(response)
    for label in ("所在地", "用户名", "用户类型", "企业用户", "单位名称", "法人代表", "法人代表身份证号码",
                  "联系人", "联系电话", "统一社会信用代码", "成立时间", "注册地址", "网址", "保存"):
        assert label in text, label
    assert OTHER_EMAIL in text and "开展服务的领域" not in text
    assert input_value(response, "name") == "其他企业有限公司"
    assert input_value(response, "credit_code") == organization.credit_code
    assert input_value(response, "founded_on") == "2015-03-01"
    assert page(response).xpath("//select[@name='province_code']/option[@selected]/@value") == ["110000"]


def test_enterprise_saves_its_legal_representative(other_client, session_factory):
    organization = org_of(session_factory, OTHER_EMAIL)
    response = other_client.post("/account/profile", data=profile_form(
        organization, legal_rep="王五", legal_rep_id_number=VALID_ID.lower(), contact="赵六",
        website="www.example.cn", address="天津市滨海新区第一大街 1 号"))

    assert response.status_code == 302, field_errors(response)
    assert "保存成功" in flashes(other_client.get("/account/profile"))
    saved = org_of(session_factory, OTHER_EMAIL)
    assert (saved.legal_rep, saved.legal_rep_id_number, saved.contact, saved.website, saved.address) == (
        "王五", VALID_ID, "赵六", "http://www.example.cn", "天津市滨海新区第一大街 1 号")
    assert saved.name == "其他企业有限公司"
    assert first(session_factory, select(ProcessInstance)) is None  # nothing to vet


@pytest.mark.parametrize("field, value, message", [
    ("legal_rep_id_number", "110105194912310021", "身份证号码校验位不正确"),
    ("legal_rep_id_number", "110105194913310028", "身份证号码中的出生日期不正确"),
    ("legal_rep_id_number", "1101051949", "身份证号码应为 18 位"),
    ("credit_code", "91444567MA12345678", "统一社会信用代码校验位不正确"),
    ("credit_code", "91444567MA1234567", "统一社会信用代码应为 18 位数字或大写字母"),
    ("founded_on", "2023-02-30", ""),
    ("city_code", "440300", "所选城市不属于所选省份"),
    ("contact", "", "请填写联系人"),
], ids=["id check digit", "id birth date", "id length", "credit check character", "credit length",
        "impossible date", "city of another province", "missing contact"])
def test_enterprise_profile_refuses_bad_values(other_client, session_factory, field, value, message):
    organization = org_of(session_factory, OTHER_EMAIL)
    form = profile_form(organization, legal_rep="王五", legal_rep_id_number=VALID_ID, address="新地址 8 号")
    form[field] = value
    response = other_client.post("/account/profile", data=form)

    assert response.status_code == 422
    errors = field_errors(response)
    assert errors.get(field), f"no message at {field}: {errors}"
    assert any(message in shown for shown in errors[field]), errors
    assert all(CJK.search(shown) for shown in errors[field]), f"not Chinese: {errors[field]}"
    saved = org_of(session_factory, OTHER_EMAIL)
    assert (saved.legal_rep, saved.address) == (None, organization.address)


def test_institution_profile_takes_a_gbt4754_class(institution_client, session_factory):
    organization = org_of(session_factory, INSTITUTION_EMAIL)
    response = institution_client.get("/account/profile")
    text = text_of(response)
    assert "第三方机构" in text and "开展服务的领域" in text and "M7454 标准化服务" in text
    assert "法人代表" not in text
    assert input_value(response, "service_field") == "M7454"
    (field,) = page(response).xpath("//input[@name='service_field']")  # industries.js searches as one types
    assert (field.get("data-industry-search"), field.get("list"), field.get("data-industry-label")) == (
        "/account/industries.json", "industry-options", "industry-label")
    assert page(response).xpath("//datalist[@id='industry-options']") and page(response).xpath(
        "//script[contains(@src, 'industries.js')]")

    refused = institution_client.post("/account/profile", data=profile_form(organization, service_field="M74"))
    assert refused.status_code == 422
    assert field_errors(refused) == {"service_field": ["请选择国民经济行业分类（GB/T 4754）中的代码"]}
    assert org_of(session_factory, INSTITUTION_EMAIL).service_field == "M7454"

    saved = institution_client.post("/account/profile", data=profile_form(organization, service_field="m7452"))
    assert saved.status_code == 302, field_errors(saved)
    assert org_of(session_factory, INSTITUTION_EMAIL).service_field == "M7452"
    assert "M7452 检测服务" in text_of(institution_client.get("/account/profile"))


def test_industry_search_for_the_service_field(institution_client):
    found = institution_client.get("/account/industries.json?q=标准化").get_json()
    assert {"code": "M7454", "name": "标准化服务", "label": "M7454 标准化服务"} in found


def test_industry_search_in_english(institution_client):
    """The lookup names the classes in the reader's language; English finds by English name too."""
    institution_client.set_cookie("locale", "en")
    wanted = {"code": "M7454", "name": "Standardization services", "label": "M7454 Standardization services"}
    for query in ("standardization", "7454", "标准化", "M7454 stan"):
        assert wanted in institution_client.get("/account/industries.json", query_string={"q": query}).get_json()


def test_renaming_an_active_organisation_is_vetted_first(other_client, office_client, session_factory):
    organization = org_of(session_factory, OTHER_EMAIL)
    response = other_client.post("/account/profile", data=profile_form(
        organization, name="其他企业集团有限公司", contact="赵六"))

    assert response.status_code == 302, field_errors(response)
    shown = other_client.get("/account/profile")
    assert any("已提交专项办审核" in f and "审核通过前仍使用原信息" in f for f in flashes(shown))
    saved = org_of(session_factory, OTHER_EMAIL)
    assert (saved.name, saved.contact, saved.status) == ("其他企业有限公司", "赵六", "active")
    assert input_value(shown, "name") == "其他企业有限公司"

    instance = first(session_factory, select(ProcessInstance))
    assert (instance.process_key, instance.stage) == ("registration_vetting", "vetting")
    task = open_task(session_factory, instance.id)
    inbox = office_client.get("/tasks/")
    assert page(inbox).xpath("//tr[@data-task-id]/@data-task-id") == [str(task.id)]
    task_page = text_of(office_client.get(f"/tasks/{task.id}"))
    assert "信息变更" in task_page and "其他企业集团有限公司" in task_page

    again = other_client.post("/account/profile", data=profile_form(
        org_of(session_factory, OTHER_EMAIL), name="又一个新名称有限公司"))
    assert again.status_code == 422
    assert any("正在审核中" in m for m in field_errors(again)["name"])

    assert decide(office_client, task.id, "approve").status_code == 302
    assert org_of(session_factory, OTHER_EMAIL).name == "其他企业集团有限公司"
    assert org_of(session_factory, OTHER_EMAIL).status == "active"
    assert [m.title for m in first_messages(session_factory)] == ["信息变更审核通过"]


def first_messages(session_factory) -> list[Message]:
    with session_factory() as session:
        return list(session.scalars(select(Message).where(Message.user_id.is_(None)).order_by(Message.id)))


@pytest.mark.parametrize("form, field, message", [
    ({"old_password": "Wrong#1234", "new_password": "Newer#2026", "confirm_password": "Newer#2026"},
     "old_password", "旧密码不正确"),
    ({"old_password": OTHER_PASSWORD, "new_password": "Newer#2026", "confirm_password": "Newer#2027"},
     "confirm_password", "两次输入的新密码不一致"),
    ({"old_password": OTHER_PASSWORD, "new_password": "Ab#1", "confirm_password": "Ab#1"},
     "new_password", "密码至少 8 位"),
    ({"old_password": OTHER_PASSWORD, "new_password": "onlyletters", "confirm_password": "onlyletters"},
     "new_password", "至少两类"),
], ids=["wrong old password", "mismatch", "short", "one character class"])
def test_change_password_refusals(other_client, client, form, field, message):
    response = other_client.post("/account/password", data=form)
    assert response.status_code == 422
    errors = field_errors(response)
    assert any(message in m for m in errors.get(field, [])), errors
    other_client.post("/logout")
    assert login(client, OTHER_EMAIL, OTHER_PASSWORD).status_code == 302  # unchanged


def test_change_password_then_log_in_with_the_new_one(other_client, client):
    page_ = other_client.get("/account/password")
    assert all(label in text_of(page_) for label in ("旧密码", "新密码", "确认新密码", "保存"))
    response = other_client.post("/account/password", data={
        "old_password": OTHER_PASSWORD, "new_password": "Newer#2026", "confirm_password": "Newer#2026"})
    assert response.status_code == 302
    assert "密码修改成功" in flashes(other_client.get("/account/password"))
    other_client.post("/logout")

    old = login(client, OTHER_EMAIL, OTHER_PASSWORD)
    assert field_errors(old) == {"password": ["用户名或密码不正确"]}
    assert login(client, OTHER_EMAIL, "Newer#2026").status_code == 302


def test_first_profile_of_a_new_account_is_saved_without_vetting(
        office_client, applicant, applicant_client, session_factory):
    """Registration asks no credit code: the first one an approved account fills in is just saved."""
    task = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, task.id, "approve").status_code == 302
    organization = org_of(session_factory, applicant.email)
    assert organization.credit_code is None
    credit_code = demodata.accounts.credit_code_for(4242)

    response = applicant_client.post("/account/profile", data=profile_form(
        organization, credit_code=credit_code, founded_on="2023-02-01", address="深圳市南山区科技园 1 号"))
    assert response.status_code == 302, field_errors(response)
    assert "保存成功" in flashes(applicant_client.get("/account/profile"))
    saved = org_of(session_factory, applicant.email)
    assert (saved.credit_code, saved.address, str(saved.founded_on)) == (
        credit_code, "深圳市南山区科技园 1 号", "2023-02-01")
    assert [t.task_name for t in ready_tasks(session_factory)] == []
