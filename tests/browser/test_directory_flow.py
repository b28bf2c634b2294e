"""In Chromium: an institution publishes its 服务信息 and the public finds it in 机构名录 from the header;
the office builds a 组织架构 and the public sees it drawn as a tree (children below their parent)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

INSTITUTION = ("inst1@demo.duibiao.cn", "Inst1#2026")
OFFICE = ("office@demo.duibiao.cn", "Office#2026")


def test_an_institution_publishes_its_profile_and_the_public_finds_it(live_server, new_context):
    _context, page, js_errors = new_context()
    log_in(page, *INSTITUTION)
    page.locator("nav.side-menu").get_by_role("link", name="服务信息").click()
    expect(page.get_by_role("heading", name="机构服务：服务信息")).to_be_visible()
    page.locator("#fields").fill("M7454")
    # 查找服务领域: a suggestion picked from the search is added to the codes.
    page.get_by_label("查找服务领域").fill("检测服务")
    # the suggestions come from a debounced fetch: give a loaded machine time to answer
    expect(page.locator("#field-options option[value='M7452']")).to_have_count(1, timeout=15_000)
    page.get_by_label("查找服务领域").fill("M7452")
    expect(page.locator("#fields")).to_have_value("M7454, M7452")
    page.get_by_label("服务简介").fill("电动自行车整车检验检测与对标评价。")
    page.get_by_label("联系人").fill("王工")
    page.get_by_label("联系电话").fill("010-62345678")
    page.get_by_label("公开（在机构名录中展示）").check()
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_have_text("服务信息已保存，已在机构名录中公开")

    _public, visitor, visitor_errors = new_context()
    visitor.goto("/")
    visitor.locator("nav.portal-nav").get_by_role("link", name="机构名录").click()
    visitor.get_by_placeholder("请输入机构名称查询").fill("华标")
    visitor.get_by_label("服务领域").select_option("M7452")
    visitor.get_by_role("button", name="查询").click()
    rows = visitor.locator("table[data-directory] tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name="华标检测认证有限公司").click()
    expect(visitor.locator("table[data-profile]")).to_contain_text("010-62345678")
    expect(visitor.locator("[data-fields]")).to_have_text("M7454 标准化服务M7452 检测服务")
    assert js_errors == [] and visitor_errors == [] and live_server.errors == []


def test_the_office_builds_a_chart_and_the_public_sees_a_tree(live_server, new_context):
    _context, page, js_errors = new_context()
    log_in(page, *OFFICE)
    page.goto("/office/org-chart")
    form = page.locator("form[data-add-node]")
    for parent, name in (("（顶层）", "专项办"), ("专项办", "技术支撑机构"), ("专项办", "第三方技术机构")):
        form.get_by_label("上级").select_option(label=parent)
        form.get_by_label("名称").fill(name)
        form.get_by_role("button", name="添加").click()
        expect(page.get_by_role("alert")).to_have_text(f"已添加“{name}”")
    page.locator("[data-publish]").click()
    expect(page.locator("[data-chart-status]")).to_have_attribute("data-chart-status", "published")

    _public, visitor, visitor_errors = new_context()
    visitor.goto("/about/")
    visitor.locator("[data-column-tabs]").get_by_role("link", name="组织架构").click()
    boxes = visitor.locator("[data-org-chart] .org-box")
    expect(boxes).to_have_count(3)
    root, first, second = (boxes.nth(i).bounding_box() for i in range(3))
    # The children side by side, below their parent, which is centred above them.
    assert first["y"] > root["y"] + root["height"] and abs(first["y"] - second["y"]) < 1
    assert first["x"] + first["width"] <= second["x"]
    centre = root["x"] + root["width"] / 2
    assert first["x"] < centre < second["x"] + second["width"]
    assert js_errors == [] and visitor_errors == [] and live_server.errors == []
