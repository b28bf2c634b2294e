"""机构服务 → 服务信息 (an institution's public profile) and the public 机构名录: editing, refusals at the
field, who may edit, what the public sees (and never sees), search and paging, the links from 参与达标."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.domain import organizations
from storage.models import Organization, ServiceProfile, StoredFile, User
from tests.factories import PDF_BYTES
from tests.webapp.compliance_flow import (
    application_fixture,  # noqa: F401
    download,
    enterprise_client_fixture,  # noqa: F401
    issued_fixture,  # noqa: F401
    published_fixture,  # noqa: F401
)
from tests.webapp.helpers import (
    OTHER_EMAIL,
    count,
    field_errors,
    first,
    flashes,
    input_value,
    multipart,
    page,
    pdf,
    text_of,
)
from tests.webapp.pilot_flow import (
    INSTITUTION_NAME,
    NOT_PDF,
    RIVAL_NAME,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    make_member,
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    STANDARD_NUMBER,
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
)

URL = "/account/service-info"
SUMMARY = "电动自行车整车及零部件检验检测、对标比对分析和达标评价。"


def profile_form(**overrides) -> dict:
    """A complete 服务信息 form, published; ``None`` drops a field."""
    form = {"fields": "M7454, m7452", "summary": SUMMARY, "qualifications": "CMA、CNAS",
            "contact": "王工", "phone": "010-62345678", "email": "service@huabiao.example.cn",
            "address": "北京市昌平区科技园永安路36号", "published": "y"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def save(client, **overrides):
    return client.post(URL, **multipart(profile_form(**overrides)))


def profile_of(session_factory, organization_id: int) -> ServiceProfile | None:
    with session_factory() as session:
        profile = session.get(ServiceProfile, organization_id)
        if profile is not None:
            [row.code for row in profile.fields]  # loaded before the session closes
            session.expunge_all()
        return profile


def listed(response) -> list[str]:
    return [a.text_content().strip() for a in page(response).xpath("//table[@data-directory]/tbody//td[2]/a")]


# --- 服务信息 (the institution) ----------------------------------------------------------------


def test_the_institution_fills_in_its_profile_and_the_public_finds_it(institution, institution_client, client,
                                                                        session_factory):
    form = institution_client.get(URL)
    assert form.status_code == 200
    assert "机构服务" in text_of(form) and "服务信息" in text_of(form)
    # A first edit starts from the account's particulars (its 开展服务的领域 and contact).
    assert input_value(form, "fields") == "M7454" and input_value(form, "contact")
    assert listed(client.get("/institutions/")) == []

    response = save(institution_client, qualification=pdf("CNAS 认可证书.pdf"))
    assert response.status_code == 302, field_errors(response)
    assert "服务信息已保存，已在机构名录中公开" in flashes(institution_client.get(URL))
    profile = profile_of(session_factory, institution.organization_id)
    assert [row.code for row in profile.fields] == ["M7454", "M7452"]  # upper case, in the order typed
    assert (profile.summary, profile.contact, profile.published) == (SUMMARY, "王工", True)

    found = client.get("/institutions/")
    assert listed(found) == [INSTITUTION_NAME]
    detail = client.get(f"/institutions/{institution.organization_id}")
    assert detail.status_code == 200
    text = text_of(detail)
    for shown in (INSTITUTION_NAME, "M7454 标准化服务", "M7452 检测服务", SUMMARY, "CMA、CNAS", "王工",
                  "010-62345678", "service@huabiao.example.cn", "北京市"):
        assert shown in text, shown
    # The 资质 PDF of a public profile is public.
    (link,) = page(detail).xpath("//a[@data-qualification-file]/@href")
    assert download(client, link) == (200, PDF_BYTES)


def test_the_public_never_sees_the_accounts_private_particulars(institution, institution_client, client,
                                                                  session_factory):
    with session_factory() as session:
        organization = session.get(Organization, institution.organization_id)
        organization.legal_rep, organization.legal_rep_id_number = "张三", "11010519491231002X"
        account_email = session.get(User, institution.user_id).email
        session.commit()
    assert save(institution_client).status_code == 302
    text = text_of(client.get(f"/institutions/{institution.organization_id}"))
    for private in ("11010519491231002X", account_email, "张三"):
        assert private not in text, private
    assert "11010519491231002X" not in text_of(client.get("/institutions/"))


def test_an_unpublished_profile_is_not_public_and_a_disabled_institution_drops_out(
        institution, institution_client, client, office, session_factory):
    assert save(institution_client, published=None).status_code == 302
    assert "服务信息已保存（未公开）" in flashes(institution_client.get(URL))
    assert listed(client.get("/institutions/")) == []
    assert client.get(f"/institutions/{institution.organization_id}").status_code == 404

    assert save(institution_client, qualification=pdf("资质.pdf")).status_code == 302
    assert client.get(f"/institutions/{institution.organization_id}").status_code == 200
    with session_factory() as session:
        organizations.disable(session, session.get(Organization, institution.organization_id),
                              session.get(User, office), "测试停用")
        session.commit()
    assert listed(client.get("/institutions/")) == []
    assert client.get(f"/institutions/{institution.organization_id}").status_code == 404
    file_id = profile_of(session_factory, institution.organization_id).qualification_file_id
    assert client.get(f"/files/{file_id}").status_code == 401  # no longer public


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"fields": ""}, "fields", "请填写至少一个服务领域"),
    ({"fields": "M9999"}, "fields", "不是国民经济行业分类（GB/T 4754）的小类代码：M9999"),
    ({"fields": "M745"}, "fields", "不是国民经济行业分类（GB/T 4754）的小类代码：M745"),
    ({"fields": " ".join(["M7454", "M7452", "M7453", "M7451", "M7459", "M7461", "M7462", "M7463", "M7464",
                          "M7471", "M7472"])}, "fields", "服务领域最多 10 个"),
    ({"summary": None}, "summary", "请填写服务简介"),
    ({"summary": "长" * 2001}, "summary", "不能超过 2000 个字"),
    ({"contact": ""}, "contact", "请填写联系人"),
    ({"phone": "123"}, "phone", "请输入 11 位手机号码或固定电话（如 010-12345678）"),
    ({"email": "not-an-address"}, "email", None),
    ({"qualification": pdf("资质.pdf", NOT_PDF)}, "qualification", "请上传 PDF 格式的文件"),
])
def test_bad_input_is_refused_at_the_field_and_nothing_is_stored(institution, institution_client, session_factory,
                                                                  overrides, field, message):
    response = save(institution_client, **overrides)
    assert response.status_code == 422
    errors = field_errors(response)
    assert list(errors) == [field]
    if message:
        assert errors[field] == [message]
    assert profile_of(session_factory, institution.organization_id) is None
    assert count(session_factory, StoredFile) == 0


def test_a_new_pdf_replaces_the_old_one_and_it_can_be_removed(institution, institution_client, session_factory):
    assert save(institution_client, qualification=pdf("旧.pdf")).status_code == 302
    assert save(institution_client, qualification=pdf("新.pdf", PDF_BYTES + b"%new\n")).status_code == 302
    profile = profile_of(session_factory, institution.organization_id)
    assert first(session_factory, select(StoredFile.original_name).where(
        StoredFile.id == profile.qualification_file_id)) == "新.pdf"
    form = institution_client.get(URL)
    assert input_value(form, "fields") == "M7454, M7452" and "新.pdf" in text_of(form)
    assert save(institution_client, remove_qualification="y").status_code == 302
    assert profile_of(session_factory, institution.organization_id).qualification_file_id is None


# --- who may edit ------------------------------------------------------------------------------


def test_only_institutions_edit_a_profile_and_only_their_own(institution, institution_client, rival, rival_client,
                                                             office_client, other_client, client, session_factory):
    assert save(institution_client).status_code == 302
    # The rival's save writes the rival's profile: the form names no organisation to write to.
    assert save(rival_client, summary="江南的服务", contact="赵工").status_code == 302
    assert profile_of(session_factory, institution.organization_id).summary == SUMMARY
    assert profile_of(session_factory, rival.organization_id).summary == "江南的服务"
    for browser in (office_client, other_client):
        assert browser.get(URL).status_code == 403
        assert save(browser).status_code == 403
    assert client.get(URL).status_code == 302 and "/login" in client.get(URL).headers["Location"]
    assert save(client).status_code == 302
    assert count(session_factory, ServiceProfile) == 2
    # The side menu offers 机构服务 → 服务信息 to institutions only.
    assert "服务信息" in text_of(institution_client.get("/account/password"))
    assert "服务信息" not in text_of(other_client.get("/account/password"))


def test_the_unpublished_pdf_is_the_institutions_own(institution, institution_client, rival_client, client,
                                                     office_client, session_factory):
    assert save(institution_client, published=None, qualification=pdf("资质.pdf")).status_code == 302
    file_id = profile_of(session_factory, institution.organization_id).qualification_file_id
    assert download(institution_client, f"/files/{file_id}")[0] == 200
    assert download(office_client, f"/files/{file_id}")[0] == 200
    assert rival_client.get(f"/files/{file_id}").status_code == 403
    assert client.get(f"/files/{file_id}").status_code == 401


# --- 机构名录: search and paging ---------------------------------------------------------------


@pytest.fixture
def three_published(institution, institution_client, rival, rival_client, session_factory, make_client):
    """华标 (北京, 标准化服务 + 检测服务), 江南 (广东, 检测服务), 东海 (广东, 计量服务)."""
    assert save(institution_client).status_code == 302
    with session_factory() as session:
        for member, province, city in ((rival, "440000", "440300"),):
            organization = session.get(Organization, member.organization_id)
            organization.province_code, organization.city_code = province, city
        session.commit()
    assert save(rival_client, fields="M7452").status_code == 302
    third = make_member(session_factory, "inst3@test.cn", "institution", "东海计量测试院")
    with session_factory() as session:
        organization = session.get(Organization, third.organization_id)
        organization.province_code, organization.city_code = "440000", "440100"
        session.commit()
    assert save(make_client(third.email, third.password), fields="M7453").status_code == 302
    return third


@pytest.mark.parametrize(("query", "expected"), [
    ("", ["东海计量测试院", RIVAL_NAME, INSTITUTION_NAME]),
    ("?q=华标", [INSTITUTION_NAME]),
    ("?q=研究", [RIVAL_NAME]),
    ("?q=%25", []),  # a LIKE wildcard is searched for as itself
    ("?field=M7452", [RIVAL_NAME, INSTITUTION_NAME]),
    ("?field=m7453", ["东海计量测试院"]),
    ("?province=440000", ["东海计量测试院", RIVAL_NAME]),
    ("?province=440000&field=M7452", [RIVAL_NAME]),
    ("?province=110000&q=江南", []),
    ("?field=bogus&province=x", ["东海计量测试院", RIVAL_NAME, INSTITUTION_NAME]),  # unknown filters ignored
])
def test_the_directory_searches_by_name_field_and_province(three_published, client, query, expected):
    response = client.get("/institutions/" + query)
    assert response.status_code == 200
    assert sorted(listed(response)) == sorted(expected)
    if not expected:
        assert "未找到符合条件的机构" in text_of(response)


def test_the_search_offers_the_fields_and_provinces_in_use(three_published, client):
    root = page(client.get("/institutions/"))
    fields = [o.get("value") for o in root.xpath("//select[@name='field']/option")]
    provinces = {o.get("value"): o.text_content().strip() for o in root.xpath("//select[@name='province']/option")}
    assert fields == ["", "M7452", "M7453", "M7454"]
    assert provinces == {"": "全部地区", "110000": "北京市", "440000": "广东省"}


def test_the_directory_pages(three_published, client, monkeypatch):
    monkeypatch.setattr("webapp.directory.PER_PAGE", 2)
    first_page = client.get("/institutions/?province=&q=")
    assert len(listed(first_page)) == 2 and "共 3 条" in text_of(first_page)
    second = client.get("/institutions/?page=2")
    assert len(listed(second)) == 1
    assert set(listed(first_page) + listed(second)) == {"东海计量测试院", RIVAL_NAME, INSTITUTION_NAME}
    assert client.get("/institutions/?page=9").status_code == 302  # past the end: the last page


def test_unknown_institutions_and_enterprises_are_not_in_the_directory(other_enterprise, client, session_factory):
    enterprise_org = first(session_factory, select(User.organization_id).where(User.email == OTHER_EMAIL))
    for organization_id in (enterprise_org, 999999, 2 ** 31):
        assert client.get(f"/institutions/{organization_id}").status_code == 404


# --- the institution's page: its plans and results; 参与达标 links it ------------------------


def test_the_page_lists_its_plans_and_results_and_apply_links_it(issued, published, institution, institution_client,
                                                                   enterprise_client, client):
    response = enterprise_client.get(f"/plans/{published}/apply")
    assert response.status_code == 200
    assert page(response).xpath("//a[@data-directory-link]") == []  # no public profile yet

    assert save(institution_client).status_code == 302
    root = page(enterprise_client.get(f"/plans/{published}/apply"))
    assert root.xpath("//a[@data-directory-link]/@href") == [f"/institutions/{institution.organization_id}"]

    detail = client.get(f"/institutions/{institution.organization_id}")
    plans = page(detail).xpath("//table[@data-institution-plans]//a/@href")
    assert plans == [f"/plans/{published}"]
    assert STANDARD_NUMBER in text_of(detail)
    results = page(detail).xpath("//table[@data-institution-results]/tbody/tr")
    assert len(results) == 1 and issued.number in results[0].text_content()
    assert results[0].xpath(".//a/@href") == [f"/verify/{issued.code}"]
