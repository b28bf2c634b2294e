"""In Chromium: an enterprise fills in 企业信息填报 across its three tabs (the tab with an error opens)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_plan_flow import log_in

pytestmark = pytest.mark.browser

ENTERPRISE = ("ent2@demo.duibiao.cn", "Ent2#2026")


def test_enterprise_fills_in_its_information(live_server, new_context, shot):
    _, page, js_errors = new_context()
    log_in(page, *ENTERPRISE)
    page.goto("/account/profile")
    assert page.locator("[data-info-missing]").is_visible()
    page.click("[data-info-missing] a:has-text('企业信息填报')")

    # 企业基本信息, leaving 标准化管理机构 (second tab) and 需求描述 (third tab) out.
    page.fill("#founded_on", "2015-03-01")
    page.fill("#legal_rep", "张雅")
    page.check("input[name=scale][value=medium]")
    page.check("input[name=ownership][value=private]")
    page.fill("#industry", "电动自行车制造")
    # 所属行业: the GB/T 4754 search offers the classes as one types (the same widget as 开展服务的领域).
    page.locator("#industry_code").press_sequentially("3761")
    expect(page.locator("#industry-options option[value='C3761']")).to_have_count(1)
    page.fill("#industry_code", "c3761")
    expect(page.locator("#industry-label")).to_have_text("C3761 自行车制造")
    page.check("input[name=sector][value=secondary]")
    page.fill("#main_products", "电动自行车用锂离子蓄电池")
    page.click("button:has-text('企业标准化需求')")
    page.check("input[name=needs][value=other]")
    with page.expect_navigation():
        page.click("button:has-text('保存')")

    # Refused: the first tab holding an error is open, every such tab is marked, nothing is lost.
    assert page.inner_text(".nav-link.active").startswith("企业标准化管理情况信息")
    marked = page.locator(".nav-link:has([data-tab-error])").all_inner_texts()
    assert [text.split()[0] for text in marked] == ["企业标准化管理情况信息", "企业标准化需求"]
    assert page.locator("[data-field-error=standardization_body]").is_visible()
    shot(page, "refused")
    page.check("input[name=standardization_body][value=shared]")
    page.fill("#group_standards", "2")
    page.click("button:has-text('企业标准化需求')")
    assert page.is_checked("input[name=needs][value=other]")
    page.fill("#needs_detail", "希望获得对标达标咨询服务")
    with page.expect_navigation():
        page.click("button:has-text('保存')")

    assert "保存成功" in page.inner_text("[role=alert]")
    assert page.locator("[data-not-filled]").count() == 0
    page.click("button:has-text('企业标准化管理情况信息')")
    assert page.input_value("#group_standards") == "2"
    page.click("button:has-text('企业基本信息')")
    assert page.input_value("#industry_code") == "C3761"
    expect(page.locator("#industry-label")).to_have_text("C3761 自行车制造")
    assert page.is_checked("input[name=standardization_body][value=shared]")
    page.goto("/account/profile")
    assert page.locator("[data-info-missing]").count() == 0
    shot(page, "saved")
    assert not js_errors
    assert not live_server.errors, live_server.errors
