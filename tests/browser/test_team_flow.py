"""In Chromium: an enterprise's administrator invites a colleague (单位成员 → 邀请成员), the colleague
accepts the e-mailed link and files a 参与达标 application, and the administrator sees it in 我参与的 and,
under 操作记录, who filed it."""
from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.test_compliance_flow import ENTERPRISE, MODEL, enterprise_applies
from tests.browser.test_plan_flow import log_in

pytestmark = pytest.mark.browser
COLLEAGUE = "zhang.biaozhun@lvyuan-ev.com.cn"


def invitation_link(live_server, email: str, timeout: float = 5.0) -> str:
    """The link of the latest invitation e-mail to ``email`` (the outbox is written after the commit)."""
    outbox = live_server.data_dir / "outbox.jsonl"
    deadline = time.monotonic() + timeout
    while True:
        if outbox.exists():
            mails = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines() if line.strip()]
            texts = [m["text"] for m in mails if m.get("channel") == "email" and m.get("to") == email]
            if texts:
                return re.search(r"https?://\S+/invitation/\S+", texts[-1]).group(0)
        if time.monotonic() > deadline:
            raise AssertionError(f"no invitation e-mail to {email} in {outbox}")
        time.sleep(0.05)


def test_a_colleague_joins_and_files_an_application(published_plans, new_context, make_pdf, tmp_path):
    live_server = published_plans
    pdf = tmp_path / "检测报告.pdf"
    make_pdf(pdf)
    _, admin, admin_errors = new_context()
    _, colleague, colleague_errors = new_context()
    log_in(admin, *ENTERPRISE)

    admin.click("nav.side-menu a:has-text('单位成员')")
    admin.fill("#email", COLLEAGUE)
    admin.check("[data-invite-form] input[name=rights][value=submit]")
    with admin.expect_navigation():
        admin.click("[data-invite-form] button:has-text('邀请成员')")
    expect(admin.locator("[data-invitation-list] tr[data-invitation]")).to_have_text(re.compile(COLLEAGUE))

    colleague.goto(invitation_link(live_server, COLLEAGUE))
    expect(colleague.locator("[data-invitation-org]")).to_contain_text("绿源电动车股份有限公司")
    colleague.fill("#full_name", "张标准")
    colleague.fill("#password", "Zhang#2026")
    colleague.fill("#password_confirm", "Zhang#2026")
    with colleague.expect_navigation():
        colleague.click("button:has-text('接受邀请')")
    expect(colleague.locator("div[role=alert]").first).to_contain_text("欢迎加入绿源电动车股份有限公司")
    expect(colleague.locator("nav.side-menu a:has-text('单位成员')")).to_have_count(0)  # not an administrator
    enterprise_applies(colleague, pdf)

    admin.goto("/my/enrollments")
    expect(admin.locator(f"tr:has-text('{MODEL}') [data-stage]")).to_have_text("待机构审核")
    admin.goto("/account/team/")
    expect(admin.locator(f"tr[data-member='{COLLEAGUE}']")).to_contain_text("张标准")
    admin.click("[data-team-log]")
    filed = admin.locator("[data-team-decisions] tr[data-event-kind=started]")
    expect(filed).to_have_count(1)
    expect(filed).to_contain_text(f"张标准（{COLLEAGUE}）")
    expect(filed).to_contain_text(MODEL)
    assert not (admin_errors or colleague_errors)
    assert not live_server.errors, live_server.errors
