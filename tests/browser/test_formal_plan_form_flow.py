"""In Chromium, at 1366 px: the 提交正式版 page checks the common mistakes before posting, says which chosen
PDFs a refused post did not keep, keeps 删除 on one line; the 修订意见 form shows all its errors at once."""
from __future__ import annotations

import pytest

from tests.browser.test_plan_flow import INSTITUTION, OFFICE, formal_plan_page, log_in, office_decides

pytestmark = pytest.mark.browser
ENTERPRISE = ("ent1@demo.duibiao.cn", "Ent1#2026")
WIDE = {"width": 1366, "height": 900}


def client_errors(page) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for element in page.locator("[data-client-error]").all():
        found.setdefault(element.get_attribute("data-client-error"), []).append(element.inner_text())
    return found


def test_the_formal_plan_form_then_a_comment_in_the_browser(live_server, new_context, make_pdf, tmp_path):
    pdf = tmp_path / "文件.pdf"
    make_pdf(pdf)
    _, office, office_errors = new_context()
    _, inst, inst_errors = new_context()
    inst.set_viewport_size(WIDE)
    log_in(office, *OFFICE)
    log_in(inst, *INSTITUTION)
    formal_plan_page(office, inst, pdf, "浏览器检查方案")
    url = inst.url

    # 删除 stays on one line: as tall as the one-line 新增 button
    remove = inst.locator("tr.indicator-row .remove-row").first.bounding_box()
    add = inst.locator("#add-indicator").bounding_box()
    assert remove["height"] <= add["height"] + 1, (remove, add)

    # 提交 on the empty form: every problem at its field, nothing posted
    inst.click("button[value=submit]")
    errors = client_errors(inst)
    assert errors["standard_number"] == ["请填写标准号"] and errors["standard_name"] == ["请填写标准名称"]
    assert (errors["standard_text"], errors["scheme"], errors["explanation"]) == (
        ["请上传标准文本（PDF）"], ["请上传对标方案（PDF）"], ["请上传编制说明（PDF）"])
    assert errors["level2"] == ["请填写二级指标"] * 3 and errors["method"] == ["请填写试验/评价方法标准"] * 3
    assert inst.url == url and inst.locator("[data-field-error]").count() == 0

    # a missing 低碳 row is named before posting as well
    inst.locator("tr.indicator-row .remove-row").nth(2).click()
    inst.click("button[value=submit]")
    assert client_errors(inst)["indicators"] == ["一级指标“低碳”至少需一项"]
    inst.click("#add-indicator")
    inst.select_option("[name='indicators-2-level1']", "low_carbon")

    # what the page cannot judge (the 标准号's form) is refused by the server: the chosen PDFs are named
    inst.fill("#standard_number", "ABC")
    inst.fill("#standard_name", "浏览器检查评价标准")
    for name in ("standard_text", "scheme", "explanation"):
        inst.set_input_files(f"#{name}", str(pdf))
    for index in range(3):
        for name, value in (("level2", "指标"), ("value", "1"), ("basis", "GB 1-2020"), ("method", "GB/T 1234")):
            inst.fill(f"[name='indicators-{index}-{name}']", value)
    with inst.expect_navigation():
        inst.click("button[value=submit]")
    assert inst.inner_text("[data-field-error='standard_number']").startswith("标准号格式不正确")
    assert inst.inner_text("[data-file-not-kept='scheme']") == "提交未成功，请重新选择文件（已选择：文件.pdf）"
    # choosing the files again takes the notes away; with a good 标准号 the plan goes to the office
    for name in ("standard_text", "scheme", "explanation"):
        inst.set_input_files(f"#{name}", str(pdf))
    assert inst.locator("[data-file-not-kept]").count() == 0
    inst.fill("#standard_number", "T/DBB 098-2026")
    with inst.expect_navigation():
        inst.click("button[value=submit]")
    assert "提交成功" in inst.content()
    office_decides(office, "正式版方案审核")
    commenting_at_once(new_context, inst, tmp_path)
    assert not (office_errors or inst_errors)
    assert not live_server.errors, live_server.errors


def commenting_at_once(open_context, inst, tmp_path):
    """修订意见 of 5000 characters with a Word file: both errors at once; the author has no button."""
    word = tmp_path / "意见.docx"
    word.write_bytes(b"PK\x03\x04 not a pdf")
    _, ent, ent_errors = open_context()
    log_in(ent, *ENTERPRISE)
    ent.goto("/plans/")
    row = ent.locator("tr:has-text('T/DBB 098-2026')")
    assert row.locator("[data-status]").inner_text().startswith("公示中")
    assert row.locator("[data-published]").inner_text().strip() == ""
    with ent.expect_navigation():
        row.locator("a:has-text('T/DBB 098-2026')").click()
    plan_url = ent.url
    with ent.expect_navigation():
        ent.click("a:has-text('提出修订意见')")
    ent.fill("#text", "意" * 5000)
    ent.set_input_files("#attachment", str(word))
    with ent.expect_navigation():
        ent.click("button:has-text('提交')")
    assert len(ent.input_value("#text")) == 5000  # the whole text is posted and kept, not cut by the browser
    assert ent.inner_text("[data-field-error='text']") == "不能超过 2000 个字"
    assert ent.inner_text("[data-field-error='attachment']") == "请上传 PDF 格式的文件"
    inst.goto(plan_url)
    assert inst.locator("a:has-text('提出修订意见')").count() == 0
    assert not ent_errors
