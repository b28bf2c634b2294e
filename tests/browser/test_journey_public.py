"""The public's journey in Chromium, as docs/manual/public.zh.md tells it: the portal's 工作动态 and
升级试点, searching 对标方案 and 达标结果, verifying a certificate by its number on 证书查验, and reading
帮助中心 → 操作手册. Nobody logs in; the demo's articles, plans and certificate are loaded through the
platform's own services beforehand. The pictures of the manual are taken here."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.manual_screenshots import (
    missing_screenshots,
    referenced_screenshots,
    save_manual_screenshot,
)

pytestmark = pytest.mark.browser

MODEL = "LY-AC7K"  # the demo's certified 电动汽车交流充电桩 of 绿源电动车股份有限公司
ENTERPRISE = "绿源电动车股份有限公司"


@pytest.fixture(scope="module")
def portal(published_plans):
    """The demo's published plans, its applications (one certified) and its portal articles."""
    from demodata import articles as demo_articles
    from demodata import compliance as demo_compliance
    from webapp import db

    with published_plans.app.app_context():
        session = db.session()
        demo_compliance.load_applications(session, db.file_store())
        demo_articles.load_articles(session, db.file_store())
        db.commit()
    return published_plans


def shot(page: Page, name: str) -> None:
    save_manual_screenshot(page, f"public-{name}")


def nav(page: Page, label: str) -> None:
    page.locator("nav.portal-nav").get_by_role("link", name=label, exact=True).click()


def browse_news(page: Page) -> None:
    """工作动态: its columns as tabs, an article opened from the list."""
    nav(page, "工作动态")
    tabs = page.locator("[data-column-tabs]")
    expect(tabs.get_by_role("link", name="要点动态")).to_have_attribute("aria-current", "page")
    expect(tabs).to_contain_text("通知公告")
    shot(page, "02-news")
    tabs.get_by_role("link", name="通知公告").click()
    page.locator("[data-articles] a", has_text="系统维护").click()
    expect(page.get_by_role("heading", name=re.compile("系统维护的公告"))).to_be_visible()
    shot(page, "03-article")


def browse_pilots(page: Page) -> None:
    nav(page, "升级试点")
    tabs = page.locator("[data-column-tabs]")
    for label in ("试点领域", "制度流程", "试点招募", "试点动态", "对标方案", "达标结果"):
        expect(tabs.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.locator("[data-articles]")).to_contain_text("产品领域")
    shot(page, "04-pilot")


def search_plans(page: Page) -> None:
    """对标方案: 查询 by a word of the standard's name, then a plan's details by its 标准号."""
    nav(page, "对标方案")
    page.get_by_label("请输入标准号、标准名称、机构名称查询").fill("充电桩")
    page.get_by_role("button", name="查询").click()
    rows = page.locator("table[data-catalog] tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("T/CSTM 00123-2025")
    shot(page, "05-plans")
    rows.get_by_role("link", name="T/CSTM 00123-2025").click()
    expect(page.locator("[data-standard-number]")).to_have_text("T/CSTM 00123-2025")
    expect(page.locator("[data-status]").first).to_have_text("发布")
    shot(page, "06-plan")


def search_results(page: Page) -> str:
    """达标结果: 查询 by 产品型号; returns the certificate number in the row."""
    nav(page, "达标结果")
    page.get_by_label("查询达标结果").fill(MODEL)
    page.get_by_role("button", name="查询").click()
    row = page.locator("table[data-results] tbody tr")
    expect(row).to_have_count(1)
    for shown in (ENTERPRISE, "电动汽车交流充电桩", MODEL, "T/CSTM 00123-2025", "华标检测认证有限公司"):
        expect(row).to_contain_text(shown)
    shot(page, "07-results")
    return row.get_attribute("data-certificate-number")


def verify(page: Page, number: str) -> None:
    """证书查验 by the typed 证书编号; a made-up number is not found."""
    nav(page, "证书查验")
    page.get_by_label("查验码或证书编号").fill("DBDB-1999-999999")
    page.get_by_role("button", name="查验").click()
    expect(page.locator("[data-verify-status=unknown]")).to_contain_text("未找到查验码或证书编号为 DBDB-1999-999999")
    expect(page.locator("table[data-verified]")).to_have_count(0)
    page.get_by_label("查验码或证书编号").fill(number)
    page.get_by_role("button", name="查验").click()
    expect(page.locator("[data-verify-status=valid]")).to_have_text("该证书真实有效。")
    verified = page.locator("table[data-verified]")
    expect(verified).to_contain_text(number)
    expect(verified).to_contain_text(ENTERPRISE)
    shot(page, "08-verify")


def read_manuals(page: Page) -> None:
    """帮助中心 → 操作手册: the manuals listed, one opened with its pictures."""
    nav(page, "帮助中心")
    page.locator("[data-column-tabs]").get_by_role("link", name="操作手册").click()
    manuals = page.locator("[data-manuals]")
    expect(manuals.get_by_role("link", name="公众用户操作手册")).to_be_visible()
    expect(manuals.get_by_role("link", name="企业用户操作手册")).to_be_visible()
    shot(page, "09-manuals")
    manuals.get_by_role("link", name="公众用户操作手册").click()
    article = page.locator("article[data-manual=public]")
    expect(article.get_by_role("heading", name="公众用户操作手册")).to_be_visible()
    first_picture = article.locator("img").first
    expect(first_picture).to_be_visible()
    # The picture is served and decoded (loaded lazily: waited for, not read at once).
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=first_picture.element_handle())
    shot(page, "10-manual")


def test_public_browses_searches_and_verifies(portal, new_context):
    _, page, errors = new_context()
    page.goto("/")
    expect(page.locator("nav.portal-nav").get_by_role("link", name="首页")).to_have_attribute(
        "aria-current", "page")
    shot(page, "01-home")
    browse_news(page)
    browse_pilots(page)
    search_plans(page)
    number = search_results(page)
    assert re.fullmatch(r"DBDB-\d{4}-\d{6}", number), number
    verify(page, number)
    read_manuals(page)

    assert len(referenced_screenshots("public")) == 10  # the manual's pictures …
    assert missing_screenshots("public") == []  # … all taken by this run
    assert not errors
    assert not portal.errors, portal.errors
