"""The lists of 升级试点 a member reads: an enterprise's 我参与的 (提交时间 of the latest submission, one
pager per table), 正在招募 (报名参与 offered only for the member's own 招募类型), and page numbers past
the end of a list (the last page is shown)."""
from __future__ import annotations

from datetime import timedelta

from engine import clock
from storage.models import Enrollment
from tests.webapp.compliance_flow import (
    MEASURED,
    MODEL,
    OPINION,
    application_fixture,  # noqa: F401
    application_tr,
    applied,
    enterprise_client_fixture,  # noqa: F401
    published_fixture,  # noqa: F401
    ready_task,
    return_form,
    row_ids,
    second_enterprise_client_fixture,  # noqa: F401
    second_enterprise_fixture,  # noqa: F401
)
from tests.webapp.helpers import page, statements_of, text_of
from tests.webapp.pilot_flow import (
    ENTERPRISE_PILOT,
    INSTITUTION_PILOT,
    enrolled,
    enterprise_fixture,  # noqa: F401
    enterprise_pilot_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    make_pilot,
    pager_text,
    recruiting_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import approved_fixture, drafting_fixture  # noqa: F401


def pager_of(response, which: str) -> tuple[str, list[str]]:
    """The pager of one table of 我参与的 (``page`` or ``applications_page``): its text and links."""
    (nav,) = page(response).xpath(f"//nav[@data-pager='{which}']")
    return " ".join(" ".join(item.text_content().split()) for item in nav), nav.xpath(".//a/@href")


def enrollment_ids(response) -> list[int]:
    return [int(i) for i in page(response).xpath("//tr[@data-enrollment-id]/@data-enrollment-id")]


# --- 我参与的 of an enterprise --------------------------------------------------------------------


def test_the_list_shows_the_time_of_the_latest_submission(
        application, institution_client, enterprise_client, session_factory, frozen_clock):
    first_shown = clock.to_china(application.created_at).strftime("%Y-%m-%d %H:%M")
    row = application_tr(enterprise_client.get("/my/enrollments"), application.id)
    assert row.xpath("string(.//*[@data-submitted-at])").strip() == first_shown

    task = ready_task(session_factory, "evaluate_application", application.instance_id)
    assert institution_client.post(f"/tasks/{task.id}", data=return_form(OPINION)).status_code == 302
    later = application.created_at + timedelta(days=2, hours=3)
    frozen_clock.set_now(later)
    correction = ready_task(session_factory, "correct_application", application.instance_id)
    response = enterprise_client.post(f"/tasks/{correction.id}", data={
        "product_model": MODEL, **{f"measurements-{n}-measured": v for n, v in enumerate(MEASURED)}})
    assert response.status_code == 302

    latest_shown = clock.to_china(later).strftime("%Y-%m-%d %H:%M")
    assert latest_shown != first_shown
    row = application_tr(enterprise_client.get("/my/enrollments"), application.id)
    assert row.xpath("string(.//*[@data-submitted-at])").strip() == latest_shown
    detail = text_of(enterprise_client.get(f"/my/applications/{application.id}"))
    assert latest_shown in detail and "第 2 次提交" in detail
    # …and so does the institution's 达标产品评价.
    evaluations = page(institution_client.get("/my/evaluations?status=all"))
    (cell,) = evaluations.xpath(f"//tr[@data-application-id='{application.id}']//*[@data-submitted-at]")
    assert cell.text_content().strip() == latest_shown


def test_each_table_has_its_own_pager(application, enterprise, enterprise_client, office, session_factory):
    """21 试点报名 make two pages of that table; its page 2 keeps the one 参与达标 row on view."""
    with session_factory() as session:
        for n in range(21):
            pilot_id = make_pilot(session_factory, office, recruit_type="enterprise", title=f"企业招募{n:02d}")
            session.add(Enrollment(pilot_id=pilot_id, organization_id=enterprise.organization_id,
                                   created_at=clock.now() - timedelta(minutes=n)))
        session.commit()

    first = enterprise_client.get("/my/enrollments")
    root = page(first)
    # each pager follows its own table
    assert root.xpath("//table[@data-applications]/following-sibling::nav[1]/@data-pager") == ["applications_page"]
    assert root.xpath("//table[@data-enrollments]/following-sibling::nav[1]/@data-pager") == ["page"]
    assert pager_of(first, "applications_page") == ("« 上一页 1 下一页 » 当前 1 / 20 条, 共 1 条", [])
    assert pager_of(first, "page") == ("« 上一页 1 下一页 » 当前 1 / 20 条, 共 21 条", ["/my/enrollments?page=2"])
    assert len(enrollment_ids(first)) == 20 and row_ids(first) == [application.id]

    second = enterprise_client.get("/my/enrollments?page=2")
    assert len(enrollment_ids(second)) == 1
    assert row_ids(second) == [application.id]  # the other table stays on its own first page
    assert pager_of(second, "page") == ("« 上一页 2 下一页 » 当前 2 / 20 条, 共 21 条", ["/my/enrollments?page=1"])
    assert pager_of(second, "applications_page")[0] == "« 上一页 1 下一页 » 当前 1 / 20 条, 共 1 条"


def test_a_page_past_the_end_shows_the_last_page_of_my_enrollments(
        application, enterprise_client, institution, institution_client, recruiting, session_factory):
    past = "/my/enrollments?page=99999&applications_page=99999"
    assert enterprise_client.get(past).status_code == 302  # each pager sends its own argument to its last page
    mine = enterprise_client.get(past, follow_redirects=True)
    assert mine.request.full_path == "/my/enrollments?page=1&applications_page=1"
    assert row_ids(mine) == [application.id]
    assert pager_of(mine, "applications_page")[0] == "« 上一页 1 下一页 » 当前 1 / 20 条, 共 1 条"
    assert pager_of(mine, "page")[0] == "« 上一页 1 下一页 » 当前 1 / 20 条, 共 0 条"

    enrollment = enrolled(institution_client, session_factory, recruiting, institution)
    mine = institution_client.get("/my/enrollments?page=99999", follow_redirects=True)
    assert mine.request.full_path == "/my/enrollments?page=1"
    assert enrollment_ids(mine) == [enrollment.id]
    assert pager_of(mine, "page")[0] == "« 上一页 1 下一页 » 当前 1 / 20 条, 共 1 条"


# --- 正在招募 ---------------------------------------------------------------------------------------


def offers(response) -> dict[str, tuple[str, str, str]]:
    """正在招募: by title, (招募类型, 操作 text, the 报名参与 link or the refusal code)."""
    found = {}
    for tr in page(response).xpath("//tbody/tr[@data-pilot-id]"):
        cells = [" ".join(td.text_content().split()) for td in tr.xpath("./td")]
        link = tr.xpath(".//a[@data-enroll]/@href")
        refused = tr.xpath("string(.//*[@data-refused]/@data-refused)")
        found[cells[0]] = (cells[2], cells[5], link[0] if link else refused)
    return found


def test_recruiting_offers_enrolment_only_for_the_members_own_type(
        recruiting, enterprise_pilot, institution, institution_client, enterprise_client, client, session_factory):
    assert offers(institution_client.get("/pilots/")) == {
        INSTITUTION_PILOT: ("第三方技术机构", "报名参与", f"/pilots/{recruiting}/enroll"),
        ENTERPRISE_PILOT: ("企业", "仅限企业报名", "other_type"),
    }
    assert offers(enterprise_client.get("/pilots/")) == {
        INSTITUTION_PILOT: ("第三方技术机构", "仅限第三方技术机构报名", "other_type"),
        ENTERPRISE_PILOT: ("企业", "报名参与", f"/pilots/{enterprise_pilot}/enroll"),
    }
    enrolled(institution_client, session_factory, recruiting, institution)
    shown = institution_client.get("/pilots/")
    assert offers(shown)[INSTITUTION_PILOT] == ("第三方技术机构", "已报名", "enrolled")
    assert page(shown).xpath("//a[@data-refused='enrolled']/@href") == ["/my/enrollments"]
    # visitors see the list without the 操作 column
    anonymous = page(client.get("/pilots/"))
    assert "操作" not in [th.text_content().strip() for th in anonymous.xpath("//thead//th")]
    assert anonymous.xpath("//a[@data-enroll]") == []


def test_a_page_past_the_end_shows_the_last_page_of_the_pilot_lists(
        recruiting, enterprise_pilot, client, office_client):
    for url in ("/pilots/?page=99999", "/pilots/?all=1&page=99999", "/office/pilots?page=99999"):
        browser = office_client if url.startswith("/office") else client
        assert browser.get(url).status_code == 302  # to the last page, as every list does
        response = browser.get(url, follow_redirects=True)
        assert response.status_code == 200 and response.request.args["page"] == "1", url
        root = page(response)
        assert len(root.xpath("//tbody/tr/td[1]/a")) == 2, url
        assert pager_text(response) == "« 上一页 1 下一页 » 当前 1 / 20 条, 共 2 条", url


# --- 达标产品评价 of an institution ----------------------------------------------------------------


def test_the_evaluation_list_reads_as_many_statements_for_two_enterprises_as_for_one(
        app, application, published, institution, institution_client, second_enterprise_client,
        session_factory):
    def evaluations() -> list[str]:
        return statements_of(app, institution_client, "/my/evaluations")[1]

    one = evaluations()
    applied(second_enterprise_client, session_factory, published, institution.organization_id, model="YD-2")
    two = evaluations()
    assert len(two) == len(one), "\n".join(s[:100] for s in two)
