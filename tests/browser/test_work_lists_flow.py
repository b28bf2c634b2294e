"""Issue 17's acceptance case in Chromium: the office finds yesterday's applications from one province in
待办 and exports them to Excel."""
from __future__ import annotations

from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

OFFICE = ("office@demo.duibiao.cn", "Office#2026")
YESTERDAYS = "杭州昨日申请有限公司"  # 浙江省, registered yesterday
TODAYS = "宁波今日申请有限公司"  # 浙江省, today
ELSEWHERE = "成都昨日申请有限公司"  # 四川省, yesterday


def registrations(live_server):
    """Three registrations waiting for the office; two of them arrived yesterday (China time)."""
    from engine import clock
    from storage.models import HumanTask
    from tests.factories import registered
    from webapp import db

    yesterday = clock.now() - timedelta(days=1)
    with live_server.app.app_context():
        session = db.session()
        for n, (name, province, city, when) in enumerate((
                (YESTERDAYS, "330000", "330100", yesterday), (TODAYS, "330000", "330200", None),
                (ELSEWHERE, "510000", "510100", yesterday))):
            _user, instance = registered(session, live_server.data_dir / "files", email=f"worklist{n}@test.cn",
                                         name=name, province_code=province, city_code=city,
                                         phone=f"1390000222{n}")
            session.flush()
            if when is not None:
                session.query(HumanTask).filter_by(instance_id=instance.id).update({"created_at": when})
        session.commit()
    return clock.to_china(yesterday).date().isoformat()


def test_the_office_exports_yesterdays_applications_from_one_province(new_context, live_server, tmp_path):
    day = registrations(live_server)
    _, page, js_errors = new_context()
    log_in(page, *OFFICE)
    page.goto("/tasks/")
    page.select_option("select[name=province]", "330000")
    page.fill("#waiting_from", day)
    page.fill("input[name=waiting_to]", day)
    page.click("button:has-text('搜索')")
    rows = page.locator("tr[data-task-id]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(YESTERDAYS)
    expect(page.locator("select[name=province]")).to_have_value("330000")

    with page.expect_download() as download:
        page.click("a[data-export=xlsx]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("待办-") and saved.suffix == ".xlsx"
    book = load_workbook(saved, read_only=True)  # a read-only workbook keeps its file open until closed
    found = list(book.active.iter_rows(values_only=True))
    book.close()
    assert found[0][2] == "申请单位 / 主题"
    assert [row[2] for row in found[1:]] == [YESTERDAYS]
    assert js_errors == [] and live_server.errors == []
