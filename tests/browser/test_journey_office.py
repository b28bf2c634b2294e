"""The office's journey (专项办, docs/manual/office.zh.md) in Chromium: every review it owns, found in 待办
with a filter, an 导出 Excel of a record list and the 统计分析 page. Each step saves the screenshot the
manual shows; the other organisations' steps in between run through the domain services (journey_data)."""
from __future__ import annotations

import re
import time

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser import journey_data as other
from tests.browser.helpers import log_in
from tests.browser.manual_pictures import assert_screenshots_of, save

pytestmark = pytest.mark.browser

OFFICE = (other.OFFICE_EMAIL, "Office#2026")
COMPANY = "杭州示范智能科技有限公司"
INSTITUTION = "inst1@demo.duibiao.cn"
PILOT = "电动自行车头盔产品试点第三方技术机构招募"
PLAN = "电动自行车头盔对标方案"
MODEL = "LY-AC7K-PRO"
DECLARED = "YD-TDR-2026"


def shot(page, number: int, name: str) -> None:
    save(page, f"office-{number:02d}-{name}")


def open_task(page, step: str, subject: str):
    """待办 → the row of ``step`` about ``subject`` → 办理."""
    page.locator("nav.side-menu").get_by_role("link", name="待办").click()
    page.locator("tr[data-task-id]", has_text=step).filter(has_text=subject).get_by_role("link", name="办理").click()
    expect(page.get_by_role("heading", name=re.compile(step))).to_be_visible()


def submit(page, decision: str = "approve") -> None:
    page.check(f"input[name=decision][value={decision}]")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert")).to_contain_text("提交成功")


def prepare(live_server) -> None:
    """What waits for the office when the journey starts: a registration, an evaluated application and a
    self-declaration."""
    from tests.factories import registered

    with other.app_session(live_server) as session:
        registered(session, live_server.data_dir / "files", email="hz-demo@test.cn", name=COMPANY,
                   province_code="330000", city_code="330100", phone="13900001111")
    other.apply_for(live_server, "ent1@demo.duibiao.cn", "电动汽车交流充电桩对标方案", MODEL)
    other.institution_evaluates(live_server, INSTITUTION, MODEL)
    other.declare(live_server, "ent2@demo.duibiao.cn", DECLARED)


def find_and_vet_registration(page) -> None:
    page.get_by_role("heading", name="待办").wait_for()
    shot(page, 1, "inbox")
    page.fill("input[name=q]", COMPANY)
    page.select_option("select[name=province]", "330000")
    page.get_by_role("button", name="搜索").click()
    rows = page.locator("tr[data-task-id]")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("注册审核")
    shot(page, 2, "inbox-filtered")
    rows.first.get_by_role("link", name="办理").click()
    expect(page.locator("table.context-table")).to_contain_text(COMPANY)
    shot(page, 3, "registration-review")
    submit(page)


def publish_pilot(page) -> None:
    """试点管理 → 新增试点招募: the pilot the institution enrols in."""
    page.locator("nav.side-menu").get_by_role("link", name="新增试点招募").click()
    page.fill("#title", PILOT)
    page.fill("#product_name", "电动自行车乘员头盔")
    page.check("input[name=recruit_type][value=institution]")
    page.check("input[name=field][value=product]")
    page.fill("#description", "招募承担电动自行车乘员头盔对标方案编制的第三方技术机构。")
    page.fill("#deadline", "2027-06-30")
    shot(page, 4, "new-pilot")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_role("alert")).to_contain_text("试点招募已发布")
    page.locator("nav.side-menu").get_by_role("link", name="试点管理").click()
    expect(page.locator("tr", has_text=PILOT)).to_have_count(1)
    shot(page, 5, "pilots")


