"""The institution's journey (第三方技术机构, docs/manual/institution.zh.md) in Chromium: 报名参与 a pilot,
编制方案 and 提交正式版, its 公示 and 发布, then 达标产品评价 of an application addressed to it. The
institution clicks; the office's approvals and the enterprise's application run through the domain
services (journey_data). Each step saves the screenshot the manual shows."""
from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser import journey_data as other
from tests.browser.helpers import log_in
from tests.browser.manual_pictures import assert_screenshots_of, save

pytestmark = pytest.mark.browser

INSTITUTION = ("inst2@demo.duibiao.cn", "Inst2#2026")
PLAN = "两轮电动自行车对标方案"
NUMBER = "T/ABC 001-2026"
MODEL = "YD-E8-2026"
PDF_NAMES = {"qualification": "资质文件", "comparison_report": "比对分析报告", "standard_text": "标准文本",
             "scheme": "对标方案", "explanation": "编制说明"}


def shot(page, number: int, name: str) -> None:
    save(page, f"institution-{number:02d}-{name}")


def menu(page, name: str) -> None:
    page.locator("nav.side-menu").get_by_role("link", name=re.compile(f"^{name}")).click()


def enrol(page, pdfs) -> None:
    menu(page, "正在招募")
    expect(page.locator("a", has_text=other.ENROLMENT_PILOT)).to_be_visible()
    shot(page, 2, "recruiting")
    page.click(f"a:has-text('{other.ENROLMENT_PILOT}')")
    page.click("a:has-text('报名参与')")
    page.set_input_files("#qualification", str(pdfs["qualification"]))
    shot(page, 3, "enrol-form")
    page.get_by_role("button", name="提交").click()
    stage = page.locator("tr[data-enrollment-id] [data-stage]")
    expect(stage).to_have_text("待审核")
    shot(page, 4, "enrolled")


def report(page, live_server, pdfs) -> None:
    other.office_approves(live_server, "报名审核")
    page.reload()
    expect(page.locator("tr[data-enrollment-id] [data-stage]")).to_have_text("待编制方案")
    page.click("a:has-text('编制方案')")
    page.fill("#name", PLAN)
    page.set_input_files("#comparison_report", str(pdfs["comparison_report"]))
    shot(page, 5, "report-form")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("alert")).to_contain_text("提交成功")
    expect(page.locator("[data-plan-status]")).to_have_text("比对分析报告审核中")
    shot(page, 6, "report-submitted")


def formal_plan(page, live_server, pdfs) -> None:
    other.office_approves(live_server, "平台备案及形式审核")
    menu(page, "我的方案")
    expect(page.locator("[data-plan-status]")).to_have_text("方案编制中")
    shot(page, 7, "my-plans")
    page.click("a:has-text('提交正式版')")
    page.fill("#standard_number", NUMBER)
    page.fill("#standard_name", "两轮电动自行车对标达标评价标准")
    for name in ("standard_text", "scheme", "explanation"):
        page.set_input_files(f"#{name}", str(pdfs[name]))
    expect(page.locator("tr.indicator-row")).to_have_count(3)
    page.click("#add-indicator")
    for index, (level1, level2, value, basis, method) in enumerate(other.INDICATORS):
        page.select_option(f"[name='indicators-{index}-level1']", level1)
        page.fill(f"[name='indicators-{index}-level2']", level2)
        page.fill(f"[name='indicators-{index}-value']", value)
        page.fill(f"[name='indicators-{index}-basis']", basis)
        page.fill(f"[name='indicators-{index}-method']", method)
    shot(page, 8, "formal-plan-form")
    page.locator("tr.indicator-row").last.scroll_into_view_if_needed()
    shot(page, 9, "indicators")
    page.click("button[value=save]")
    expect(page.locator("#standard_number")).to_have_value(NUMBER)
    page.click("button[value=submit]")
    expect(page.get_by_role("alert")).to_contain_text("提交成功")
    menu(page, "我的方案")
    expect(page.locator("[data-plan-status]")).to_have_text("正式版审核中")
    shot(page, 10, "plan-submitted")


def publicity(page, live_server) -> None:
    other.office_approves(live_server, "正式版方案审核")
    page.reload()
    expect(page.locator("[data-plan-status]")).to_have_text("公示中")
    shot(page, 11, "publicity")
    other.end_publicity(live_server)  # seven days without a 修订意见
    page.reload()
    expect(page.locator("[data-plan-status]")).to_have_text("发布")
    shot(page, 12, "published")


def evaluate(page, live_server) -> None:
    other.apply_for(live_server, "ent1@demo.duibiao.cn", PLAN, MODEL)
    page.reload()
    menu(page, "我的消息")
    expect(page.locator("[data-message]").first).to_contain_text(MODEL)
    shot(page, 13, "messages")
    menu(page, "达标产品评价")
    row = page.locator(f"tr:has-text('{MODEL}')")
    expect(row.locator("[data-stage]")).to_have_text("待机构审核")
    shot(page, 14, "evaluations")
    row.locator("a[data-action=evaluate]").click()
    expect(page.locator("[data-application]")).to_contain_text(NUMBER)
    for index in range(len(other.INDICATORS)):
        page.select_option(f"[name='items-{index}-verdict']", "pass")
        page.fill(f"[name='items-{index}-remark']", "达到国际先进水平")
    page.check("input[name=conclusion][value=pass]")
    shot(page, 15, "evaluation-form")
    page.click("#evaluation-form button:has-text('提交')")
    expect(page.get_by_role("alert")).to_contain_text("提交成功")
    menu(page, "达标产品评价")
    expect(page.locator(f"tr:has-text('{MODEL}') [data-stage]")).to_have_text("待专项办审核")
    shot(page, 16, "evaluated")


def test_institution_journey(live_server, new_context, make_pdf, tmp_path):
    started = time.time()
    pdfs = {key: tmp_path / f"{name}.pdf" for key, name in PDF_NAMES.items()}
    for path in pdfs.values():
        make_pdf(path)
    _, page, js_errors = new_context()
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, *INSTITUTION)
    shot(page, 1, "home")
    enrol(page, pdfs)
    report(page, live_server, pdfs)
    formal_plan(page, live_server, pdfs)
    publicity(page, live_server)
    evaluate(page, live_server)
    assert_screenshots_of("institution", started)
    assert js_errors == [] and live_server.errors == [], (js_errors, live_server.errors)
