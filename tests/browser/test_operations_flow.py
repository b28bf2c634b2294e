"""In Chromium: the operator opens 流程定义 → a diagram, and 流程实例 → an instance whose READY task is marked."""
from __future__ import annotations

import pytest

from tests.browser.test_plan_flow import log_in

pytestmark = pytest.mark.browser

OPERATOR = ("operator@demo.duibiao.cn", "Operate#2026")


def watch_failed_requests(page) -> list[str]:
    failed: list[str] = []
    page.on("response", lambda response: failed.append(f"{response.status} {response.url}")
            if response.status >= 400 else None)
    page.on("requestfailed", lambda request: failed.append(f"failed {request.url}"))
    return failed


def wait_for_diagram(page):
    page.wait_for_selector("[data-bpmn-diagram][data-bpmn-state='rendered']")
    # The diagram's script sits mid-page and may render before the page's last scripts have arrived:
    # leaving the page then would abort them (a "failed" request that is the test's, not the page's).
    page.wait_for_load_state("load")
    return page.locator("[data-bpmn-diagram]")


def test_operator_sees_the_deployed_diagram_and_the_ready_task_marked(live_server, new_context, shot):
    _, page, js_errors = new_context()
    failed = watch_failed_requests(page)
    log_in(page, *OPERATOR)

    # 流程管理 → 流程定义 → 注册审核's diagram.
    page.click("nav.side-menu a:has-text('流程定义')")
    page.click("tr[data-key='registration_vetting'] a:has-text('流程图')")
    diagram = wait_for_diagram(page)
    shapes = diagram.locator("svg .djs-element.djs-shape")
    assert shapes.count() >= 5  # start, the review and correction tasks, gateway, ends
    assert diagram.locator("svg .djs-element.djs-connection").count() >= 4
    labels = diagram.locator("svg .djs-label").all_text_contents()
    assert any("审核" in label for label in labels), labels
    shot(page, "definition-diagram")

    # 流程实例 → the demo's 比对分析报告 instance, waiting for inst1's 编制方案.
    page.click("nav.side-menu a:has-text('流程实例')")
    page.select_option("select[name=process]", "comparison_report")
    page.select_option("select[name=status]", "running")
    with page.expect_navigation():
        page.click("button:has-text('查询')")
    row = page.locator("tr[data-instance-id]:has(td[data-stage='report_drafting'])").first
    row.locator("a:has-text('详情')").click()
    diagram = wait_for_diagram(page)
    marked = diagram.get_attribute("data-bpmn-marked").split()
    assert marked, "no READY task was marked"
    for element_id in marked:
        assert diagram.locator(f"svg .djs-element.bpmn-ready[data-element-id='{element_id}']").count() == 1
    ready_titles = page.locator("tr[data-task-state='ready'] td:first-child").all_inner_texts()
    assert any("编制方案" in title for title in ready_titles), ready_titles
    assert page.locator("li[data-event-kind='started']").count() == 1
    shot(page, "instance-diagram")

    assert js_errors == []
    assert failed == []
    assert live_server.errors == []
