"""对标方案 in the browser: the public list (search box, 查询, pager) and one plan with its files."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from storage.files import FileStore
from storage.models import PlanDocument, PlanSubmission
from tests.conftest import START
from tests.engine.test_catalog import INDICATORS, institution, make_plan
from tests.factories import PDF_BYTES
from tests.webapp.helpers import input_value, page, text_of

DOCUMENTS = (("standard_text", "标准文本.pdf"), ("scheme", "对标方案.pdf"), ("explanation", "编制说明.pdf"))
COLUMNS = ["序号", "试点名称", "产品名称", "发布机构", "标准号", "标准名称", "状态", "发布时间"]


def rows_of(response) -> list[list[str]]:
    return [[" ".join(cell.text_content().split()) for cell in row.xpath("td")]
            for row in page(response).xpath("//table[@data-catalog]/tbody/tr[@data-plan-id]")]


@pytest.fixture
def plans(session_factory):
    """A plan in 公示, a published one and one under review (not public), by two institutions."""
    with session_factory() as session:
        huabiao, jiangnan = institution(session, "华标检测认证有限公司"), institution(session, "江南质量技术研究院")
        shown = make_plan(session, huabiao, status="publicity", number="T/ABC 001-2023",
                          name="两轮电动自行车安全与性能评价标准", at=START - timedelta(days=1))
        published = make_plan(session, jiangnan, status="published", number="GB/T 1234-2020",
                              name="家用电冰箱能效评价标准", at=START - timedelta(days=3))
        hidden = make_plan(session, huabiao, status="plan_review", number="T/ABC 009-2023",
                           name="电动自行车充电器评价标准")
        session.commit()
        return shown.id, published.id, hidden.id


def test_anyone_sees_the_public_plans_with_the_manual_columns(client, plans):
    shown, published, _hidden = plans
    response = client.get("/plans/")
    assert response.status_code == 200
    assert [th.text_content() for th in page(response).xpath("//table[@data-catalog]/thead//th")] == COLUMNS
    assert rows_of(response) == [
        # 公示中 is not published yet: no 发布时间, its 公示截止 under the status instead
        ["1", "电动自行车产品试点第三方技术机构招募", "两轮电动自行车", "华标检测认证有限公司", "T/ABC 001-2023",
         "两轮电动自行车安全与性能评价标准", "公示中公示截止 2026-11-08 09:30", ""],
        ["2", "电动自行车产品试点第三方技术机构招募", "两轮电动自行车", "江南质量技术研究院", "GB/T 1234-2020",
         "家用电冰箱能效评价标准", "发布", "2026-10-30"],
    ]
    links = page(response).xpath("//table[@data-catalog]//a/@href")
    assert links == [f"/plans/{shown}", f"/plans/{published}"]
    text = text_of(response)
    assert "电动自行车充电器评价标准" not in text
    assert "当前 1 / 20 条, 共 2 条" in text
    search = page(response).xpath("//form[@role='search']")[0]
    assert search.xpath(".//input[@name='q']/@placeholder") == ["请输入标准号、标准名称、机构名称查询"]
    assert search.xpath(".//button")[0].text_content() == "查询"
    assert not page(response).xpath("//nav[contains(@class, 'side-menu')]")  # the portal layout


@pytest.mark.parametrize(("query", "expected"), [
    ("电动自行车", ["T/ABC 001-2023"]),
    ("gb/t 1234—2020", ["GB/T 1234-2020"]),
    ("江南质量", ["GB/T 1234-2020"]),
    ("评价标准", ["T/ABC 001-2023", "GB/T 1234-2020"]),
    ("充电器", []),
])
def test_the_search_box(client, plans, query, expected):
    response = client.get("/plans/", query_string={"q": query})
    assert response.status_code == 200
    assert [row[4] for row in rows_of(response)] == expected
    assert input_value(response, "q") == query
    if not expected:
        assert "未找到符合条件的对标方案" in text_of(response)


def test_pages_keep_the_query(client, session_factory):
    with session_factory() as session:
        organization = institution(session)
        for n in range(25):
            make_plan(session, organization, number=f"T/ABC {n:03d}-2023", at=START - timedelta(hours=n))
        session.commit()
    first = client.get("/plans/", query_string={"q": "T/ABC"})
    assert [row[0] for row in rows_of(first)] == [str(n) for n in range(1, 21)]
    assert rows_of(first)[0][4] == "T/ABC 000-2023"
    assert "当前 1 / 20 条, 共 25 条" in text_of(first)
    next_link = page(first).xpath("//nav[contains(@class, 'pager')]//a/@href")
    assert next_link == ["/plans/?page=2&q=T/ABC"]
    second = client.get(next_link[0])
    assert [row[0] for row in rows_of(second)] == [str(n) for n in range(21, 26)]
    assert rows_of(second)[-1][4] == "T/ABC 024-2023"
    assert "当前 2 / 20 条, 共 25 条" in text_of(second)
    past_the_end = client.get("/plans/?page=9")  # the pager sends a page past the end to the last one
    assert (past_the_end.status_code, past_the_end.headers["Location"]) == (302, "/plans/?page=2")


def add_formal_version(app, session_factory, plan_id: int) -> list[int]:
    """The plan's formal submission (stage "plan") with its three documents in the app's file store."""
    store = FileStore(Path(app.config["DATA_DIR"]) / "files")
    with session_factory() as session:
        submission = PlanSubmission(plan_id=plan_id, kind="plan", sequence=1, created_at=START, data={
            "indicators": INDICATORS, "co_drafters": [{"id": 1, "name": "某某参编企业"}]})
        session.add(submission)
        session.flush()
        ids = []
        for kind, name in DOCUMENTS:
            stored = store.save(session, PDF_BYTES + name.encode(), name, "application/pdf")
            session.flush()
            session.add(PlanDocument(submission_id=submission.id, kind=kind, file_id=stored.id))
            ids.append(stored.id)
        session.commit()
        return ids


def test_a_public_plan_and_its_files_for_anyone(app, client, session_factory, plans):
    shown, _published, hidden = plans
    files = add_formal_version(app, session_factory, shown)
    hidden_files = add_formal_version(app, session_factory, hidden)
    response = client.get(f"/plans/{shown}")
    assert response.status_code == 200
    text = text_of(response)
    for expected in ("两轮电动自行车安全与性能评价标准", "T/ABC 001-2023", "华标检测认证有限公司", "公示中",
                     "2026-11-01 09:30 至 2026-11-08 09:30", "某某参编企业", "防撞击", "百公里耗电"):
        assert expected in text, expected
    indicators = page(response).xpath("//table[@data-indicators]/tbody/tr/td[2]/text()")
    assert indicators == ["安全（必填）", "低碳（必填）"]  # as the manual and the 参与达标 page write them
    links = page(response).xpath("//a[@data-file-link]")
    assert [(a.text_content(), a.get("href")) for a in links] == [
        ("标准文本.pdf", f"/files/{files[0]}"), ("对标方案.pdf", f"/files/{files[1]}"),
        ("编制说明.pdf", f"/files/{files[2]}")]
    with client.get(f"/files/{files[1]}") as download:  # anyone, not logged in
        assert download.status_code == 200 and download.data == PDF_BYTES + "对标方案.pdf".encode()
    # A plan that is not public: no page, and its files stay private.
    assert client.get(f"/plans/{hidden}").status_code == 404
    assert client.get(f"/files/{hidden_files[0]}").status_code == 401
    assert client.get("/plans/999999").status_code == 404


def test_a_published_plan_shows_its_date_and_logged_in_users_keep_their_menu(other_client, plans):
    _shown, published, _hidden = plans
    response = other_client.get(f"/plans/{published}")
    assert response.status_code == 200
    assert page(response).xpath("//td[@data-published]/text()") == ["2026-10-30"]
    listed = page(other_client.get("/plans/"))
    assert listed.xpath(f"//tr[@data-plan-id='{published}']/td[@data-published]/text()") == ["2026-10-30"]
    assert page(response).xpath("//td[@data-status]/text()") == ["发布"]
    assert page(response).xpath("//nav[contains(@class, 'side-menu')]")
    assert page(other_client.get("/plans/")).xpath("//nav[contains(@class, 'side-menu')]")


def test_a_plan_in_publicity_has_no_publication_date(client, plans):
    shown, _published, _hidden = plans
    listed = page(client.get("/plans/"))
    (row,) = listed.xpath(f"//tr[@data-plan-id='{shown}']")
    assert " ".join(row.xpath("string(td[@data-published])").split()) == ""
    assert row.xpath("string(.//*[@data-publicity-ends])") == "公示截止 2026-11-08 09:30"
    detail = page(client.get(f"/plans/{shown}"))
    assert detail.xpath("//td[@data-published]") == []
    assert detail.xpath("string(//td[@data-publicity])").split() == [
        "2026-11-01", "09:30", "至", "2026-11-08", "09:30"]
