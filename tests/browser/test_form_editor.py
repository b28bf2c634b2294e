"""The form editor in Chromium with the real bundle and the real views: the demo designer opens 表单 from
the side menu, makes a new form, drags a text field onto it and adds a PDF field from the palette (only the platform's
types, named in Chinese), saves, sees the server's problem on the file field without a size limit, sets
the limit in 平台属性, and sees the form as the task page renders it in 预览; in the modeler, a step's
designer-made form links to the form editor."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

DESIGNER = ("designer@demo.duibiao.cn", "Design#2026")


def add_from_palette(page, field_type: str) -> None:
    """A palette entry adds its component at the end of the form with Enter (form-js's keyboard path)."""
    entry = page.locator(f".fjs-palette-field[data-field-type='{field_type}']")
    entry.focus()
    entry.press("Enter")


def drag_from_palette(page, field_type: str) -> None:
    """Drag a palette entry onto the form with the mouse, as a designer does (form-js uses dragula)."""
    source = page.locator(f".fjs-palette-field[data-field-type='{field_type}']").bounding_box()
    target = page.locator(".fjs-form-container .fjs-drop-container-vertical").first.bounding_box()
    page.mouse.move(source["x"] + source["width"] / 2, source["y"] + source["height"] / 2)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(source["x"] + (target["x"] + 60 - source["x"]) * step / 10,
                        source["y"] + (target["y"] + 30 - source["y"]) * step / 10)
    page.mouse.up()


def test_a_designer_makes_a_form_with_a_pdf_field(new_context, live_server):
    _context, page, js_errors = new_context()
    log_in(page, *DESIGNER)
    page.goto("/design/")
    page.click("[data-menu-forms]")
    page.fill("#form-key", "site_check")
    page.fill("#form-name", "现场核查")
    page.click("button:has-text('新建表单')")
    page.wait_for_selector("body[data-form-editor-state='ready']")

    palette = page.locator(".fjs-palette-field")
    offered = set(palette.evaluate_all("(entries) => entries.map((e) => e.dataset.fieldType)"))
    assert {"textfield", "filepicker", "dynamiclist", "datetime"} <= offered
    assert not offered & {"iframe", "html", "expression", "button", "image", "table", "taglist"}
    assert page.locator(".fjs-palette-field[data-field-type='textfield']").inner_text().strip() == "单行文本"
    assert page.locator(".fjs-palette-header").inner_text().strip() == "组件"

    assert page.input_value("#duibiao-title") == "现场核查"  # the form itself is selected: its 名称
    page.fill("#duibiao-title", "现场核查记录")
    drag_from_palette(page, "textfield")
    add_from_palette(page, "filepicker")
    page.fill("[data-form-note]", "核查报告")
    page.keyboard.press("Control+s")
    problem = page.locator("[data-form-problems] button[data-component-id]")
    problem.wait_for()
    assert "大小上限" in problem.inner_text()
    outline = "(id) => getComputedStyle(document.querySelector(`.fjs-element[data-id='${id}']`)).outlineStyle"
    file_field = problem.get_attribute("data-component-id")
    assert page.evaluate(outline, file_field) == "solid"  # the component named is outlined on the canvas
    assert page.locator("[data-form-status]").inner_text().startswith("已保存")

    problem.click()  # selects the file field: its 平台属性 are in the properties panel
    limit = page.locator("#duibiao-maxSizeMb")
    limit.fill("10")
    page.click("[data-form-check]")
    page.wait_for_selector("[data-form-status]:has-text('检查通过')")
    assert page.locator("[data-form-problems] li").count() == 0
    assert page.evaluate(outline, file_field) == "none"

    page.click("[data-form-preview-toggle]")
    preview = page.locator("[data-form-preview]")
    preview.wait_for()
    assert "单行文本" in preview.inner_text() and "PDF 文件" in preview.inner_text()

    page.locator(".fjs-editor-container .fjs-element[data-id]").nth(1).click()  # the text field
    page.select_option("#duibiao-context", "subject")  # shows the subject, read-only
    add_from_palette(page, "datetime")  # its 日期名称 is the field's label too (what the server reads)
    page.locator(".fjs-editor-container .fjs-element[data-id]").last.click()
    page.fill("#bio-properties-panel-date-label", "核查日期")
    page.click("[data-form-save]")
    page.wait_for_selector("[data-form-status]:has-text('已保存')")

    # In the modeler, a step's 表单 that is a designer-made form opens in the form editor.
    page.goto("/design/processes/formal_plan/new")
    page.wait_for_selector("body[data-designer-state='ready']")
    page.evaluate("() => { const m = window.duibiaoDesigner.modeler; "
                  "m.get('selection').select(m.get('elementRegistry').get('review_plan')); }")
    assert page.get_attribute("[data-open-form]", "href").endswith("/design/forms/generic_review")
    assert js_errors == []
    assert live_server.errors == []
    with live_server.app.app_context():
        from storage.models import FormDraft
        from webapp import db

        draft = db.session().scalars(select(FormDraft).where(FormDraft.form_key == "site_check")).one()
        fields = {c["type"]: c for c in draft.schema["components"]}
        assert draft.revision == 3 and draft.note == "核查报告" and draft.schema["title"] == "现场核查记录"
        assert fields["filepicker"]["properties"] == {"maxSizeMb": "10"}
        assert fields["filepicker"]["accept"] == ".pdf"
        assert (fields["textfield"]["key"], fields["textfield"]["readonly"], fields["textfield"]["label"]) == \
            ("subject", True, "办理事项")
        assert (fields["datetime"]["label"], fields["datetime"]["dateLabel"]) == ("核查日期", "核查日期")
