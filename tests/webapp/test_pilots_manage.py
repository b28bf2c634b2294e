"""试点管理 → 编辑 (the office): a published recruitment's fields and attachments, validated as at 发布;
the 报名截止 may not move into the past; the 招募类型 stays once anyone enrolled."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from engine import clock
from storage.models import Pilot, PilotFile, StoredFile
from tests.webapp.helpers import CJK, count, field_errors, first, flashes, input_value, multipart, page, pdf, text_of
from tests.webapp.pilot_flow import (
    CERTIFICATE,
    INSTITUTION_PILOT,
    LICENCE,
    NOT_PDF,
    enrolled,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    make_pilot,
    pilot_form,
    recruiting_fixture,  # noqa: F401
)


def snapshot(session_factory, pilot_id: int) -> tuple:
    """Everything 编辑 and 结束招募 may change, to compare before and after a refusal."""
    with session_factory() as session:
        p = session.get(Pilot, pilot_id)
        return (p.title, p.product_name, p.recruit_type, p.field, p.description, p.deadline,
                p.closed_at, p.updated_at, p.updated_by_id, [f.file_id for f in p.files])


def attachment_names(session_factory, pilot_id: int) -> list[str]:
    with session_factory() as session:
        rows = session.scalars(select(PilotFile).where(PilotFile.pilot_id == pilot_id).order_by(PilotFile.id))
        return [row.file.original_name for row in rows]


@pytest.fixture(name="published")
def published_fixture(office_client, session_factory) -> int:
    """A recruitment published through 新增试点招募 with two attachments."""
    response = office_client.post("/office/pilots/new", **multipart(pilot_form(
        attachments=[pdf("招募公告.pdf", LICENCE), pdf("报名须知.pdf", CERTIFICATE)])))
    assert response.status_code == 302, field_errors(response)
    return first(session_factory, select(Pilot)).id


def test_the_edit_form_shows_the_pilot_as_published(office_client, published):
    response = office_client.get(f"/office/pilots/{published}/edit")
    assert response.status_code == 200
    root = page(response)
    assert "编辑试点招募" in text_of(response)
    assert input_value(response, "title") == "智能门锁产品试点第三方技术机构招募"
    assert input_value(response, "product_name") == "智能门锁"
    assert input_value(response, "deadline") == "2026-12-31"
    assert root.xpath("//input[@name='recruit_type'][@checked]/@value") == ["institution"]
    assert not root.xpath("//input[@name='recruit_type'][@disabled]")
    assert root.xpath("//input[@name='field'][@checked]/@value") == ["product"]
    description = root.xpath("string(//textarea[@name='description'])").strip()
    assert description == "招募承担智能门锁对标方案编制的第三方技术机构。"
    assert root.xpath("//a[@data-file-link]/text()") == ["招募公告.pdf", "报名须知.pdf"]
    assert len(root.xpath("//input[@name='remove_files'][@type='checkbox']")) == 2
    assert root.xpath("//input[@name='attachments']/@multiple")


def test_the_office_edits_every_field_and_the_attachments(office, office_client, client, session_factory, published):
    before = snapshot(session_factory, published)
    removed = before[-1][0]
    response = office_client.post(f"/office/pilots/{published}/edit", **multipart(pilot_form(
        title="智能门锁产品试点企业招募", product_name="智能门锁（指纹）", recruit_type="enterprise",
        field="organization", description="招募参与智能门锁对标的企业。", deadline="2027-01-15",
        remove_files=str(removed), attachments=[pdf("补充通知.pdf", CERTIFICATE)])))
    assert response.status_code == 302, field_errors(response)
    assert response.headers["Location"] == "/office/pilots"
    assert "“智能门锁产品试点企业招募”已更新" in flashes(office_client.get("/office/pilots"))

    after = snapshot(session_factory, published)
    assert after[:7] == ("智能门锁产品试点企业招募", "智能门锁（指纹）", "enterprise", "organization",
                         "招募参与智能门锁对标的企业。", date(2027, 1, 15), None)
    assert after[7] == clock.now() and after[8] == office
    assert attachment_names(session_factory, published) == ["报名须知.pdf", "补充通知.pdf"]
    assert count(session_factory, StoredFile) == 3  # the removed file's bytes stay (content-addressed)

    detail = text_of(client.get(f"/pilots/{published}"))
    for shown in ("智能门锁产品试点企业招募", "智能门锁（指纹）", "企业", "组织", "2027-01-15", "招募中",
                  "补充通知.pdf"):
        assert shown in detail
    assert "招募公告.pdf" not in detail


def test_an_ended_pilot_keeps_its_past_deadline_when_a_typo_is_fixed(office_client, office, session_factory):
    ended = make_pilot(session_factory, office, deadline=date(2026, 10, 31))
    response = office_client.post(f"/office/pilots/{ended}/edit", **multipart(pilot_form(
        title="电动自行车产品试点第三方技术机构招募（更正）", product_name="两轮电动自行车",
        deadline="2026-10-31")))
    assert response.status_code == 302, field_errors(response)
    stored = snapshot(session_factory, ended)
    assert stored[0] == "电动自行车产品试点第三方技术机构招募（更正）" and stored[5] == date(2026, 10, 31)


def test_a_wrong_deadline_is_moved_later_and_recruiting_resumes(office_client, office, client, session_factory):
    ended = make_pilot(session_factory, office, deadline=date(2026, 10, 31))
    assert "已结束" in text_of(client.get(f"/pilots/{ended}"))
    response = office_client.post(f"/office/pilots/{ended}/edit", **multipart(pilot_form(
        title=INSTITUTION_PILOT, deadline="2026-11-02")))  # today is still open
    assert response.status_code == 302, field_errors(response)
    assert "招募中" in text_of(client.get(f"/pilots/{ended}"))


BAD_EDITS = [
    ({"title": "   "}, "title", "请填写标题"),
    ({"title": "试" * 201}, "title", "不能超过 200 个字"),
    ({"product_name": None}, "product_name", "请填写产品名称"),
    ({"recruit_type": "government"}, "recruit_type", "请选择第三方技术机构或企业"),
    ({"field": None}, "field", "请选择试点领域"),
    ({"description": "  "}, "description", "请填写试点说明"),
    ({"deadline": "2026-13-45"}, "deadline", "请填写报名截止日期，格式如 2026-12-31"),
    ({"deadline": "2026-11-01"}, "deadline", "报名截止日期不能早于今天"),
    ({"attachments": [pdf("说明.docx", NOT_PDF, "application/msword")]}, "attachments",
     "说明.docx：请上传 PDF 格式的文件"),
    ({"attachments": [pdf(f"附件{i}.pdf") for i in range(11)]}, "attachments", "最多上传 10 个文件"),
    ({"attachments": [pdf(f"附件{i}.pdf") for i in range(9)]}, "attachments",
     "附件最多 10 个，请先删除不需要的附件"),  # 2 kept + 9 new
    ({"remove_files": "abc"}, "remove_files", "请选择要删除的附件"),
    ({"remove_files": "99999"}, "remove_files", "请选择要删除的附件"),
]


@pytest.mark.parametrize("overrides, field, message", BAD_EDITS,
                         ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD_EDITS)])
def test_a_bad_edit_is_refused_at_its_field_and_nothing_changes(office_client, session_factory, published,
                                                                overrides, field, message):
    before, files_before = snapshot(session_factory, published), count(session_factory, StoredFile)
    response = office_client.post(f"/office/pilots/{published}/edit", **multipart(pilot_form(
        **{"title": "改过的标题", **overrides})))
    assert response.status_code == 422
    assert field_errors(response) == {field: [message]}
    assert CJK.search(message) and "Not a valid" not in response.get_data(as_text=True)
    assert snapshot(session_factory, published) == before
    assert count(session_factory, StoredFile) == files_before
    if field != "title":
        assert input_value(response, "title") == "改过的标题"  # what was typed is kept


def test_the_recruit_type_is_locked_once_anyone_enrolled(office_client, session_factory, recruiting,
                                                         institution, institution_client):
    enrolled(institution_client, session_factory, recruiting, institution)
    form_page = office_client.get(f"/office/pilots/{recruiting}/edit")
    root = page(form_page)
    assert root.xpath("//input[@name='recruit_type'][@disabled]/@value") == ["enterprise"]
    assert root.xpath("//input[@name='recruit_type'][@checked]/@value") == ["institution"]
    assert "已有 1 家单位报名该试点，招募类型不能修改" in root.xpath("string(//*[@data-locked-reason])")

    before = snapshot(session_factory, recruiting)
    response = office_client.post(f"/office/pilots/{recruiting}/edit", **multipart(pilot_form(
        title=INSTITUTION_PILOT, recruit_type="enterprise")))  # a forged post
    assert response.status_code == 422
    assert field_errors(response) == {"recruit_type": ["已有 1 家单位报名该试点，招募类型不能修改"]}
    assert snapshot(session_factory, recruiting) == before

    response = office_client.post(f"/office/pilots/{recruiting}/edit", **multipart(pilot_form(
        title="电动自行车产品试点第三方技术机构招募（延期）", recruit_type="institution", deadline="2027-03-31")))
    assert response.status_code == 302, field_errors(response)
    after = snapshot(session_factory, recruiting)
    assert (after[0], after[2], after[5]) == ("电动自行车产品试点第三方技术机构招募（延期）", "institution",
                                              date(2027, 3, 31))


def test_a_closed_pilot_keeps_its_deadline(office_client, session_factory, recruiting):
    assert office_client.post(f"/office/pilots/{recruiting}/close").status_code == 302
    form_page = office_client.get(f"/office/pilots/{recruiting}/edit")
    assert "报名截止不能再修改" in text_of(form_page)
    assert page(form_page).xpath("//input[@name='deadline']/@readonly")  # shown, not offered for change
    before = snapshot(session_factory, recruiting)
    response = office_client.post(f"/office/pilots/{recruiting}/edit", **multipart(pilot_form(
        title=INSTITUTION_PILOT, deadline="2027-03-31")))
    assert response.status_code == 422
    assert field_errors(response) == {"deadline": ["该试点已结束招募，报名截止不能再修改"]}
    assert snapshot(session_factory, recruiting) == before
    response = office_client.post(f"/office/pilots/{recruiting}/edit", **multipart(pilot_form(
        title="电动自行车产品试点第三方技术机构招募（已结束）", deadline="2026-12-31")))
    assert response.status_code == 302, field_errors(response)
    after = snapshot(session_factory, recruiting)
    assert after[0] == "电动自行车产品试点第三方技术机构招募（已结束）" and after[6] == before[6]


def test_editing_an_unknown_pilot_is_not_found(office_client):
    assert office_client.get("/office/pilots/999/edit").status_code == 404
    assert office_client.post("/office/pilots/999/edit", **multipart(pilot_form())).status_code == 404
