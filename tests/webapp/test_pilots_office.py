"""升级试点 in the browser: 试点管理 and 新增试点招募 (the office), and who may manage pilots."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from storage.models import Pilot, PilotFile, StoredFile
from tests.webapp.helpers import CJK, count, field_errors, first, flashes, input_value, multipart, page, pdf, text_of
from tests.webapp.pilot_flow import (
    CERTIFICATE,
    ENTERPRISE_PILOT,
    INSTITUTION_PILOT,
    LICENCE,
    NOT_PDF,
    enroll,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    is_login_redirect,
    make_pilot,
    nothing_stored,
    pager_text,
    pilot_form,
    recruiting_fixture,  # noqa: F401
    table,
)

# --- 试点管理 and 新增试点招募 (office) ------------------------------------------------------


def test_office_lists_every_pilot_with_its_status(office, office_client, session_factory):
    open_id = make_pilot(session_factory, office)
    ended_id = make_pilot(session_factory, office, recruit_type="enterprise",
                          deadline=date(2026, 11, 1))

    response = office_client.get("/office/pilots")
    assert response.status_code == 200
    root = page(response)
    assert "试点管理" in text_of(response)
    assert root.xpath("//a[normalize-space()='新增试点招募']/@href")[0] == "/office/pilots/new"
    header, rows = table(response)
    assert header == ["标题", "产品名称", "招募类型", "试点领域", "报名截止", "当前状态", "发布时间",
                      "报名数", "待审核", "操作"]
    assert rows == [
        [ENTERPRISE_PILOT, "两轮电动自行车", "企业", "产品", "2026-11-01", "已结束", "2026-11-02",
         "0", "0", "编辑 报名情况"],
        [INSTITUTION_PILOT, "两轮电动自行车", "第三方技术机构", "产品", "2026-12-31", "招募中",
         "2026-11-02", "0", "0", "编辑 报名情况 结束招募"],
    ]
    links = root.xpath("//tbody//td[1]/a/@href")
    assert links == [f"/pilots/{ended_id}", f"/pilots/{open_id}"]
    assert "当前 1 / 20 条, 共 2 条" in pager_text(response)


def test_office_with_no_pilots_yet(office_client):
    response = office_client.get("/office/pilots")
    assert response.status_code == 200 and "暂无试点招募" in text_of(response)


def test_office_publishes_a_pilot_with_attachments(office, office_client, client, session_factory):
    form_page = office_client.get("/office/pilots/new")
    assert form_page.status_code == 200
    assert {"title", "product_name", "recruit_type", "field", "description", "deadline"} <= set(
        page(form_page).xpath("//form//*[@name]/@name"))
    assert page(form_page).xpath("//input[@name='attachments']/@multiple")

    response = office_client.post("/office/pilots/new", **multipart(pilot_form(
        attachments=[pdf("招募公告.pdf", LICENCE), pdf("报名须知.pdf", CERTIFICATE)])))
    assert response.status_code == 302, field_errors(response)
    stored = first(session_factory, select(Pilot))
    assert response.headers["Location"] == f"/pilots/{stored.id}"
    assert (stored.title, stored.product_name, stored.recruit_type, stored.field, stored.deadline,
            stored.created_by_id) == ("智能门锁产品试点第三方技术机构招募", "智能门锁", "institution",
                                      "product", date(2026, 12, 31), office)
    assert stored.description == "招募承担智能门锁对标方案编制的第三方技术机构。"

    detail = office_client.get(response.headers["Location"])
    assert "试点招募已发布" in flashes(detail)
    text = text_of(detail)
    for shown in ("智能门锁产品试点第三方技术机构招募", "智能门锁", "第三方技术机构", "2026-12-31",
                  "招募中", "招募公告.pdf", "报名须知.pdf"):
        assert shown in text
    with session_factory() as session:
        attachments = session.scalars(select(PilotFile).where(PilotFile.pilot_id == stored.id)
                                      .order_by(PilotFile.id)).all()
        file_ids = [a.file_id for a in attachments]
        assert [a.file.original_name for a in attachments] == ["招募公告.pdf", "报名须知.pdf"]
    links = page(detail).xpath("//a[contains(@href, '/files/')]/@href")
    assert links == [f"/files/{i}" for i in file_ids]

    # Public: anyone downloads a pilot's attachments, logged in or not.
    for downloader in (client, office_client):
        with downloader.get(f"/files/{file_ids[1]}") as download:
            assert download.status_code == 200
            assert download.data == CERTIFICATE
            assert download.mimetype == "application/pdf"

    listed = office_client.get("/office/pilots")
    assert table(listed)[1][0][0] == "智能门锁产品试点第三方技术机构招募"
    assert table(client.get("/pilots/"))[1][0][0] == "智能门锁产品试点第三方技术机构招募"


@pytest.mark.parametrize("recruit_type, field, label", [
    ("enterprise", "organization", "组织"), ("institution", "region", "区域"),
])
def test_office_publishes_a_pilot_without_attachments(office_client, session_factory,
                                                      recruit_type, field, label):
    response = office_client.post("/office/pilots/new", **multipart(pilot_form(
        recruit_type=recruit_type, field=field)))
    assert response.status_code == 302, field_errors(response)
    stored = first(session_factory, select(Pilot))
    assert (stored.recruit_type, stored.field) == (recruit_type, field)
    assert count(session_factory, PilotFile) == 0
    detail = office_client.get(f"/pilots/{stored.id}")
    assert label in text_of(detail)
    assert not page(detail).xpath("//a[contains(@href, '/files/')]")


BAD_PILOTS = [
    ({"title": None}, "title", "请填写标题"),
    ({"title": "   "}, "title", "请填写标题"),
    ({"title": "试" * 201}, "title", "不能超过 200 个字"),
    ({"product_name": None}, "product_name", "请填写产品名称"),
    ({"recruit_type": None}, "recruit_type", "请选择招募类型"),
    ({"recruit_type": "government"}, "recruit_type", "请选择第三方技术机构或企业"),
    ({"field": None}, "field", "请选择试点领域"),
    ({"field": "industry"}, "field", "请选择产品、组织或区域"),
    ({"description": None}, "description", "请填写试点说明"),
    ({"deadline": None}, "deadline", "请填写报名截止日期，格式如 2026-12-31"),
    ({"deadline": "2026-13-45"}, "deadline", "请填写报名截止日期，格式如 2026-12-31"),
    ({"deadline": "31/12/2026"}, "deadline", "请填写报名截止日期，格式如 2026-12-31"),
    ({"attachments": [pdf("公告.pdf"), pdf("说明.docx", NOT_PDF, "application/msword")]},
     "attachments", "说明.docx：请上传 PDF 格式的文件"),
    ({"attachments": [pdf("伪装.pdf", NOT_PDF)]}, "attachments", "伪装.pdf：请上传 PDF 格式的文件"),
]


@pytest.mark.parametrize("overrides, field, message", BAD_PILOTS,
                         ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD_PILOTS)])
def test_a_bad_pilot_is_refused_at_its_field(office_client, session_factory, overrides, field, message):
    response = office_client.post("/office/pilots/new", **multipart(pilot_form(**overrides)))
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors == {field: [message]}
    assert CJK.search(message) and "Not a valid" not in response.get_data(as_text=True)
    # the message is the invalid-feedback of that very field
    feedback = page(response).xpath(f"//*[@data-field-error='{field}']")[0]
    assert "invalid-feedback" in feedback.get("class")
    assert count(session_factory, Pilot) == 0
    assert count(session_factory, PilotFile) == 0 and count(session_factory, StoredFile) == 0
    if field != "title":  # what was typed is kept
        assert input_value(response, "title") == "智能门锁产品试点第三方技术机构招募"


@pytest.mark.parametrize("who", ["institution", "enterprise"])
def test_only_the_office_manages_pilots(request, session_factory, who):
    client = request.getfixturevalue("institution_client" if who == "institution" else "other_client")
    assert client.get("/office/pilots").status_code == 403
    assert client.get("/office/pilots/new").status_code == 403
    response = client.post("/office/pilots/new", **multipart(pilot_form(attachments=[pdf()])))
    assert response.status_code == 403
    assert count(session_factory, Pilot) == 0 and count(session_factory, StoredFile) == 0
    assert not page(client.get("/account/password")).xpath("//a[@href='/office/pilots']")


def test_anonymous_users_are_sent_to_login(client, recruiting, session_factory):
    for url in ("/office/pilots", "/office/pilots/new", "/my/enrollments",
                f"/pilots/{recruiting}/enroll"):
        assert is_login_redirect(client.get(url), url), url
    response = client.post("/office/pilots/new", **multipart(pilot_form()))
    assert is_login_redirect(response, "/office/pilots/new")
    assert is_login_redirect(enroll(client, recruiting), f"/pilots/{recruiting}/enroll")
    assert is_login_redirect(client.post("/my/enrollments/1/withdraw"), "/withdraw")
    assert count(session_factory, Pilot) == 1 and nothing_stored(session_factory)


def test_the_office_menu_offers_pilot_management(office_client, institution_client):
    office_menu = page(office_client.get("/account/password")).xpath("//nav[contains(@class,'side-menu')]//a/@href")
    assert "/office/pilots" in office_menu and "/office/pilots/new" in office_menu
    member_menu = page(institution_client.get("/account/password")).xpath(
        "//nav[contains(@class,'side-menu')]//a/@href")
    assert "/pilots/" in member_menu and "/my/enrollments" in member_menu
    assert "/office/pilots" not in member_menu
