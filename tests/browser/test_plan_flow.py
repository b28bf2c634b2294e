"""In Chromium: an institution goes from 报名参与 to an office-approved formal plan with four 指标项."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

OFFICE = ("office@demo.duibiao.cn", "Office#2026")
INSTITUTION = ("inst2@demo.duibiao.cn", "Inst2#2026")
ROWS = [
    ("safety", "防撞击", "10N", "ISO 12345-2020"),
    ("performance", "转速", "650", "JIS 12345-2021"),
    ("low_carbon", "百公里耗电", "4度", "GB 2233-2022"),
    ("smart", "定位误差", "5米", "GB 2233-2022"),
]



def office_decides(page, task_title, decision="approve", reason=""):
    page.goto("/tasks/")
    page.click(f"tr:has-text('{task_title}') a:has-text('办理')")
    page.check(f"input[name=decision][value={decision}]")
    if reason:
        page.fill("#reason", reason)
    with page.expect_navigation():
        page.click("button:has-text('提交')")
    assert "提交成功" in page.content()


def formal_plan_page(office, inst, pdf, plan_name):
    """The institution enrols in the institutions' pilot, files its 比对分析报告 (the office approving
    both), and opens 提交正式版 of ``plan_name``."""
    inst.goto("/pilots/")
    inst.click("a:has-text('电动自行车产品试点第三方技术机构招募')")
    inst.click("a:has-text('报名参与')")
    inst.set_input_files("#qualification", str(pdf))
    with inst.expect_navigation():
        inst.click("button:has-text('提交')")
    office_decides(office, "报名审核")
    inst.goto("/my/enrollments")
    inst.click("a:has-text('编制方案')")
    inst.fill("#name", plan_name)
    inst.set_input_files("#comparison_report", str(pdf))
    with inst.expect_navigation():
        inst.click("button:has-text('提交')")
    office_decides(office, "平台备案及形式审核")
    inst.goto("/my/plans")
    inst.click(f"tr:has-text('{plan_name}') a:has-text('提交正式版')")


def test_institution_from_enrolment_to_approved_formal_plan(live_server, new_context, make_pdf, shot, tmp_path):
    pdf = tmp_path / "资质文件.pdf"
    make_pdf(pdf)
    _, office, office_errors = new_context()
    _, inst, inst_errors = new_context()
    log_in(office, *OFFICE)
    log_in(inst, *INSTITUTION)

    # 升级试点 → 正在招募 → the pilot → 报名参与.
    inst.click("nav.side-menu a:has-text('正在招募')")
    inst.click("a:has-text('电动自行车产品试点第三方技术机构招募')")
    inst.click("a:has-text('报名参与')")
    inst.set_input_files("#qualification", str(pdf))
    with inst.expect_navigation():
        inst.click("button:has-text('提交')")
    assert inst.url.endswith("/my/enrollments")
    assert inst.inner_text("tr[data-enrollment-id] [data-stage]") == "待审核"
    shot(inst, "enrolled")

    office_decides(office, "报名审核")
    inst.reload()
    assert inst.inner_text("tr[data-enrollment-id] [data-stage]") == "待编制方案"

    # 我参与的 → 编制方案: name the plan and upload the 比对分析报告.
    inst.click("a:has-text('编制方案')")
    inst.fill("#name", "两轮电动自行车对标方案")
    inst.set_input_files("#comparison_report", str(pdf))
    with inst.expect_navigation():
        inst.click("button:has-text('提交')")
    office_decides(office, "平台备案及形式审核")

    # 我的方案 → 提交正式版.
    inst.goto("/my/plans")
    assert inst.inner_text("[data-plan-status]") == "方案编制中"
    inst.click("a:has-text('提交正式版')")
    inst.fill("#standard_number", "T/ABC 001—2023")
    inst.fill("#standard_name", "两轮电动自行车评价标准")
    for name in ("standard_text", "scheme", "explanation"):
        inst.set_input_files(f"#{name}", str(pdf))
    # 安全, 性能, 低碳 offered to start with (drawn by indicators.js once the page has run its scripts)
    expect(inst.locator("tr.indicator-row")).to_have_count(3)
    inst.click("#add-indicator")
    for index, (level1, level2, value, basis) in enumerate(ROWS):
        inst.select_option(f"[name='indicators-{index}-level1']", level1)
        inst.fill(f"[name='indicators-{index}-level2']", level2)
        inst.fill(f"[name='indicators-{index}-value']", value)
        inst.fill(f"[name='indicators-{index}-basis']", basis)
        inst.fill(f"[name='indicators-{index}-method']", "GB/T 1234")
    # 参编单位: found by search (the page does not list every enterprise), added, one removed again.
    for name in ("绿源", "雅迪"):
        inst.fill("#co-drafter-search", name)
        inst.click("[data-results] button:has-text('添加')")
    expect(inst.locator("[data-chosen-id]")).to_have_count(2)
    inst.click("[data-chosen-id]:has-text('雅迪') button:has-text('移除')")
    inst.fill("#co-drafter-search", "绿源")
    assert inst.locator("[data-results] button:has-text('已添加')").is_disabled()
    with inst.expect_navigation():
        inst.click("button[value=save]")  # 保存: the draft stays open with its rows
    assert inst.input_value("#standard_number") == "T/ABC 001-2023"
    expect(inst.locator("tr.indicator-row")).to_have_count(4)
    expect(inst.locator("[data-chosen-id]")).to_have_count(1)
    assert inst.locator("[data-chosen-id]").all_inner_texts()[0].startswith("绿源电动车股份有限公司")
    shot(inst, "draft-saved")
    with inst.expect_navigation():
        inst.click("button[value=submit]")
    assert "提交成功" in inst.content()

    # The office sees every field, file and indicator, and approves.
    office.goto("/tasks/")
    office.click("tr:has-text('正式版方案审核') a:has-text('办理')")
    assert office.inner_text("[data-standard-number]") == "T/ABC 001-2023"
    table = office.inner_text("table[data-indicators]")
    for _level1, level2, value, _basis in ROWS:
        assert level2 in table and value in table
    assert office.locator("a[data-file-link]").count() == 3
    assert "绿源电动车股份有限公司" in office.inner_text("tr:has-text('参编单位')")
    shot(office, "plan-review")
    office.check("input[name=decision][value=approve]")
    with office.expect_navigation():
        office.click("button:has-text('提交')")

    inst.goto("/my/plans")
    assert inst.inner_text("[data-plan-status]") == "公示中"
    shot(inst, "awaiting-publicity")
    assert not office_errors and not inst_errors
    assert not live_server.errors, live_server.errors
