"""In Chromium: an approved plan goes into 公示, a 修订意见 is filed, time moves on, the office
dismisses it, and the plan appears as 发布 in the public 对标方案 list."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.browser.test_plan_flow import INSTITUTION, OFFICE, ROWS, formal_plan_page, log_in, office_decides

pytestmark = pytest.mark.browser
ENTERPRISE = ("ent2@demo.duibiao.cn", "Ent2#2026")


def approved_plan(office, inst, pdf):
    formal_plan_page(office, inst, pdf, "电动自行车公示演练方案")
    inst.fill("#standard_number", "T/DBB 099-2026")
    inst.fill("#standard_name", "电动自行车公示演练评价标准")
    for name in ("standard_text", "scheme", "explanation"):
        inst.set_input_files(f"#{name}", str(pdf))
    inst.click("#add-indicator")
    for index, (level1, level2, value, basis) in enumerate(ROWS):
        inst.select_option(f"[name='indicators-{index}-level1']", level1)
        inst.fill(f"[name='indicators-{index}-level2']", level2)
        inst.fill(f"[name='indicators-{index}-value']", value)
        inst.fill(f"[name='indicators-{index}-basis']", basis)
        inst.fill(f"[name='indicators-{index}-method']", "GB/T 1234")
    with inst.expect_navigation():
        inst.click("button[value=submit]")
    office_decides(office, "正式版方案审核")


def test_publicity_comment_dismissed_then_published(live_server, new_context, make_pdf, shot, tmp_path):
    from engine import clock, timers

    pdf = tmp_path / "文件.pdf"
    make_pdf(pdf)
    _, office, office_errors = new_context()
    _, inst, inst_errors = new_context()
    _, ent, ent_errors = new_context()
    log_in(office, *OFFICE)
    log_in(inst, *INSTITUTION)
    log_in(ent, *ENTERPRISE)
    approved_plan(office, inst, pdf)

    inst.goto("/my/plans")
    row = inst.locator("tr:has-text('电动自行车公示演练方案')")
    assert row.locator("[data-plan-status]").inner_text() == "公示中"
    plan_id = row.get_attribute("data-plan-id")
    ent.goto("/plans/")
    assert "T/DBB 099-2026" in ent.inner_text("table[data-catalog]")  # 公示中 plans are listed
    ent.goto(f"/plans/{plan_id}/comment")
    ent.fill("#text", "建议增加电池热失控防护指标")
    with ent.expect_navigation():
        ent.click("button:has-text('提交')")
    assert ent.locator("[data-my-comment]").count() == 1
    shot(ent, "comment-filed")

    # Time moves on: the sweep fires the 公示 timer (what `duibiao engine tick --now …` does).
    factory = live_server.app.extensions["duibiao.sessions"].session_factory
    assert timers.fire_due(factory, clock.now() + timedelta(days=7, minutes=1)) >= 1

    office.goto("/tasks/")
    office.click("tr:has-text('修订意见处理') a:has-text('办理')")
    office.check("input[name='resolutions-0-resolution'][value=dismiss]")
    office.fill("[name='resolutions-0-reply']", "现行标准已覆盖电池安全要求")
    with office.expect_navigation():
        office.click("button:has-text('提交')")
    assert "提交成功" in office.content()

    inst.goto("/my/plans")
    assert inst.locator("tr:has-text('电动自行车公示演练方案') [data-plan-status]").inner_text() == "发布"
    public = inst.context.browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    public.goto("/plans/")
    public.fill("input[name=q]", "T/DBB 099—2026")
    with public.expect_navigation():
        public.keyboard.press("Enter")
    table = public.inner_text("table[data-catalog]")
    assert "电动自行车公示演练评价标准" in table and "发布" in table
    with public.expect_navigation():
        public.click("a:has-text('T/DBB 099-2026')")
    for _level1, level2, value, _basis in ROWS:
        assert level2 in public.content() and value in public.content()
    shot(public, "public-plan")
    assert not (office_errors or inst_errors or ent_errors)
    assert not live_server.errors, live_server.errors
