"""Issue 18 as its user tries it, in Chromium, with no Python written: the demo designer makes a 现场核查 form
(a date, a check list, a PDF and an outcome 合格 / 不合格), puts it on a new step of compliance_review with
a gateway on the outcome, teaches the scenarios the step, and deploys; an enterprise applies, the
institution evaluates and fills in 现场核查, and the office sees the answers in 历史 (办理记录)."""
from __future__ import annotations

import json

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.helpers import log_in, save_draft
from tests.browser.test_compliance_flow import ENTERPRISE, INSTITUTION, enterprise_applies, institution_evaluates
from tests.browser.test_plan_flow import OFFICE

pytestmark = pytest.mark.browser

DESIGNER = ("designer@demo.duibiao.cn", "Design#2026")

SITE_CHECK = {
    "id": "site_check", "type": "default", "title": "现场核查", "schemaVersion": 16, "components": [
        {"id": "f_date", "type": "datetime", "subtype": "date", "key": "visited_on", "label": "核查日期",
         "dateLabel": "核查日期", "validate": {"required": True}},
        {"id": "f_items", "type": "checklist", "key": "items", "label": "核查项目", "validate": {"required": True},
         "values": [{"label": "生产线", "value": "line"}, {"label": "检测设备", "value": "lab"},
                    {"label": "质量记录", "value": "records"}]},
        {"id": "f_photos", "type": "filepicker", "key": "photos", "label": "现场照片（PDF）", "accept": ".pdf",
         "validate": {"required": True}, "properties": {"maxSizeMb": "10"}},
        {"id": "f_result", "type": "radio", "key": "result", "label": "核查结论", "validate": {"required": True},
         "values": [{"label": "合格", "value": "pass"}, {"label": "不合格", "value": "fail"}],
         "properties": {"outcome": "true"}},
        {"id": "f_reason", "type": "textarea", "key": "reason", "label": "不合格原因",
         "properties": {"requiredUnless": "result=pass"}},
    ]}

# 现场核查 (institution lane) between 记录评价 and 达标结果形式审核及备案; 合格 goes on to the office,
# 不合格 (the default) back to the institution's 修改达标评价.
INSERT_STEP = """() => {
  const modeler = window.duibiaoDesigner.modeler;
  const registry = modeler.get("elementRegistry"), modeling = modeler.get("modeling");
  const factory = modeler.get("elementFactory"), moddle = modeler.get("moddle");
  const lane = registry.get("lane_institution"), parent = registry.get("compliance_review_participant");
  const record = registry.get("record_evaluation");
  const step = modeling.createShape(factory.createShape({type: "bpmn:UserTask"}),
                                    {x: record.x + 60, y: lane.y + lane.height - 50}, parent);
  modeling.updateProperties(step, {id: "site_check", name: "现场核查"});
  const gateway = modeling.createShape(factory.createShape({type: "bpmn:ExclusiveGateway"}),
                                       {x: record.x + 200, y: lane.y + lane.height - 50}, parent);
  modeling.updateProperties(gateway, {id: "site_gateway", name: "核查结论"});
  const toFiling = registry.get("f_to_filing");
  modeling.reconnectEnd(toFiling, step, {x: step.x + step.width / 2, y: step.y + step.height / 2});
  modeling.connect(step, gateway);
  const pass = modeling.connect(gateway, registry.get("file_evaluation"));
  const fail = modeling.connect(gateway, registry.get("revise_evaluation"));
  modeling.updateProperties(pass, {id: "f_site_pass", name: "合格",
    conditionExpression: moddle.create("bpmn:FormalExpression", {body: 'result == "pass"'})});
  modeling.updateProperties(fail, {id: "f_site_fail", name: "不合格"});
  modeling.updateProperties(gateway, {default: fail.businessObject});
  modeler.get("selection").select(step);
  return step.id;
}"""

SITE_ANSWERS = {"visited_on": "2026-11-30", "items": ["line", "lab"], "photos": "pdf", "result": "pass"}


def with_site_check(text: str) -> str:
    """A compliance_review scenario with 现场核查 (合格) after each evaluation the institution submits."""
    scenario = yaml.safe_load(text)
    steps = []
    for step in scenario["steps"]:
        steps.append(step)
        if step.get("complete") in ("达标产品评价", "修改达标评价") and step["with"].get("decision") == "evaluate":
            steps.append({"complete": "现场核查", "as": "institution", "with": dict(SITE_ANSWERS)})
    scenario["steps"] = steps
    return yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False)


def designer_makes_the_form(page) -> None:
    page.click("nav.side-menu a:has-text('流程设计')")
    page.click("[data-menu-forms]")
    page.fill("#form-key", "site_check")
    page.fill("#form-name", "现场核查")
    page.click("button:has-text('新建表单')")
    page.wait_for_selector("body[data-form-editor-state='ready']")
    # The fields as the designer laid them out (the palette and the properties panel are tried in
    # test_form_editor.py): a date, a check list, a PDF with its size limit, and the outcome.
    page.evaluate("(schema) => window.duibiaoFormEditor.editor.importSchema(schema)", SITE_CHECK)
    page.fill("[data-form-note]", "现场核查记录表")
    page.click("[data-form-check]")
    page.wait_for_selector("[data-form-status]:has-text('检查通过')")
    page.click("[data-form-save]")
    page.wait_for_selector("[data-form-status]:has-text('已保存')")


