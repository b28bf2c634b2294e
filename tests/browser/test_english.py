"""Issue 17: what the scripts draw is English once the reader switches to English (the page carries the
scripts' words, webapp/static/text.js and webapp/frontend/shared/text.js read them; bpmn-js gets no
Chinese translation module)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def to_english(page) -> None:
    with page.expect_navigation():
        page.locator(".language-switch a[data-locale='en']").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def test_the_register_page_script_writes_english(new_context):
    _, page, js_errors = new_context()
    page.goto("/register")
    to_english(page)
    page.select_option("#province_code", "440000")
    expect(page.locator("#city_code option").first).to_have_text("Please select a city")
    assert not CJK.search(page.locator("#city_code option").first.text_content())
    # the cities regions.js draws are named in English (GB/T 2260 in pinyin)
    expect(page.locator("#city_code option[value='440300']")).to_have_text("Shenzhen")
    expect(page.locator("#province_code option[value='440000']")).to_have_text("Guangdong")
    assert not CJK.search(" ".join(page.locator("#city_code option").all_text_contents()))
    assert js_errors == []


def test_the_modeler_speaks_english(new_context):
    _, page, js_errors = new_context()
    log_in(page, "designer@demo.duibiao.cn", "Design#2026")
    to_english(page)
    page.goto("/design/processes/formal_plan/new")
    page.wait_for_selector('body[data-designer-state="ready"]')
    # The status line the script writes, and bpmn-js's own palette (its English, not the zh module's words).
    expect(page.locator("[data-designer-status]")).not_to_have_text(CJK)
    palette = page.locator(".djs-palette [data-action='create.start-event']")
    expect(palette).to_have_attribute("aria-label", re.compile("^Create"))
    page.evaluate("""() => {
      const modeler = window.duibiaoDesigner.modeler;
      const task = modeler.get("elementRegistry").filter((e) => e.type === "bpmn:UserTask")[0];
      modeler.get("selection").select(task);
    }""")
    expect(page.locator("[data-designer-properties]")).to_contain_text("Platform properties")
    expect(page.locator("[data-designer-properties]")).to_contain_text("Stage code")
    assert js_errors == []
