"""单位管理: the office's directory of enterprises and institutions and what they filled in."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

import demodata
from engine.domain import profiles
from storage.files import FileStore
from storage.models import Organization, User
from tests.factories import PDF_BYTES
from tests.webapp.compliance_flow import download
from tests.webapp.helpers import OTHER_EMAIL, OTHER_PASSWORD, first, page, text_of

INSTITUTION_EMAIL, INSTITUTION_PASSWORD = "inst@test.cn", "Inst#12345"
ENTERPRISE_FIELDS = {
    "email": None, "business_info": None, "scale": "medium", "ownership": "private", "industry": "电动自行车制造",
    "industry_code": "C3761", "sector": "secondary", "main_products": "两轮电动自行车",
    "standardization_body": "shared",
    "full_time_staff": 1, "part_time_staff": 2, "international_standards": 0, "national_standards": 1,
    "industry_standards": 0, "local_standards": 0, "group_standards": 3, "enterprise_standards": 7,
    "management_notes": None, "needs": ["training", "testing"], "needs_detail": "希望参加标准化培训",
}


@pytest.fixture
def other_org(other_enterprise, session_factory) -> int:
    """The organisation of conftest's other_enterprise (which gives the user's id)."""
    return first(session_factory, select(User.organization_id).where(User.id == other_enterprise))


@pytest.fixture
def institution(app, session_factory):
    with session_factory() as session:
        user = demodata.ensure_user(session, INSTITUTION_EMAIL, INSTITUTION_PASSWORD, "institution",
                                    "华标检测认证有限公司")
        session.commit()
        return user.organization_id


def organization_rows(response) -> dict[int, dict[str, str]]:
    rows = {}
    for row in page(response).xpath("//tr[@data-organization-id]"):
        cells = [" ".join(td.text_content().split()) for td in row.xpath("td")]
        rows[int(row.get("data-organization-id"))] = {
            "name": cells[1], "kind": cells[2], "status": cells[6], "filled": row.xpath(
                "td[@data-info-filled]")[0].get("data-info-filled")}
    return rows


def fill_enterprise(session_factory, email: str) -> None:
    with session_factory() as session:
        user = session.scalars(select(User).where(User.email == email)).one()
        shared = {"contact": "赵经理", "phone": "13900001111", "address": "北京市海淀区中关村大街 1 号",
                  "founded_on": date(2010, 3, 1), "legal_rep": "赵一"}
        profiles.save_enterprise(session, user, shared, dict(ENTERPRISE_FIELDS))
        session.commit()


def test_office_lists_enterprises_and_institutions_with_their_state(
        office_client, other_org, institution, applicant, session_factory):
    fill_enterprise(session_factory, OTHER_EMAIL)
    response = office_client.get("/office/organizations/")
    assert response.status_code == 200
    rows = organization_rows(response)
    office_org = first(session_factory, select(Organization.id).where(Organization.kind == "office"))
    assert office_org not in rows  # the office itself is not in the directory
    assert rows[other_org]["kind"] == "企业用户" and rows[other_org]["filled"] == "yes"
    assert rows[institution]["kind"] == "第三方技术机构" and rows[institution]["filled"] == "no"
    assert rows[applicant.organization_id]["status"] == "待审核"
    assert rows[other_org]["status"] == "审核通过"
    assert "共 3 条" in text_of(response)


@pytest.mark.parametrize("query, expected", [
    ("kind=institution", {"institution"}),
    ("kind=enterprise&status=pending", {"applicant"}),
    ("q=华标 检测", {"institution"}),
    ("q=其他企业", {"other"}),
    ("kind=bogus&status=bogus", {"institution", "applicant", "other"}),  # unknown filters are ignored
    ("q=没有这个单位", set()),
])
def test_filters_and_search(office_client, other_org, institution, applicant, query, expected):
    ids = {"institution": institution, "applicant": applicant.organization_id, "other": other_org}
    response = office_client.get(f"/office/organizations/?{query}")
    assert set(organization_rows(response)) == {ids[name] for name in expected}
    if not expected:
        assert "未找到符合条件的单位" in text_of(response)


def test_search_by_credit_code(office_client, other_org, session_factory):
    code = first(session_factory, select(Organization.credit_code).where(Organization.id == other_org))
    response = office_client.get(f"/office/organizations/?q={code[2:12].lower()}")
    assert set(organization_rows(response)) == {other_org}


def test_detail_shows_the_filled_in_information(office_client, other_org, session_factory):
    fill_enterprise(session_factory, OTHER_EMAIL)
    response = office_client.get(f"/office/organizations/{other_org}")
    assert response.status_code == 200
    text = text_of(response)
    for expected in ("其他企业有限公司", OTHER_EMAIL, "赵经理", "13900001111", "企业标准化管理情况信息",
                     "中型企业", "私营企业", "二产", "C3761 自行车制造",
                     "由其他部门兼管", "检验检测、标准化培训", "希望参加标准化培训"):
        assert expected in text
    sections = page(response).xpath("//dl[@data-profile-section]")
    assert len(sections) == 3


def test_detail_of_an_unfilled_pending_applicant_lists_its_documents(office_client, applicant):
    response = office_client.get(f"/office/organizations/{applicant.organization_id}")
    assert response.status_code == 200
    assert page(response).xpath("//*[@data-not-filled]")
    links = page(response).xpath("//dl[@data-user-info]//a/@href")
    assert links and all(link.startswith("/files/") for link in links)
    assert download(office_client, links[0]) == (200, PDF_BYTES)


def test_detail_of_an_institution_lists_its_attachments(office_client, institution, app, session_factory):
    with session_factory() as session:
        user = session.scalars(select(User).where(User.email == INSTITUTION_EMAIL)).one()
        stored = FileStore(f"{app.config['DATA_DIR']}/files").save(session, PDF_BYTES, "CNAS认可证书.pdf",
                                                                    "application/pdf", user.id)
        profiles.save_institution(session, user, {"contact": "刘工", "phone": "13900002222"}, {
            "institution_type": "testing", "accreditations": ["cnas"], "email": None, "staff": 30,
            "senior_staff": 8, "capabilities": "电动自行车整车检测", "cases": None}, [stored], set())
        session.commit()
    response = office_client.get(f"/office/organizations/{institution}")
    text = text_of(response)
    assert "检验检测机构" in text and "中国合格评定国家认可（CNAS）" in text and "电动自行车整车检测" in text
    link = page(response).xpath("//dl[@data-attachments]//a")[0]
    assert link.text_content() == "CNAS认可证书.pdf"
    assert download(office_client, link.get("href")) == (200, PDF_BYTES)


def test_office_and_unknown_ids_are_not_found(office_client, session_factory):
    office_org = first(session_factory, select(Organization.id).where(Organization.kind == "office"))
    assert office_client.get(f"/office/organizations/{office_org}").status_code == 404
    assert office_client.get("/office/organizations/999999").status_code == 404


def test_only_the_office_may_look(client, make_client, other_org, institution):
    enterprise = make_client(OTHER_EMAIL, OTHER_PASSWORD)
    institution_client = make_client(INSTITUTION_EMAIL, INSTITUTION_PASSWORD)
    for who in (enterprise, institution_client):
        assert who.get("/office/organizations/").status_code == 403
        assert who.get(f"/office/organizations/{other_org}").status_code == 403
    anonymous = client.get(f"/office/organizations/{other_org}")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_menu_entry_for_the_office_only(office_client, make_client, other_enterprise):
    assert "企业和机构" in text_of(office_client.get("/tasks/"))
    assert "企业和机构" not in text_of(make_client(OTHER_EMAIL, OTHER_PASSWORD).get("/account/profile"))


def test_needs_are_counted_over_the_enterprises_that_filled_in(office_client, other_enterprise, session_factory):
    def summary():
        return {row.get("data-need"): int(row.xpath("td")[0].text_content())
                for row in page(office_client.get("/office/organizations/")).xpath(
                    "//table[@data-needs-summary]//tr")}

    assert set(summary().values()) == {0}
    fill_enterprise(session_factory, OTHER_EMAIL)  # training and testing
    with session_factory() as session:
        user = demodata.ensure_user(session, "second@test.cn", "Second#123", "enterprise", "第二企业有限公司")
        profiles.save_enterprise(session, user, {"contact": "钱", "phone": "13900003333", "address": "天津",
                                                 "founded_on": date(2012, 1, 1), "legal_rep": "钱二"},
                                 {**ENTERPRISE_FIELDS, "needs": ["training"]})
        session.commit()
    counts = summary()
    assert (counts["training"], counts["testing"], counts["drafting"]) == (2, 1, 0)
    assert "标准化培训" in text_of(office_client.get("/office/organizations/"))


@pytest.mark.parametrize("wildcard", ["%", "_", "%%", "华标%", "_标"])
def test_like_wildcards_are_searched_for_as_themselves(office_client, other_org, institution, applicant, wildcard):
    response = office_client.get("/office/organizations/", query_string={"q": wildcard})
    assert organization_rows(response) == {}
    assert "未找到符合条件的单位" in text_of(response)


def test_a_name_holding_a_wildcard_is_found_by_it(office_client, institution, session_factory):
    with session_factory() as session:
        demodata.ensure_user(session, "pct@test.cn", "Pct#123456", "enterprise", "百分_百%科技有限公司")
        session.commit()
    found = office_client.get("/office/organizations/", query_string={"q": "_百%"})
    assert [row["name"] for row in organization_rows(found).values()] == ["百分_百%科技有限公司"]


def test_a_page_past_the_end_shows_the_last_page(office_client, other_org, institution, applicant):
    response = office_client.get("/office/organizations/?page=99999&kind=enterprise")
    assert response.status_code == 302
    assert response.headers["Location"] == "/office/organizations/?kind=enterprise&page=1"
    last = office_client.get(response.headers["Location"])
    assert len(organization_rows(last)) == 2
    assert "当前 1 / 20 条, 共 2 条" in text_of(last)