def designer_adds_the_step(page) -> int:
    page.goto("/design/")
    page.click("tr[data-key='compliance_review'] a:has-text('打开')")
    page.click("a[data-new-draft]")
    page.wait_for_selector('body[data-designer-state="ready"]')
    assert page.evaluate(INSERT_STEP) == "site_check"
    panel = page.locator("[data-designer-properties]")
    panel.locator("#bio-properties-panel-duibiao-formKey").select_option("site_check")  # the new form, a draft
    panel.locator("#bio-properties-panel-duibiao-stage").click()
    page.keyboard.type("site_check")
    panel.locator("#bio-properties-panel-duibiao-stageLabel").click()
    page.keyboard.type("现场核查中")
    page.get_by_role("button", name="检查").click()
    page.wait_for_function("() => document.querySelector('[data-designer-problems]') !== null")
    assert not page.locator(".duibiao-server-badge").count(), page.inner_text("[data-designer-problems]")
    return save_draft(page, "机构评价后增加现场核查")


def designer_deploys(page, draft_id: int) -> None:
    page.goto(f"/design/drafts/{draft_id}/scenarios")
    assert page.get_attribute("[data-check-result]", "data-check-result") == "failed"  # they expect the office
    page.click("a:has-text('编辑场景')")
    # locator.all() does not wait: be on the editor (its textareas drawn) before reading them.
    page.wait_for_url(f"**/design/drafts/{draft_id}/scenarios/edit")
    page.locator("textarea[name^='text:']").first.wait_for()
    for area in page.locator("textarea[name^='text:']").all():
        area.fill(with_site_check(area.input_value()))
    page.click("button:has-text('保存场景')")
    page.wait_for_url(f"**/design/drafts/{draft_id}/scenarios")
    assert page.get_attribute("[data-check-result]", "data-check-result") == "passed", \
        page.inner_text("[data-scenario-results]")
    page.goto(f"/design/drafts/{draft_id}/deploy")
    page.click("form[data-deploy-form] button:has-text('部署')")
    page.wait_for_url("**/design/processes/compliance_review")
    assert page.locator("tr[data-current]").get_attribute("data-version") == "2"


def institution_checks_on_site(inst, pdf) -> None:
    inst.goto("/tasks/")
    inst.click("tr:has-text('现场核查') a:has-text('办理')")
    assert "T/CSTM 00123-2025" in inst.inner_text("[data-application]")  # the application, as before
    with inst.expect_navigation():
        inst.click("form[data-designed-form] button:has-text('提交')")  # nothing filled: refused at the fields
    errors = dict(zip(inst.locator("[data-field-error]").evaluate_all("(e) => e.map((n) => n.dataset.fieldError)"),
                      inst.locator("[data-field-error]").all_inner_texts(), strict=True))
    assert errors == {"visited_on": "请填写核查日期", "items": "请选择核查项目", "photos": "请上传 PDF 文件",
                      "result": "请选择核查结论", "reason": "请填写不合格原因"}  # required unless 合格
    inst.fill("input[name=visited_on]", "2026-11-30")
    inst.check("input[name=items][value=line]")
    inst.check("input[name=items][value=lab]")
    inst.set_input_files("input[name=photos]", str(pdf))
    inst.check("input[name=result][value=pass]")
    with inst.expect_navigation():
        inst.click("form[data-designed-form] button:has-text('提交')")
    assert "提交成功" in inst.content()


def test_a_designer_made_form_on_a_new_step_runs_on_a_new_application(
        published_plans, new_context, make_pdf, tmp_path):
    live_server = published_plans
    pdf = tmp_path / "现场照片.pdf"
    make_pdf(pdf)
    _, designer, designer_errors = new_context()
    designer.set_default_timeout(90_000)  # 场景测试 and 部署 run the scenarios in the request
    designer.set_default_navigation_timeout(90_000)
    log_in(designer, *DESIGNER)
    designer_makes_the_form(designer)
    draft_id = designer_adds_the_step(designer)
    designer_deploys(designer, draft_id)
    assert designer_errors == [], json.dumps(designer_errors, ensure_ascii=False)

    _, ent, ent_errors = new_context()
    _, inst, inst_errors = new_context()
    _, office, office_errors = new_context()
    log_in(ent, *ENTERPRISE)
    log_in(inst, *INSTITUTION)
    log_in(office, *OFFICE)
    enterprise_applies(ent, pdf)
    institution_evaluates(inst)
    institution_checks_on_site(inst, pdf)

    office.goto("/tasks/")
    office.click("tr:has-text('达标结果形式审核及备案') a:has-text('办理')")
    row = office.locator("table[data-decisions] tr:has-text('现场核查')")
    # The task page is still loading after the click: read the answers once all four are drawn (CI read a
    # half-loaded page, the two reads then disagreeing).
    expect(row.locator("[data-answer]")).to_have_count(4)
    answers = dict(zip(row.locator("[data-answer]").evaluate_all("(e) => e.map((n) => n.dataset.answer)"),
                       row.locator("[data-answer]").all_inner_texts(), strict=True))
    assert answers == {"visited_on": "2026-11-30", "items": "生产线、检测设备", "photos": "现场照片.pdf",
                       "result": "合格"}
    assert row.locator("a[href^='/files/']").count() == 1
    assert not (ent_errors or inst_errors or office_errors)
    assert not live_server.errors, live_server.errors
