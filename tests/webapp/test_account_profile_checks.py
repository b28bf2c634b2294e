"""用户信息 checks: 成立时间 not after today (China time), 网址 a real http(s) address, 联系电话 a mobile
or a landline (in 企业信息填报 / 服务机构信息填报 too), while the 手机号 that receives an SMS stays mobile-only."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage.models import Organization, User
from tests.webapp.helpers import (
    CJK,
    OTHER_EMAIL,
    field_errors,
    multipart,
    pdf,
    post_registration,
    registration_form,
)
from tests.webapp.pilot_flow import institution_client_fixture, institution_fixture  # noqa: F401


def organization(session_factory) -> Organization:
    with session_factory() as session:
        return session.scalars(select(User).where(User.email == OTHER_EMAIL)).one().organization


def profile_form(o: Organization, **overrides) -> dict:
    form = {"province_code": o.province_code, "city_code": o.city_code, "name": o.name, "contact": o.contact,
            "phone": o.phone, "credit_code": o.credit_code or "", "address": o.address or "",
            "founded_on": o.founded_on.isoformat() if o.founded_on else "", "website": ""}
    form.update(overrides)
    return form


def refused(response, field: str, message: str) -> None:
    assert response.status_code == 422
    errors = field_errors(response)
    assert any(message in shown for shown in errors.get(field, [])), errors
    assert all(CJK.search(shown) for shown in errors[field]), errors


def test_founding_date_cannot_be_after_today_in_china(other_client, session_factory, frozen_clock):
    before = organization(session_factory)
    # 2026-11-02 00:30 in China is still 2026-11-01 in UTC: "today" is the Chinese date.
    frozen_clock.set_now(datetime(2026, 11, 1, 16, 30, tzinfo=UTC))
    refused(other_client.post("/account/profile", data=profile_form(before, founded_on="2026-11-03",
                                                                    address="新地址 1 号")),
            "founded_on", "成立时间不能晚于今天")
    assert organization(session_factory).address == before.address

    today = other_client.post("/account/profile", data=profile_form(before, founded_on="2026-11-02"))
    assert today.status_code == 302, field_errors(today)
    assert str(organization(session_factory).founded_on) == "2026-11-02"


@pytest.mark.parametrize("website", [
    "javascript:alert(1)", "not a url", "ftp://example.com", "http://", "http://exa mple.com",
    "mailto:info@example.com", "http://user@evil.example.com", "example", "http://example.com:99999",
])
def test_website_must_be_an_http_address(other_client, session_factory, website):
    before = organization(session_factory)
    response = other_client.post("/account/profile", data=profile_form(before, website=website,
                                                                       address="新地址 2 号"))
    refused(response, "website", "网址")
    saved = organization(session_factory)
    assert (saved.website, saved.address) == (before.website, before.address)


@pytest.mark.parametrize("website, stored", [
    ("www.example.com", "http://www.example.com"),
    ("https://www.example.com/about?x=1", "https://www.example.com/about?x=1"),
    ("HTTP://Example.CN:8080/", "HTTP://Example.CN:8080/"),
    ("例子.中国", "http://例子.中国"),
])
def test_website_accepts_http_addresses(other_client, session_factory, website, stored):
    response = other_client.post("/account/profile", data=profile_form(organization(session_factory),
                                                                       website=website))
    assert response.status_code == 302, field_errors(response)
    assert organization(session_factory).website == stored


@pytest.mark.parametrize("phone", ["010-12345678", "0755-8888888", "075588888888", "13912345678"])
def test_contact_phone_takes_a_landline_or_a_mobile(other_client, session_factory, phone):
    response = other_client.post("/account/profile", data=profile_form(organization(session_factory),
                                                                       phone=phone))
    assert response.status_code == 302, field_errors(response)
    assert organization(session_factory).phone == phone


@pytest.mark.parametrize("phone", ["12345", "010-123", "1391234567", "+86 139"])
def test_contact_phone_refuses_other_numbers(other_client, session_factory, phone):
    before = organization(session_factory)
    refused(other_client.post("/account/profile", data=profile_form(before, phone=phone)), "phone", "固定电话")
    assert organization(session_factory).phone == before.phone


ENTERPRISE_INFO = {
    "contact": "赵六", "phone": "010-12345678", "email": "info@lvyuan.cn", "founded_on": "2018-06-08",
    "legal_rep": "钱七", "address": "天津市滨海新区第一大街 1 号", "business_info": "年产电动自行车 50 万辆",
    "scale": "medium", "ownership": "private", "industry": "电动自行车制造", "sector": "secondary",
    "main_products": "两轮电动自行车", "standardization_body": "dedicated", "full_time_staff": "3",
    "needs": ["training"],
}


def test_enterprise_info_takes_a_landline(other_client, session_factory):
    response = other_client.post("/account/enterprise-info", data=ENTERPRISE_INFO)
    assert response.status_code == 302, field_errors(response)
    assert organization(session_factory).phone == "010-12345678"
    refused(other_client.post("/account/enterprise-info", data={**ENTERPRISE_INFO, "phone": "12345"}),
            "phone", "固定电话")


def test_institution_info_takes_a_landline(institution_client, session_factory):
    form = {"contact": "孙八", "phone": "0755-8888888", "institution_type": "testing", "staff": "30",
            "senior_staff": "8", "capabilities": "检验检测服务", "attachments": [pdf("资质认定证书.pdf")]}
    response = institution_client.post("/account/institution-info", **multipart(form))
    assert response.status_code == 302, field_errors(response)


def test_the_registration_phone_stays_mobile_only(client, app):
    refused(post_registration(client, registration_form("123456", phone="010-12345678")), "phone", "11 位手机号码")
    response = client.post("/register/sms-code", data={"phone": "010-12345678"})
    assert response.status_code == 422
