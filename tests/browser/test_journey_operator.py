"""The operator's guide in Chromium (docs/manual/operator.zh.md): the 流程管理 console's main screens, with
an instance in 出错 retried, a plan's 公示 suspended, resumed and its timer fired, a task reassigned, the
definitions and 运行概况. Each screen saves the picture the guide shows."""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.browser import journey_data as other
from tests.browser.helpers import log_in
from tests.browser.manual_pictures import assert_screenshots_of, save
from tests.browser.test_operator_console import COMPANY, approval_fails_in_its_service_task

pytestmark = pytest.mark.browser

OPERATOR = ("operator@demo.duibiao.cn", "Operate#2026")
INSTITUTION = "inst2@demo.duibiao.cn"
PLAN = "两轮电动自行车运维演示方案"


def shot(page, number: int, name: str) -> None:
    save(page, f"operator-{number:02d}-{name}")


def plan_in_publicity(live_server) -> None:
    """inst2's plan through enrolment, report and formal plan to 公示 (its timer pending)."""
    other.enrol(live_server, INSTITUTION)
    other.office_approves(live_server, "报名审核")
    other.submit_report(live_server, INSTITUTION, PLAN, "江南质量技术研究院")
    other.office_approves(live_server, "平台备案及形式审核", "江南质量技术研究院")
    other.submit_formal_plan(live_server, INSTITUTION, "T/DBB 555-2026", "两轮电动自行车运维演示标准", PLAN)
    other.office_approves(live_server, "正式版方案审核", PLAN)


def scroll_to(page, selector: str) -> None:
    """Bring ``selector`` to the top of the window (for the picture)."""
    page.locator(selector).first.evaluate("element => element.scrollIntoView({block: 'start', behavior: 'instant'})")


def act(page, action: str, reason: str, done: str) -> None:
    form = page.locator(f"form[data-action={action}]")
    form.locator("input[name=reason]").fill(reason)
    form.locator("button").click()
    expect(page.get_by_role("alert").filter(has_text=done)).to_be_visible()


def find(page, process: str = "", status: str = "", q: str = "") -> None:
    page.locator("nav.side-menu").get_by_role("link", name="流程实例").click()
    if process:
        page.select_option("select[name=process]", process)
    if status:
        page.select_option("select[name=status]", status)
    page.fill("input[name=q]", q)
    page.get_by_role("button", name="查询").click()


def retry_errored(page) -> None:
    find(page, status="error", q=COMPANY)
    rows = page.locator("tr[data-instance-id]")
    expect(rows).to_have_count(1)
    shot(page, 2, "errored")
    rows.first.get_by_role("link", name="详情").click()
    expect(page.locator("[data-error-message]")).to_contain_text("短信网关无响应")
    page.wait_for_selector("[data-bpmn-diagram][data-bpmn-state='rendered']")
    shot(page, 3, "error-detail")
    scroll_to(page, "[data-legend]")
    shot(page, 4, "error-diagram")
    act(page, "retry", "短信网关已恢复", "已重试")
    expect(page.locator("[data-error]")).to_have_count(0)
    shot(page, 5, "retried")


def publicity_timer(page) -> None:
    find(page, process="formal_plan", q=PLAN)
    page.locator("tr[data-instance-id]").first.get_by_role("link", name="详情").click()
    expect(page.locator("tr[data-timer]")).to_have_count(1)
    page.wait_for_selector("[data-bpmn-diagram][data-bpmn-state='rendered']")
    scroll_to(page, "[data-operator-actions]")
    shot(page, 6, "timer")
    act(page, "suspend", "核实公示期间收到的投诉", "已挂起")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "suspended")
    shot(page, 7, "suspended")
    act(page, "resume", "投诉已核实，恢复公示", "已恢复")
    act(page, "fire_timer", "专项办确认公示期已满", "已立即触发定时器")
    expect(page.locator("[data-status]")).to_have_attribute("data-status", "completed")
    scroll_to(page, "[data-events]")
    shot(page, 8, "history")


def reassign(page) -> None:
    """inst1's 编制方案 (the demo's enrolment) given to a named user of the institution."""
    find(page, process="comparison_report", status="running")
    page.locator("tr[data-instance-id]:has(td[data-stage='report_drafting'])").first.get_by_role(
        "link", name="详情").click()
    form = page.locator("form[data-reassign]").first
    form.locator("select[name=target_kind]").select_option("user")
    form.locator("input[name=target]").fill("inst1@demo.duibiao.cn")
    form.locator("input[name=reason]").fill("原经办人休假，转给机构负责人")
    scroll_to(page, "[data-operator-actions]")
    shot(page, 9, "reassign")
    form.locator("button").click()
    expect(page.get_by_role("alert").filter(has_text="已转办")).to_be_visible()


def definitions_and_dashboard(page) -> None:
    page.locator("nav.side-menu").get_by_role("link", name="流程定义").click()
    expect(page.locator("tr[data-key='registration_vetting']")).to_be_visible()
    shot(page, 10, "definitions")
    page.click("tr[data-key='registration_vetting'] a:has-text('流程图')")
    page.wait_for_selector("[data-bpmn-diagram][data-bpmn-state='rendered']")
    shot(page, 11, "definition-diagram")
    page.locator("nav.side-menu").get_by_role("link", name="运行概况").click()
    expect(page.locator("canvas").first).to_be_visible()
    page.evaluate("Object.values(window.Chart.instances).forEach(c => { c.options.animation = false; c.update(); })")
    shot(page, 12, "dashboard")


def test_operator_console_guide(live_server, new_context):
    started = time.time()
    approval_fails_in_its_service_task(live_server)
    plan_in_publicity(live_server)
    _, page, js_errors = new_context()
    page.set_viewport_size({"width": 1280, "height": 800})
    log_in(page, *OPERATOR)
    page.locator("nav.side-menu").get_by_role("link", name="流程实例").click()
    expect(page.locator("tr[data-instance-id]").first).to_be_visible()
    shot(page, 1, "instances")
    retry_errored(page)
    publicity_timer(page)
    reassign(page)
    definitions_and_dashboard(page)
    assert_screenshots_of("operator", started)
    assert js_errors == [] and live_server.errors == [], (js_errors, live_server.errors)
