"""Issue 14, hole 8, in Chromium: every role's pages — the portal, the task pages, the designer's modeler
(bpmn-js), the Swagger page, the operations dashboard (chart.js) — run under the Content-Security-Policy
without one violation, and the scripts moved out of the templates still work (the captcha refreshes, the
declaration rows are added).

Each role's crawl follows the same-origin links of the pages it reaches (GET only: nothing is submitted),
from the pages named below, up to PAGES_PER_ROLE pages (a logged-in role only the links of its pages'
main part); a violation is caught both as the DOM event
``securitypolicyviolation`` and as Chromium's console message.
"""
from __future__ import annotations

import re
from collections import deque
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

PAGES_PER_ROLE = 18
ROLES = {  # role: (email, password, pages the crawl starts from)
    "public": (None, None, ["/", "/login", "/register", "/api/v1/docs", "/results/", "/plans/", "/declarations/"]),
    "office": ("office@demo.duibiao.cn", "Office#2026", ["/tasks/", "/api/v1/docs"]),
    "institution": ("inst1@demo.duibiao.cn", "Inst1#2026", ["/tasks/", "/pilots/"]),
    "enterprise": ("ent1@demo.duibiao.cn", "Ent1#2026", ["/my/declarations/new", "/tasks/"]),
    "designer": ("designer@demo.duibiao.cn", "Design#2026", ["/design/", "/design/processes/formal_plan/new"]),
    "operator": ("operator@demo.duibiao.cn", "Operate#2026",
                 ["/operations/dashboard", "/operations/definitions", "/operations/instances"]),
}
# Not pages, or leaving: files, XML, the JSON API, logging out, the captcha image, other page numbers.
SKIP = re.compile(r"^/(logout|files/|static/|metrics|captcha)|\.(pdf|bpmn|xml|json)$|/bpmn$|^/api/v1/(?!docs)")
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' at '
    + (event.sourceFile || location.pathname) + ':' + event.lineNumber);
});
"""


@pytest.fixture(scope="module", autouse=True)
def a_waiting_registration(live_server):
    """Something in the office's 待办, so the task pages are crawled too."""
    from tests.factories import registered
    from webapp import db

    with live_server.app.app_context():
        registered(db.session(), live_server.data_dir / "files", email="csp@test.cn", name="内容安全策略测试有限公司")
        db.commit()


def _links(page, selector: str) -> list[str]:
    paths = []
    for href in page.eval_on_selector_all(selector, "links => links.map(a => a.href)"):
        parts = urlsplit(href)
        if parts.netloc == urlsplit(page.url).netloc and not parts.query and not SKIP.search(parts.path):
            paths.append(parts.path)
    return paths


def crawl(page, starts: list[str], selector: str) -> tuple[list[str], list[str]]:
    """(pages visited, violations seen) for the role logged in on ``page``, following the links that
    ``selector`` finds."""
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text else None)
    page.add_init_script(RECORD_VIOLATIONS)
    queue, seen, visited, violations = deque(starts), set(), [], []
    while queue and len(visited) < PAGES_PER_ROLE:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        response = page.goto(path)
        if response is None or not response.headers.get("content-type", "").startswith("text/html"):
            continue
        page.wait_for_load_state("networkidle")  # what scripts fetch and draw after the load (bpmn-js, charts)
        if urlsplit(page.url).path == "/login" != path:
            violations.append(f"{path}: sent to the login page")  # the role may not see it: a wrong start
            continue
        visited.append(path)
        violations += [f"{path}: {v}" for v in page.evaluate("window.__cspViolations")]
        queue.extend(_links(page, selector))
    return visited, violations + console


@pytest.mark.parametrize("role", list(ROLES))
def test_no_page_of_the_role_violates_the_policy(live_server, new_context, role):
    email, password, starts = ROLES[role]
    context, page, js_errors = new_context()
    if email:
        log_in(page, email, password)
    # A logged-in role follows the links of its own pages (the side menu, the lists): the portal's header
    # links are the public crawl's.
    visited, violations = crawl(page, starts, "main a[href]" if email else "a[href]")
    assert set(starts) <= set(visited) and len(visited) >= 12, visited
    assert violations == [], "\n".join(violations)
    assert js_errors == []
    assert live_server.errors == []


def test_the_special_pages_are_reached_and_drawn(live_server, new_context):
    """The modeler draws its diagram, Swagger UI lists the operations, the dashboard draws its charts."""
    context, page, js_errors = new_context()
    log_in(page, "designer@demo.duibiao.cn", "Design#2026")
    page.goto("/design/processes/formal_plan/new")
    page.wait_for_selector(".djs-container .djs-element", timeout=15_000)
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=15_000)
    context, page, js_errors_operator = new_context()
    log_in(page, "operator@demo.duibiao.cn", "Operate#2026")
    page.goto("/operations/dashboard")
    page.wait_for_load_state("networkidle")
    assert page.locator("canvas").count() >= 1
    assert js_errors == [] and js_errors_operator == []


def test_the_scripts_moved_out_of_the_templates_still_work(live_server, new_context):
    context, page, js_errors = new_context()
    page.goto("/login")
    image = page.locator("#captcha-image")
    before = image.get_attribute("src")
    image.click()
    page.wait_for_function("src => document.getElementById('captcha-image').getAttribute('src') !== src", arg=before)
    log_in(page, "ent1@demo.duibiao.cn", "Ent1#2026")
    page.goto("/my/declarations/new")
    rows = page.locator("table[data-rows='indicators'] tr.entry-row")
    count = rows.count()
    page.click("[data-add-row='indicators']")
    expect(rows).to_have_count(count + 1)
    assert rows.last.locator("input").first.get_attribute("name") == f"indicators-{count}-name"
    assert js_errors == []