def review_plan_chain(page, live_server) -> None:
    """报名审核, 平台备案及形式审核, 正式版方案审核: the institution's enrolment and drafting in between."""
    inst_name = "华标检测认证有限公司"
    other.enrol(live_server, INSTITUTION, PILOT)
    open_task(page, "报名审核", inst_name)
    shot(page, 6, "enrolment-review")
    submit(page)
    other.submit_report(live_server, INSTITUTION, PLAN, PILOT)
    open_task(page, "平台备案及形式审核", PILOT)
    shot(page, 7, "report-review")
    submit(page)
    other.submit_formal_plan(live_server, INSTITUTION, "T/DBB 777-2026", "电动自行车头盔对标达标评价规范", PLAN)
    open_task(page, "正式版方案审核", PLAN)
    expect(page.locator("table[data-indicators]")).to_contain_text("防撞击")
    shot(page, 8, "plan-review")
    submit(page)


def resolve_comments(page, live_server) -> None:
    """公示: an enterprise files a 修订意见, the seven days pass, the office dismisses it (方案发布)."""
    other.comment(live_server, "ent2@demo.duibiao.cn", PLAN, "建议增加头盔佩戴舒适度指标")
    other.end_publicity(live_server)
    open_task(page, "修订意见处理", PLAN)
    page.check("input[name='resolutions-0-resolution'][value=dismiss]")
    page.fill("[name='resolutions-0-reply']", "舒适度不属于本方案的对标范围")
    shot(page, 9, "comments")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert")).to_contain_text("提交成功")
    page.goto("/plans/")
    expect(page.locator("table[data-catalog]")).to_contain_text("T/DBB 777-2026")


def file_evaluation_and_certificate(page) -> None:
    open_task(page, "达标结果形式审核及备案", MODEL)
    shot(page, 10, "evaluation-filing")
    submit(page)
    page.locator("nav.side-menu").get_by_role("link", name="证书管理").click()
    expect(page.locator("tbody tr", has_text=MODEL)).to_have_count(1)
    shot(page, 11, "certificates")


def check_declaration(page) -> None:
    open_task(page, "自我声明核查", DECLARED)
    shot(page, 12, "declaration-check")
    submit(page, "confirm")
    page.locator("nav.side-menu").get_by_role("link", name="已办").click()
    expect(page.locator("tbody tr", has_text=DECLARED)).to_have_count(1)
    shot(page, 13, "done")


def export_applications(page, tmp_path) -> None:
    page.locator("nav.side-menu").get_by_role("link", name="达标申请").click()
    page.fill("input[name=q]", MODEL)
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("tbody tr", has_text=MODEL)).to_have_count(1)
    shot(page, 14, "records-applications")
    with page.expect_download() as download:
        page.click("a[data-export=xlsx]")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    book = load_workbook(saved, read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    book.close()
    assert len(rows) == 2 and MODEL in " ".join(str(cell) for cell in rows[1])


def statistics(page) -> None:
    page.locator("nav.side-menu").get_by_role("link", name="统计分析").click()
    expect(page.get_by_role("heading", name="统计分析")).to_be_visible()
    charts = page.locator("canvas[role=img]")
    expect(charts.first).to_be_visible()
    # Chart.js animates for a second: draw the final frame at once for the picture.
    page.evaluate("Object.values(window.Chart.instances).forEach(c => { c.options.animation = false; c.update(); })")
    shot(page, 15, "statistics")
    rates = page.locator("[data-section=pass-rates]")
    rates.scroll_into_view_if_needed()
    expect(rates.locator("canvas")).to_be_visible()
    shot(page, 16, "pass-rates")


def test_office_journey(published_plans, new_context, tmp_path):
    live_server, started = published_plans, time.time()
    prepare(live_server)
    _, page, js_errors = new_context()
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, *OFFICE)
    find_and_vet_registration(page)
    publish_pilot(page)
    review_plan_chain(page, live_server)
    resolve_comments(page, live_server)
    file_evaluation_and_certificate(page)
    check_declaration(page)
    export_applications(page, tmp_path)
    statistics(page)
    assert_screenshots_of("office", started)
    assert js_errors == [] and live_server.errors == [], (js_errors, live_server.errors)
