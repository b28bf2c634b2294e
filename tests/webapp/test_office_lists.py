"""试点管理, 内容管理 and 报名情况 with the record lists' tools: search, filters, sorting, the pager's links and
导出 CSV / 导出 Excel of the filtered rows — the office's only."""
from __future__ import annotations

import io
from datetime import date, timedelta
from urllib.parse import unquote

import pytest
from openpyxl import load_workbook

from engine import clock
from storage.models import Organization
from tests.conftest import START
from tests.webapp.helpers import field_errors, page
from tests.webapp.pilot_flow import (
    INSTITUTION_NAME,
    INSTITUTION_PILOT,
    RIVAL_NAME,
    enrolled,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    make_pilot,
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.test_articles import make_article
from tests.webapp.test_work_lists import csv_rows, exported

TODAY = clock.to_china(START).date()
ENDED_PILOT = "空气净化器产品试点企业招募"


def pilot_titles(client, **args) -> list[str]:
    response = client.get("/office/pilots", query_string=args)
    assert response.status_code == 200
    return [" ".join(tr.xpath("string(td[1])").split()) for tr in page(response).xpath("//tr[@data-pilot-id]")]


@pytest.fixture
def two_pilots(office, session_factory, recruiting):
    """One recruiting 第三方技术机构 (``recruiting``), one enterprise pilot whose 报名截止 has passed."""
    make_pilot(session_factory, office, recruit_type="enterprise", title=ENDED_PILOT,
               deadline=TODAY - timedelta(days=1))
    return recruiting


def test_pilots_searched_filtered_and_sorted(office_client, two_pilots):
    assert pilot_titles(office_client) == [ENDED_PILOT, INSTITUTION_PILOT]  # newest first
    assert pilot_titles(office_client, q="空气净化") == [ENDED_PILOT]
    assert pilot_titles(office_client, recruit_type="institution") == [INSTITUTION_PILOT]
    assert pilot_titles(office_client, state="recruiting") == [INSTITUTION_PILOT]
    assert pilot_titles(office_client, state="ended") == [ENDED_PILOT]
    assert pilot_titles(office_client, state="ended", recruit_type="institution") == []
    assert pilot_titles(office_client, sort="deadline", dir="asc") == [ENDED_PILOT, INSTITUTION_PILOT]
    response = office_client.get("/office/pilots",
                                 query_string={"state": "whatever", "published_from": "2026-13-01"})
    assert field_errors(response) == {"state": ["请从列表中选择"],
                                      "published_from": ["请输入正确的日期，如 2026-12-05"]}
    assert len(page(response).xpath("//tr[@data-pilot-id]")) == 2  # unfiltered


def test_pilots_export_the_filtered_rows_with_their_counts(office_client, two_pilots, session_factory,
                                                           institution, institution_client):
    enrolled(institution_client, session_factory, two_pilots, institution)
    links = page(office_client.get("/office/pilots?state=recruiting")).xpath("//a[@data-export]/@href")
    assert sorted(links) == [f"/office/pilots?state=recruiting&export={kind}" for kind in ("csv", "xlsx")]
    rows = csv_rows(office_client, "/office/pilots?state=recruiting&export=csv")
    assert rows[0] == ["标题", "产品名称", "招募类型", "试点领域", "报名截止", "当前状态", "发布时间", "报名数",
                       "待审核"]
    assert [row[0] for row in rows[1:]] == [INSTITUTION_PILOT]
    assert rows[1][2] == "第三方技术机构" and rows[1][5] == "招募中" and rows[1][-2:] == ["1", "1"]
    status, _, disposition, body = exported(office_client, "/office/pilots", state="ended", export="xlsx")
    assert status == 200 and unquote(disposition).endswith(f"试点管理-{TODAY.isoformat()}.xlsx")
    sheet = [list(row) for row in load_workbook(io.BytesIO(body), read_only=True).active.iter_rows(values_only=True)]
    assert [row[0] for row in sheet[1:]] == [ENDED_PILOT] and sheet[1][5] == "已结束"


def article_titles(client, **args) -> list[str]:
    response = client.get("/office/articles", query_string=args)
    assert response.status_code == 200
    return [" ".join(tr.xpath("string(td[1])").split()) for tr in page(response).xpath("//tr[@data-article-id]")]


def test_articles_searched_sorted_and_exported(office, office_client, session_factory):
    make_article(session_factory, office, title="关于开展升级试点工作的通知", at=START)
    make_article(session_factory, office, column="faq", title="常见问题解答", status="draft",
                 at=START + timedelta(hours=1))
    assert article_titles(office_client) == ["常见问题解答", "关于开展升级试点工作的通知"]
    assert article_titles(office_client, q="升级试点") == ["关于开展升级试点工作的通知"]
    assert article_titles(office_client, sort="updated", dir="asc") == ["关于开展升级试点工作的通知", "常见问题解答"]
    today = TODAY.isoformat()
    assert article_titles(office_client, published_from=today, published_to=today) == ["关于开展升级试点工作的通知"]
    rows = csv_rows(office_client, "/office/articles?status=draft&export=csv")
    assert rows == [["标题", "栏目", "状态", "发布时间", "更新时间"],
                    ["常见问题解答", "帮助中心 · 常见问题", "草稿", "", rows[1][-1]]]
    assert rows[1][-1] == clock.to_china(START + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    assert field_errors(office_client.get("/office/articles?column=x"))["column"] == ["请从列表中选择"]


def enrolment_names(client, pilot_id: int, **args) -> list[str]:
    response = client.get(f"/office/pilots/{pilot_id}/enrollments", query_string=args)
    assert response.status_code == 200
    return [" ".join(tr.xpath("string(td[1])").split())
            for tr in page(response).xpath("//tr[@data-enrollment-id]")]


def test_enrolments_of_one_pilot_filtered_and_exported(office, office_client, session_factory, recruiting,
                                                       institution, institution_client, rival, rival_client):
    enrolled(institution_client, session_factory, recruiting, institution)
    other = make_pilot(session_factory, office, title="空气净化器产品试点第三方技术机构招募")
    enrolled(rival_client, session_factory, other, rival)
    clock.advance(timedelta(days=1))
    enrolled(rival_client, session_factory, recruiting, rival)
    with session_factory() as session:
        session.get(Organization, rival.organization_id).province_code = "320000"  # 江苏省
        session.commit()
    assert enrolment_names(office_client, recruiting) == [RIVAL_NAME, INSTITUTION_NAME]
    assert enrolment_names(office_client, recruiting, q="华标") == [INSTITUTION_NAME]
    assert enrolment_names(office_client, recruiting, province="320000") == [RIVAL_NAME]
    assert enrolment_names(office_client, recruiting, sort="name", dir="asc") == sorted(
        [RIVAL_NAME, INSTITUTION_NAME], key=lambda name: name.encode())  # the database's order of the names
    day = (TODAY + timedelta(days=1)).isoformat()
    assert enrolment_names(office_client, recruiting, created_from=day) == [RIVAL_NAME]
    assert enrolment_names(office_client, other) == [RIVAL_NAME]  # the other pilot's own
    rows = csv_rows(office_client, f"/office/pilots/{recruiting}/enrollments?export=csv")
    assert rows[0] == ["单位名称", "单位类型", "所在省份", "报名时间", "提交时间", "当前状态"]
    assert [row[0] for row in rows[1:]] == [RIVAL_NAME, INSTITUTION_NAME]  # not the other pilot's enrolment
    assert rows[1][1:3] == ["第三方技术机构", "江苏省"] and rows[1][-1] == "待审核"
    disposition = exported(office_client, f"/office/pilots/{recruiting}/enrollments?export=xlsx")[2]
    assert unquote(disposition).endswith(f"报名情况-{INSTITUTION_PILOT}-{day}.xlsx")  # the day it is now


@pytest.mark.parametrize("who", ["institution_client", "other_client"])
def test_only_the_office_sees_or_exports_its_lists(request, recruiting, who):
    client = request.getfixturevalue(who)
    for url in ("/office/pilots", "/office/articles", f"/office/pilots/{recruiting}/enrollments"):
        for export in ("", "?export=csv", "?export=xlsx"):
            response = client.get(url + export)
            assert response.status_code == 403, (url, export)
            assert "text/csv" not in response.content_type


def test_an_anonymous_visitor_is_sent_to_login(client, recruiting):
    for url in ("/office/pilots?export=csv", "/office/articles?export=xlsx",
                f"/office/pilots/{recruiting}/enrollments?export=csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_a_deadline_today_still_recruits(office, office_client, session_factory):
    make_pilot(session_factory, office, title="今天截止的试点", deadline=TODAY)
    assert pilot_titles(office_client, state="recruiting") == ["今天截止的试点"]
    make_pilot(session_factory, office, title="昨天截止的试点", deadline=date.fromordinal(TODAY.toordinal() - 1))
    assert pilot_titles(office_client, state="ended") == ["昨天截止的试点"]
