"""Layout in Chromium, measured: at 1366 px the inbox's 序号 header and 办理 buttons are one line;
at phone width (390 px) the side menu is behind 菜单 in the header and opens from there."""
from __future__ import annotations

import pytest

from tests.browser.test_plan_flow import log_in

pytestmark = pytest.mark.browser

OFFICE = ("office@demo.duibiao.cn", "Office#2026")
# Registrations waiting for the office, named as long as real companies are.
APPLICANTS = [("layout1@test.cn", "深圳市前海新能源汽车充电基础设施投资建设运营管理有限公司"
                                 "第二十三分公司（南山区科技园片区）电动自行车充电服务部"),
              ("layout2@test.cn", "中国电子技术标准化研究院检验检测认证中心华南分中心"
                                 "两轮电动自行车及电动车用锂离子蓄电池安全性能检测实验室"),
              ("layout3@test.cn", "杭州绿色低碳智能制造两轮电动自行车整车及零部件研发有限公司")]


@pytest.fixture(scope="module", autouse=True)
def waiting_registrations(live_server):
    from tests.factories import registered
    from webapp import db

    with live_server.app.app_context():
        for email, name in APPLICANTS:
            registered(db.session(), live_server.data_dir / "files", email=email, name=name)
        db.commit()

# The number of lines the text of an element is laid out on (one rectangle per line box).
LINES = """element => {
  const range = document.createRange();
  range.selectNodeContents(element);
  const tops = new Set(Array.from(range.getClientRects()).filter(r => r.width > 0).map(r => Math.round(r.top)));
  return tops.size;
}"""


def _lines(locator) -> list[int]:
    return [handle.evaluate(LINES) for handle in locator.element_handles()]


def test_inbox_headers_and_buttons_are_one_line_at_1366(live_server, new_context, shot):
    context, page, js_errors = new_context()
    page.set_viewport_size({"width": 1366, "height": 768})
    log_in(page, *OFFICE)
    page.goto("/tasks/")
    buttons = page.locator("tr[data-task-id] a.btn:has-text('办理')")
    assert buttons.count() >= len(APPLICANTS)
    assert set(_lines(buttons)) == {1}
    headers = page.locator("table thead th")
    assert _lines(page.locator("table thead th:has-text('序号')")) == [1]
    assert all(n == 1 for n in _lines(headers)), [(h, n) for h, n in zip(headers.all_inner_texts(),
                                                                       _lines(headers), strict=True)]
    assert page.locator("nav.side-menu").is_visible()  # beside the list at this width
    assert not page.locator("[data-menu-toggle]").is_visible()
    shot(page, "inbox-1366")
    assert js_errors == []


def test_at_phone_width_the_side_menu_is_behind_a_toggle(live_server, new_context, shot):
    context, page, js_errors = new_context()
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, *OFFICE)
    page.goto("/tasks/")
    menu = page.locator("nav.side-menu")
    assert not menu.is_visible()
    heading = page.locator("section h1")
    assert heading.inner_text() == "待办"
    assert heading.bounding_box()["y"] < 300  # the list starts near the top, no menu above it
    shot(page, "inbox-390-closed")

    toggle = page.locator("[data-menu-toggle]")
    assert toggle.is_visible() and toggle.inner_text() == "菜单"
    toggle.click()
    page.wait_for_selector("#side-menu.show")
    assert menu.is_visible()
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # on the screen
    shot(page, "inbox-390-open")
    page.locator("#side-menu button.btn-close").click()
    page.wait_for_selector("#side-menu:not(.show)", state="attached")
    page.wait_for_function("!document.querySelector('#side-menu').classList.contains('showing')")
    menu.wait_for(state="hidden")

    toggle.click()
    page.wait_for_selector("#side-menu.show")
    with page.expect_navigation():
        menu.locator("a:has-text('已办')").click()
    assert page.url.endswith("/tasks/done")
    assert not page.locator("nav.side-menu").is_visible()
    assert js_errors == []
