"""In Chromium: an enterprise applies against a published plan (参与达标), the institution evaluates
达标, the office files it, the certificate is issued, and the public 达标结果 and 证书查验 show it."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.test_plan_flow import OFFICE, log_in, office_decides
from tests.certificate_reading import pdf_text, qr_codes

pytestmark = pytest.mark.browser
ENTERPRISE = ("ent1@demo.duibiao.cn", "Ent1#2026")
INSTITUTION = ("inst1@demo.duibiao.cn", "Inst1#2026")
MODEL = "LY-BROWSER-7"


def enterprise_applies(ent, pdf) -> None:
    ent.click("nav.side-menu a:has-text('对标方案')")
    ent.click("tr:has-text('T/CSTM 00123-2025') a:has-text('参与达标')")
    assert ent.input_value("[data-product-name]") == "电动汽车交流充电桩"
    expect(ent.locator("[data-step='2']")).to_be_hidden()  # one step at a time (once apply.js has run)
    ent.click("[data-next-step]")  # nothing filled: stays on step one, fields marked
    expect(ent.locator("[data-step='1']")).to_be_visible()
    expect(ent.locator("#product_model.is-invalid")).to_have_count(1)
    assert ent.locator("[data-client-error]").all_inner_texts() == [
        "请填写产品型号", "请选择参与该试点的第三方技术机构", "请上传产品检测报告（PDF）"]
    ent.fill("#product_model", MODEL)
    ent.select_option("#institution_id", label="华标检测认证有限公司")
    ent.click("#institution-details-button")
    assert "北京市" in ent.inner_text("[data-institution-details]:visible")
    ent.set_input_files("#reports", str(pdf))
    ent.click("[data-next-step]")  # asks the server whether the model is free first
    expect(ent.locator("[data-step='2']")).to_be_visible()
    rows = ent.locator("table[data-measurements] tbody tr")
    expect(rows).to_have_count(4)
    assert "智能化（可填）" in rows.nth(3).inner_text()
    for index, value in enumerate(["0.05s", "96%", "2.5W"]):  # 智能化 is optional: left empty
        ent.fill(f"[name='measurements-{index}-measured']", value)
    with ent.expect_navigation():
        ent.click("button:has-text('提交申请')")
    assert "达标申请已提交" in ent.content()


def institution_evaluates(inst) -> None:
    inst.click("nav.side-menu a:has-text('达标产品评价')")
    row = inst.locator(f"tr:has-text('{MODEL}')")
    assert row.locator("[data-stage]").inner_text() == "待机构审核"
    row.locator("a[data-action=evaluate]").click()
    assert "T/CSTM 00123-2025" in inst.inner_text("[data-application]")
    for index in range(4):
        inst.select_option(f"[name='items-{index}-verdict']", "pass")
        inst.fill(f"[name='items-{index}-remark']", "达到国际先进水平")
    inst.check("input[name=conclusion][value=pass]")
    with inst.expect_navigation():
        inst.click("#evaluation-form button:has-text('提交')")
    assert "提交成功" in inst.content()


def test_from_application_to_verified_certificate(published_plans, new_context, make_pdf, shot, tmp_path):
    live_server = published_plans
    pdf = tmp_path / "检测报告.pdf"
    make_pdf(pdf)
    _, ent, ent_errors = new_context()
    _, inst, inst_errors = new_context()
    _, office, office_errors = new_context()
    log_in(ent, *ENTERPRISE)
    log_in(inst, *INSTITUTION)
    log_in(office, *OFFICE)

    enterprise_applies(ent, pdf)
    mine = ent.locator(f"tr:has-text('{MODEL}') [data-stage]")
    assert mine.inner_text() == "待机构审核"
    shot(ent, "applied")
    institution_evaluates(inst)
    ent.reload()
    assert mine.inner_text() == "待专项办审核"
    office_decides(office, "达标结果形式审核及备案")
    ent.reload()
    assert mine.inner_text() == "已发证"
    shot(ent, "issued")

    # The certified model cannot be applied for again: step one says so before step two.
    ent.click("nav.side-menu a:has-text('对标方案')")
    ent.click("tr:has-text('T/CSTM 00123-2025') a:has-text('参与达标')")
    ent.fill("#product_model", MODEL.lower())
    ent.select_option("#institution_id", label="华标检测认证有限公司")
    ent.set_input_files("#reports", str(pdf))
    ent.click("[data-next-step]")
    expect(ent.locator("[data-client-error='product_model']")).to_contain_text("该型号已有进行中的达标申请或已获证书")
    expect(ent.locator("[data-step='2']")).to_be_hidden()
    ent.goto("/my/enrollments")

    with ent.expect_download() as download:
        ent.click(f"tr:has-text('{MODEL}') a[data-certificate-pdf]")
    data = download.value.path().read_bytes()
    text = "".join(pdf_text(data).split())
    assert "达标证书" in text and MODEL in text and "绿源电动车股份有限公司" in text
    (verify_url,) = qr_codes(data)
    assert verify_url.startswith(f"{live_server.url}/verify/")

    public = ent.context.browser.new_context(base_url=live_server.url, locale="zh-CN").new_page()
    public.goto("/")
    public.click("nav.portal-nav a:has-text('达标结果')")
    public.fill("input[name=q]", MODEL.lower())
    with public.expect_navigation():
        public.keyboard.press("Enter")
    row = public.locator("table[data-results] tbody tr")
    assert row.count() == 1
    cells = row.inner_text()
    for expected in ("绿源电动车股份有限公司", "电动汽车交流充电桩", MODEL, "T/CSTM 00123-2025",
                     "华标检测认证有限公司"):
        assert expected in cells
    with public.expect_navigation():
        row.locator("a[href^='/verify/']").click()
    assert public.url == verify_url
    assert public.locator("[data-verify-status=valid]").count() == 1
    assert MODEL in public.inner_text("table[data-verified]")
    shot(public, "verified")
    assert not (ent_errors or inst_errors or office_errors)
    assert not live_server.errors, live_server.errors
