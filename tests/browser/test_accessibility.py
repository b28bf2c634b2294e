"""Accessibility in Chromium: axe-core's WCAG 2 A/AA rules on each role's pages (labels, contrast, names,
ARIA), the skip link for keyboard users, and the site at phone width (the side menu folds away, nothing
overflows sideways).

axe-core comes from npm (package.json; `make assets` installs it) and is injected into the page under
test only, so the context bypasses the site's CSP for this one script."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
PAGES = {
    None: ["/", "/login", "/register", "/plans/", "/results/", "/declarations/", "/verify/", "/help/", "/about/"],
    ("ent1@demo.duibiao.cn", "Ent1#2026"): ["/account/profile", "/account/password", "/account/messages",
                                            "/my/declarations", "/my/declarations/new", "/my/enrollments", "/tasks/",
                                            "/account/enterprise-info"],
    ("inst1@demo.duibiao.cn", "Inst1#2026"): ["/my/plans", "/my/evaluations", "/tasks/", "/tasks/done"],
    ("office@demo.duibiao.cn", "Office#2026"): ["/tasks/", "/tasks/done", "/office/organizations/",
                                                "/office/statistics/", "/office/certificates"],
    ("operator@demo.duibiao.cn", "Operate#2026"): ["/operations/instances?sort=status&dir=asc"],
}
RUN_AXE = """async () => {
  const result = await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']});
  return result.violations.map(v => `${v.id} (${v.impact}): ` + v.nodes.slice(0, 3).map(n => n.html).join(' | '));
}"""


@pytest.fixture
def axe_page(browser, live_server):
    contexts = []

    def open_page(viewport=None):
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", bypass_csp=True,
                                      viewport=viewport or {"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.mark.parametrize("who", list(PAGES), ids=lambda who: who[0].split("@")[0] if who else "public")
def test_every_page_passes_axe_wcag_aa(axe_page, who):
    assert AXE.exists(), "axe-core is missing: run `make assets` (npm install)"
    page = axe_page()
    if who:
        log_in(page, *who)
    found = {}
    for path in PAGES[who]:
        response = page.goto(path)
        assert response.status == 200, path
        page.add_script_tag(path=str(AXE))
        violations = page.evaluate(RUN_AXE)
        if violations:
            found[path] = violations
    assert not found, found


def test_keyboard_users_skip_to_the_content(axe_page):
    page = axe_page()
    page.goto("/plans/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main-content")).to_be_focused()


def test_at_phone_width_the_menu_folds_and_nothing_overflows(axe_page):
    page = axe_page(viewport={"width": 375, "height": 740})
    log_in(page, "office@demo.duibiao.cn", "Office#2026")
    for path in ("/", "/plans/", "/tasks/", "/office/statistics/"):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide at a 375px screen"
    page.goto("/tasks/")
    menu = page.locator("#side-menu")
    expect(menu.locator("a:has-text('已办')")).to_be_hidden()
    page.click("[data-menu-toggle]")
    expect(menu.locator("a:has-text('已办')")).to_be_visible()


def test_the_captcha_has_a_text_alternative_for_screen_readers(axe_page):
    page = axe_page()
    page.goto("/login")
    page.click("[data-captcha-text]")
    question = page.locator("#captcha-question")
    expect(question).to_be_visible()
    expect(question).to_have_text(re.compile(r"^[一二三四五六七八九] [加减] [一二三四五六七八九] 等于几"))
    expect(page.locator("#captcha-image")).to_be_hidden()
    expect(page.locator("#captcha")).to_be_focused()
    assert page.get_attribute("#captcha", "aria-describedby") == "captcha-question"
