"""What the browser tests share: logging in through the real login page (captcha in test mode), saving a
designer's draft."""
from __future__ import annotations

import re


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.fill("#captcha", "PASSED")
    with page.expect_navigation():
        page.click("button:has-text('登录')")


def save_draft(page, note: str) -> int:
    """Save the draft open in the modeler with the designer's ``note``; its id (the editor's address)."""
    page.locator("[data-designer-note]").fill(note)
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r".*/design/drafts/\d+/edit$"))
    return int(re.search(r"/drafts/(\d+)/edit", page.url).group(1))
