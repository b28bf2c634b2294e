"""升级试点 in the browser: 正在招募 (public), 报名参与 and 我参与的."""
from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from storage.models import Enrollment, HumanTask, StoredFile, User
from tests.factories import pilot
from tests.webapp.helpers import count, field_errors, flashes, open_task, page, pdf, text_of
from tests.webapp.pilot_flow import (
    CERTIFICATE,
    COLUMNS,
    INSTITUTION_PILOT,
    LICENCE,
    NOT_PDF,
    NOTE,
    enroll,
    enrolled,
    enrollment_of,
    enterprise_fixture,  # noqa: F401
    enterprise_pilot_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    make_pilot,
    my_row,
    my_stage,
    nothing_stored,
    pager_text,
    recruiting_fixture,  # noqa: F401
    resubmit_links,
    stage,
    submissions,
    table,
    withdraw_forms,
)

# --- 正在招募 (public) -----------------------------------------------------------------------


def test_recruiting_shows_only_pilots_whose_deadline_has_not_passed(client, office, session_factory):
    later = make_pilot(session_factory, office)
    today = make_pilot(session_factory, office, title="截止今日的试点招募", deadline=date(2026, 11, 2))
    ended = make_pilot(session_factory, office, title="已截止的试点招募", deadline=date(2026, 11, 1))

    response = client.get("/pilots/")
    assert response.status_code == 200
    assert "正在招募" in text_of(response)
    header, rows = table(response)
    assert header == COLUMNS
    assert rows == [
        ["截止今日的试点招募", "两轮电动自行车", "第三方技术机构", "招募中", "2026-11-02"],
        [INSTITUTION_PILOT, "两轮电动自行车", "第三方技术机构", "招募中", "2026-11-02"],
    ]
    assert page(response).xpath("//tbody/tr/@data-pilot-id") == [str(today), str(later)]
    assert page(response).xpath("//tbody//a/@href") == [f"/pilots/{today}", f"/pilots/{later}"]
    assert pager_text(response) == "« 上一页 1 下一页 » 当前 1 / 20 条, 共 2 条"

    everything = client.get("/pilots/?all=1")
    header, rows = table(everything)
    assert header == COLUMNS
    assert page(everything).xpath("//tbody/tr/@data-pilot-id") == [str(ended), str(today), str(later)]
    assert [row[3] for row in rows] == ["已结束", "招募中", "招募中"]
    assert "共 3 条" in pager_text(everything)
    assert "已结束" in text_of(client.get(f"/pilots/{ended}"))


def test_a_deadline_ends_at_midnight_china_time(client, office, session_factory, frozen_clock):
    pilot_id = make_pilot(session_factory, office, deadline=date(2026, 11, 2))
    frozen_clock.set_now(datetime(2026, 11, 2, 15, 59, tzinfo=UTC))  # 23:59 in Beijing
    assert page(client.get("/pilots/")).xpath("//tbody/tr/@data-pilot-id") == [str(pilot_id)]
    frozen_clock.set_now(datetime(2026, 11, 2, 16, 0, tzinfo=UTC))  # 00:00 on 11-03
    response = client.get("/pilots/")
    assert not page(response).xpath("//tbody/tr/@data-pilot-id")
    assert "暂无正在招募的试点" in text_of(response) and "共 0 条" in pager_text(response)
    detail = client.get(f"/pilots/{pilot_id}")
    assert page(detail).xpath("string(//*[@data-pilot-status])").strip() == "已结束"


def test_the_pager_of_recruiting(client, office, session_factory):
    with session_factory() as session:
        author = session.get(User, office)
        for n in range(21):
            pilot(session, author, title=f"试点招募 {n:02d}")
        session.commit()
    first_page = client.get("/pilots/")
    assert len(table(first_page)[1]) == 20
    assert pager_text(first_page) == "« 上一页 1 下一页 » 当前 1 / 20 条, 共 21 条"
    next_link = page(first_page).xpath("//nav[contains(@class,'pager')]//a[contains(., '下一页')]/@href")
    assert next_link == ["/pilots/?page=2"]
    second = client.get(next_link[0])
    assert [row[0] for row in table(second)[1]] == ["试点招募 00"]
    assert pager_text(second) == "« 上一页 2 下一页 » 当前 2 / 20 条, 共 21 条"
    all_link = page(client.get("/pilots/?all=1")).xpath(
        "//nav[contains(@class,'pager')]//a[contains(., '下一页')]/@href")
    assert len(all_link) == 1 and "all=1" in all_link[0] and "page=2" in all_link[0]


