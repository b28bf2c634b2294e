"""试点管理 (the office): 结束招募, 报名情况 with the list's 报名数 / 待审核, who may do either, and
how many statements the lists take."""
from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import event, select

from engine import clock
from storage.models import Enrollment, Pilot, StoredFile
from tests.webapp.helpers import count, decide, first, flashes, multipart, open_task, page, pdf, text_of
from tests.webapp.pilot_flow import (
    INSTITUTION_NAME,
    INSTITUTION_PILOT,
    RIVAL_NAME,
    enroll,
    enrolled,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    is_login_redirect,
    make_pilot,
    nothing_stored,
    pilot_form,
    recruiting_fixture,  # noqa: F401
    return_it,
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
    stage,
    table,
)
from tests.webapp.test_pilots_manage import snapshot


def manage_row(response, pilot_id: int):
    (row,) = page(response).xpath(f"//tr[@data-pilot-id='{pilot_id}']")
    return row


def cell(row, name: str) -> str:
    return " ".join(row.xpath(f"string(.//*[@data-{name}])").split())


@contextmanager
def statements(app):
    """The SQL statements run while the block runs."""
    engine, seen = app.extensions["duibiao.engine"], []

    def listener(_connection, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


# --- 结束招募 ------------------------------------------------------------------------------------


def test_the_list_asks_before_closing_a_recruiting_pilot(office_client, office, session_factory, recruiting):
    ended = make_pilot(session_factory, office, title="已截止的试点", deadline=date(2026, 11, 1))
    response = office_client.get("/office/pilots")
    forms = manage_row(response, recruiting).xpath(".//form[@data-confirm]")
    assert [f.get("action") for f in forms] == [f"/office/pilots/{recruiting}/close"]
    assert "确定结束“电动自行车产品试点第三方技术机构招募”的招募？" in forms[0].get("data-confirm")
    assert forms[0].get("method") == "post" and forms[0].xpath(".//input[@name='csrf_token']")
    assert not manage_row(response, ended).xpath(".//form")  # ended by its deadline: nothing to close
    assert page(response).xpath("//script[contains(@src, 'confirm.js')]")


def test_the_office_closes_a_recruitment_and_new_enrolments_are_refused(
        office, office_client, client, session_factory, recruiting, institution_client):
    response = office_client.post(f"/office/pilots/{recruiting}/close")
    assert response.status_code == 302 and response.headers["Location"] == "/office/pilots"
    listed = office_client.get("/office/pilots")
    assert f"“{INSTITUTION_PILOT}”已结束招募，不再接受新的报名" in flashes(listed)
    row = manage_row(listed, recruiting)
    assert cell(row, "pilot-status").startswith("已结束") and "2026-11-02 09:30 结束招募" in cell(row, "closed-at")
    assert not row.xpath(".//form")
    with session_factory() as session:
        pilot = session.get(Pilot, recruiting)
        assert pilot.closed_at == clock.now() and pilot.closed_by_id == office

    # The public and the members see it ended; 正在招募 no longer lists it.
    public = client.get(f"/pilots/{recruiting}")
    assert "已结束" in text_of(public) and "登录后报名参与" not in text_of(public)  # no invitation to enrol
    assert table(client.get("/pilots/"))[1] == [["暂无正在招募的试点"]]
    member_list = institution_client.get("/pilots/?all=1")
    assert page(member_list).xpath("//*[@data-refused='ended']/text()") == ["招募已结束"]
    detail = institution_client.get(f"/pilots/{recruiting}")
    assert page(detail).xpath("string(//*[@data-refusal])").strip() == "专项办已结束该试点招募，不再接受报名"
    assert not page(detail).xpath("//a[normalize-space()='报名参与']")

    # 报名参与 is refused, nothing stored.
    attempt = enroll(institution_client, recruiting)
    assert attempt.status_code == 302 and attempt.headers["Location"] == f"/pilots/{recruiting}"
    assert institution_client.get(f"/pilots/{recruiting}/enroll").status_code == 302
    assert nothing_stored(session_factory)


def test_open_enrolment_reviews_continue_after_closing(office_client, session_factory, recruiting, institution,
                                                       institution_client, rival, rival_client):
    returned = enrolled(institution_client, session_factory, recruiting, institution)
    waiting = enrolled(rival_client, session_factory, recruiting, rival)
    correction = return_it(office_client, session_factory, returned)
    assert office_client.post(f"/office/pilots/{recruiting}/close").status_code == 302

    review = open_task(session_factory, waiting.instance_id)
    assert decide(office_client, review.id, "approve").status_code == 302
    assert stage(session_factory, waiting.instance_id) == "approved"
    response = institution_client.post(f"/tasks/{correction.id}", **multipart({"note": "已更新证书"}))
    assert response.status_code == 302
    assert stage(session_factory, returned.instance_id) == "vetting"


def test_closing_twice_or_after_the_deadline_is_refused_and_changes_nothing(office, office_client,
                                                                           session_factory, recruiting):
    assert office_client.post(f"/office/pilots/{recruiting}/close").status_code == 302
    before = snapshot(session_factory, recruiting)
    clock.set_now(clock.now().replace(hour=5))
    response = office_client.post(f"/office/pilots/{recruiting}/close", follow_redirects=True)
    assert "该试点已结束招募" in flashes(response)
    assert snapshot(session_factory, recruiting) == before

    ended = make_pilot(session_factory, office, title="已截止的试点", deadline=date(2026, 11, 1))
    response = office_client.post(f"/office/pilots/{ended}/close", follow_redirects=True)
    assert "该试点报名已截止，无需结束招募" in flashes(response)
    assert snapshot(session_factory, ended)[6] is None
    assert office_client.post("/office/pilots/999/close").status_code == 404


# --- 报名情况 and the list's counts ---------------------------------------------------------------


def test_the_office_sees_who_enrolled_and_opens_the_review(office_client, session_factory, recruiting,
                                                           institution, institution_client, rival, rival_client):
    approved = enrolled(institution_client, session_factory, recruiting, institution)
    decide(office_client, open_task(session_factory, approved.instance_id).id, "approve")
    clock.set_now(clock.now().replace(hour=3))  # 11:30 China time
    waiting = enrolled(rival_client, session_factory, recruiting, rival)
    review = open_task(session_factory, waiting.instance_id)

    response = office_client.get(f"/office/pilots/{recruiting}/enrollments")
    assert response.status_code == 200
    assert "报名情况" in text_of(response) and INSTITUTION_PILOT in text_of(response)
    assert "报名数 2，待审核 1" in text_of(response)
    header, rows = table(response)
    assert header == ["单位名称", "提交时间", "当前状态", "操作"]
    assert rows == [[RIVAL_NAME, "2026-11-02 11:30", "待审核", "审核"],
                    [INSTITUTION_NAME, "2026-11-02 09:30", "审核通过", ""]]
    root = page(response)
    assert root.xpath("//a[@data-office-task]/@href") == [f"/tasks/{review.id}"]
    assert root.xpath("//tbody//td[1]/a/@href") == [f"/office/organizations/{rival.organization_id}",
                                                   f"/office/organizations/{institution.organization_id}"]
    assert office_client.get(f"/tasks/{review.id}").status_code == 200

    listed = office_client.get("/office/pilots")
    row = manage_row(listed, recruiting)
    assert (cell(row, "enrolled"), cell(row, "pending")) == ("2", "1")
    assert row.xpath(".//a[normalize-space()='报名情况']/@href") == [f"/office/pilots/{recruiting}/enrollments"]


def test_a_resubmission_shows_its_own_time(office_client, session_factory, recruiting, institution,
                                           institution_client):
    returned = enrolled(institution_client, session_factory, recruiting, institution)
    correction = return_it(office_client, session_factory, returned)
    rows = table(office_client.get(f"/office/pilots/{recruiting}/enrollments"))[1]
    assert rows == [[INSTITUTION_NAME, "2026-11-02 09:30", "已退回", ""]]  # the correction is the applicant's
    clock.set_now(clock.now().replace(hour=6))  # 14:30 China time
    institution_client.post(f"/tasks/{correction.id}", **multipart({"note": "已更新证书"}))
    rows = table(office_client.get(f"/office/pilots/{recruiting}/enrollments"))[1]
    assert rows == [[INSTITUTION_NAME, "2026-11-02 14:30", "待审核", "审核"]]


def test_a_pilot_nobody_enrolled_in(office_client, recruiting):
    response = office_client.get(f"/office/pilots/{recruiting}/enrollments")
    assert response.status_code == 200 and "暂无单位报名该试点" in text_of(response)
    assert "报名数 0，待审核 0" in text_of(response)
    assert office_client.get("/office/pilots/999/enrollments").status_code == 404


def test_the_lists_take_the_same_statements_whatever_their_length(
        app, office, office_client, session_factory, recruiting, institution, institution_client,
        rival, rival_client, enterprise, other_client):
    enrolled(institution_client, session_factory, recruiting, institution)

    def pages() -> tuple[int, int]:
        with statements(app) as listing:
            assert office_client.get("/office/pilots").status_code == 200
        with statements(app) as enrolments:
            assert office_client.get(f"/office/pilots/{recruiting}/enrollments").status_code == 200
        return len(listing), len(enrolments)

    one = pages()
    enrolled(rival_client, session_factory, recruiting, rival)
    other = make_pilot(session_factory, office, recruit_type="enterprise")
    make_pilot(session_factory, office, title="空气净化器产品试点第三方技术机构招募")
    enrolled(other_client, session_factory, other, enterprise)
    decide(office_client, open_task(session_factory, first(session_factory, select(Enrollment).where(
        Enrollment.pilot_id == other)).instance_id).id, "approve")
    more = pages()
    assert more == one, (one, more)
    # the list: user, page count, pilots, counts, 我的消息 badge, the 数据字典's lists (试点领域's words: one
    # read per request) (+ BEGIN); 报名情况: 10 with the pilot, its five list queries and its counts
    assert one[0] <= 7 and one[1] <= 10, one


# --- who may ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["institution_client", "other_client"])
def test_only_the_office_edits_closes_and_sees_enrolments(request, session_factory, recruiting, who):
    client = request.getfixturevalue(who)
    before = snapshot(session_factory, recruiting)
    assert client.get(f"/office/pilots/{recruiting}/edit").status_code == 403
    response = client.post(f"/office/pilots/{recruiting}/edit", **multipart(pilot_form(
        title="被篡改的标题", attachments=[pdf()])))
    assert response.status_code == 403
    assert client.post(f"/office/pilots/{recruiting}/close").status_code == 403
    assert client.get(f"/office/pilots/{recruiting}/enrollments").status_code == 403
    assert snapshot(session_factory, recruiting) == before
    assert count(session_factory, StoredFile) == 0


def test_anonymous_users_are_sent_to_login_and_change_nothing(client, session_factory, recruiting):
    before = snapshot(session_factory, recruiting)
    for url in (f"/office/pilots/{recruiting}/edit", f"/office/pilots/{recruiting}/enrollments"):
        assert is_login_redirect(client.get(url), url), url
    assert is_login_redirect(client.post(f"/office/pilots/{recruiting}/edit", **multipart(pilot_form())),
                             "/edit")
    assert is_login_redirect(client.post(f"/office/pilots/{recruiting}/close"), "/close")
    assert snapshot(session_factory, recruiting) == before
