"""What the browser tests share: logging in through the real login page (captcha in test mode)."""
from __future__ import annotations


def log_in(page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.fill("#captcha", "PASSED")
    with page.expect_navigation():
        page.click("button:has-text('登录')")