def test_an_anonymous_visitor_sees_a_pilot_and_is_asked_to_log_in(client, recruiting):
    response = client.get(f"/pilots/{recruiting}")
    assert response.status_code == 200
    text = text_of(response)
    for shown in (INSTITUTION_PILOT, "两轮电动自行车", "第三方技术机构", "产品", "2026-12-31", "招募中",
                  "招募承担对标方案编制的第三方技术机构。"):
        assert shown in text
    login = page(response).xpath("//a[normalize-space()='登录后报名参与']/@href")
    assert len(login) == 1
    assert urlsplit(login[0]).path == "/login"
    assert parse_qs(urlsplit(login[0]).query) == {"next": [f"/pilots/{recruiting}/enroll"]}
    assert not page(response).xpath("//a[normalize-space()='报名参与']")
    assert client.get(f"/pilots/{recruiting + 1000}").status_code == 404


def test_logging_in_from_a_pilot_leads_to_its_enrolment_form(client, institution, recruiting):
    link = page(client.get(f"/pilots/{recruiting}")).xpath(
        "//a[normalize-space()='登录后报名参与']/@href")[0]
    query = urlsplit(link).query
    response = client.post(f"/login?{query}", data={
        "email": institution.email, "password": institution.password, "captcha": "PASSED"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/pilots/{recruiting}/enroll"


def test_a_member_sees_whether_it_may_enrol(institution_client, other_client, recruiting,
                                            enterprise_pilot):
    own = institution_client.get(f"/pilots/{recruiting}")
    assert page(own).xpath("//a[normalize-space()='报名参与']/@href") == [f"/pilots/{recruiting}/enroll"]
    assert not page(own).xpath("//*[@data-refusal]")

    wrong = other_client.get(f"/pilots/{recruiting}")
    assert not page(wrong).xpath("//a[normalize-space()='报名参与']")
    assert page(wrong).xpath("string(//*[@data-refusal])").strip() == "该试点招募第三方技术机构，您的单位不能报名"
    assert page(institution_client.get(f"/pilots/{enterprise_pilot}")).xpath(
        "string(//*[@data-refusal])").strip() == "该试点招募企业，您的单位不能报名"


# --- 报名参与 and 我参与的 --------------------------------------------------------------------


def test_an_institution_enrols(institution, institution_client, office_client, recruiting,
                               session_factory):
    form_page = institution_client.get(f"/pilots/{recruiting}/enroll")
    assert form_page.status_code == 200
    assert "报名参与" in text_of(form_page) and INSTITUTION_PILOT in text_of(form_page)
    assert page(form_page).xpath("//input[@name='qualification' and @type='file']/@multiple")
    assert page(form_page).xpath("//textarea[@name='note']")

    response = enroll(institution_client, recruiting,
                      [pdf("资质证书.pdf", LICENCE), pdf("检测能力表.pdf", CERTIFICATE)])
    assert response.status_code == 302, field_errors(response)
    assert response.headers["Location"] == "/my/enrollments"

    enrollment = enrollment_of(session_factory, recruiting, institution.organization_id)
    (only,) = submissions(session_factory, enrollment.id)
    assert only[:4] == (1, NOTE, None, None) and len(only[4]) == 2
    assert stage(session_factory, enrollment.instance_id) == "vetting"

    mine = institution_client.get("/my/enrollments")
    assert "报名材料已提交，请等待专项办审核" in flashes(mine)
    assert "我参与的" in text_of(mine)
    row = my_row(mine, enrollment.id)
    cells = [" ".join(td.text_content().split()) for td in row.xpath("./td")]
    # 当前状态, then the enrolment's step bar (its process, each step with its state in words).
    assert cells[:4] == [INSTITUTION_PILOT, "两轮电动自行车", "2026-11-02 09:30",
                         "待审核 试点报名 待审核（当前） → 审核通过（待办理）"]
    assert row.xpath(".//a/@href")[0] == f"/pilots/{recruiting}"
    assert withdraw_forms(mine) == [f"/my/enrollments/{enrollment.id}/withdraw"]
    assert resubmit_links(mine) == []

    review = open_task(session_factory, enrollment.instance_id)
    assert (review.task_name, review.role) == ("review_enrollment", "office")
    inbox = office_client.get("/tasks/")
    assert page(inbox).xpath("//tr[@data-task-id]/@data-task-id") == [str(review.id)]

    detail = institution_client.get(f"/pilots/{recruiting}")
    assert page(detail).xpath("string(//*[@data-refusal])").strip() == \
        "您的单位已报名该试点，请在“我参与的”中查看"


def test_an_enterprise_enrols_in_an_enterprise_pilot(enterprise, other_client, enterprise_pilot,
                                                     session_factory):
    enrollment = enrolled(other_client, session_factory, enterprise_pilot, enterprise)
    assert my_stage(other_client.get("/my/enrollments"), enrollment.id) == "待审核"
    assert open_task(session_factory, enrollment.instance_id).task_name == "review_enrollment"


def test_an_empty_my_enrollments(institution_client):
    response = institution_client.get("/my/enrollments")
    assert response.status_code == 200
    assert "您还没有参与任何试点。" in text_of(response)
    assert page(response).xpath("//a[normalize-space()='查看正在招募的试点']/@href") == ["/pilots/"]


def test_enrolling_twice_is_refused(institution, institution_client, recruiting, session_factory):
    enrollment = enrolled(institution_client, session_factory, recruiting, institution)
    files_before = count(session_factory, StoredFile)
    message = "您的单位已报名该试点，请在“我参与的”中查看"

    for response in (institution_client.get(f"/pilots/{recruiting}/enroll"),
                     enroll(institution_client, recruiting)):
        assert response.status_code == 302
        assert response.headers["Location"] == f"/pilots/{recruiting}"
    shown = institution_client.get(f"/pilots/{recruiting}")
    assert page(shown).xpath("string(//*[@data-refusal])").strip() == message
    assert text_of(shown).count("您的单位已报名该试点") == 1  # said once, not in a flash as well
    assert count(session_factory, Enrollment) == 1
    assert len(submissions(session_factory, enrollment.id)) == 1
    assert count(session_factory, StoredFile) == files_before
    assert count(session_factory, HumanTask) == 1


def test_an_institution_cannot_enrol_in_an_enterprise_pilot(institution_client, enterprise_pilot,
                                                            session_factory):
    response = enroll(institution_client, enterprise_pilot)
    assert response.status_code == 302 and response.headers["Location"] == f"/pilots/{enterprise_pilot}"
    followed = institution_client.get(response.headers["Location"])
    assert page(followed).xpath("string(//*[@data-refusal])").strip() == "该试点招募企业，您的单位不能报名"
    assert text_of(followed).count("您的单位不能报名") == 1 and flashes(followed) == []
    assert institution_client.get(f"/pilots/{enterprise_pilot}/enroll").status_code == 302
    assert nothing_stored(session_factory)


def test_enrolling_after_the_deadline_is_refused(institution_client, office, session_factory,
                                                 frozen_clock):
    pilot_id = make_pilot(session_factory, office, deadline=date(2026, 11, 2))
    form_page = institution_client.get(f"/pilots/{pilot_id}/enroll")
    assert form_page.status_code == 200  # still open on the deadline day

    frozen_clock.set_now(datetime(2026, 11, 2, 16, 0, tzinfo=UTC))  # midnight in Beijing
    response = enroll(institution_client, pilot_id, follow_redirects=True)
    assert page(response).xpath("string(//*[@data-refusal])").strip() == "该试点报名已截止"
    assert text_of(response).count("该试点报名已截止") == 1
    assert nothing_stored(session_factory)


@pytest.mark.parametrize("files, note, field, message", [
    ([pdf("资质证书.pdf"), pdf("资质证书.docx", NOT_PDF, "application/msword")], NOTE,
     "qualification", "资质证书.docx：请上传 PDF 格式的文件"),
    ([pdf("扫描件.pdf", b"\x89PNG\r\n\x1a\n not a pdf")], NOTE, "qualification",
     "扫描件.pdf：请上传 PDF 格式的文件"),
    ([], NOTE, "qualification", "请上传 PDF 文件"),
    ([pdf()], "说" * 1001, "note", "不能超过 1000 个字"),
    ([pdf(f"资质{n}.pdf") for n in range(11)], NOTE, "qualification", "最多上传 10 个文件"),
], ids=["word-document", "png-named-pdf", "no-file", "long-note", "eleven-files"])
def test_a_bad_enrolment_is_refused_at_its_field(institution_client, recruiting, session_factory,
                                                 files, note, field, message):
    response = enroll(institution_client, recruiting, files, note)
    assert response.status_code == 422
    assert field_errors(response) == {field: [message]}
    assert "invalid-feedback" in page(response).xpath(f"//*[@data-field-error='{field}']")[0].get("class")
    assert nothing_stored(session_factory)


def test_a_pending_organisation_cannot_enrol(applicant, applicant_client, office, session_factory):
    pilot_id = make_pilot(session_factory, office, recruit_type="enterprise")
    response = enroll(applicant_client, pilot_id)
    assert response.status_code == 302 and response.headers["Location"] == "/account/status"
    assert count(session_factory, Enrollment) == 0
    assert applicant_client.get("/my/enrollments").status_code == 302
