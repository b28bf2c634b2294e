"""The designer's BPMN modeler page in Chromium with the real bundle: the properties panel writes the
spiffworkflow properties the engine reads, the lint marks a stage without its label on the canvas,
检查 / 保存 pin the server's problems on the elements, and the first save moves to the draft's page.

The page is rendered through a test-only blueprint (below) that follows the design views' contract
(template variables, JSON answers), so the server's answers are fixed. To drive the real views instead,
log in as a designer and make ``modeler_url`` return ``url_for("design.new_draft", process_key="formal_plan")``;
the assertions on SERVER_PROBLEM then become the real validation's.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Blueprint, Response, jsonify, render_template, request, send_file, url_for

from tests.browser.helpers import log_in

pytestmark = pytest.mark.browser

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"

CATALOGUE = {
    "roles": [{"value": "office", "label": "专项办"}, {"value": "institution", "label": "机构"}],
    "formKeys": [
        {"value": "generic_review", "label": "通用审核", "generic": True},
        {"value": "generic_opinion", "label": "通用意见", "generic": True},
        {"value": "review_plan", "label": "review_plan", "generic": False},
        {"value": "draft_plan", "label": "draft_plan", "generic": False},
    ],
    "services": [{"value": "plan.approve", "label": "plan.approve"}],
    "processes": [{"value": "publicity", "label": "公示"}],
    "reviewOptions": [{"value": "approve", "label": "通过"}, {"value": "return", "label": "退回修改"},
                      {"value": "reject", "label": "不予通过"}],
    "stages": [{"value": "plan_review", "label": "正式版审核中"}],
}

SERVER_PROBLEM = {"element_id": "review_plan", "where": "formal_plan.bpmn: formal_plan.review_plan",
                  "message": "服务器说：审核步骤有问题"}


def contract_blueprint(posted: list) -> Blueprint:
    """The design views' contract, enough for the page: a new draft's page and the draft's own page, the
    XML, save and validate. The requests are recorded in ``posted``; the saved XML is draft 1's."""
    bp = Blueprint("modeler_contract", __name__, url_prefix="/_test/design")
    draft = SimpleNamespace(id=1, note="", xml=None)

    def modeler(draft_page: bool):
        return render_template(
            "design/modeler.html", process_key="formal_plan", process_name="正式版方案",
            draft=draft if draft_page else None, note=draft.note if draft_page else "",
            xml_url=url_for(".draft_xml" if draft_page else ".shipped_xml"),
            save_url=url_for(".save_draft" if draft_page else ".save_new_draft"), validate_url=url_for(".validate"),
            compare_url="/compare/1" if draft_page else None, scenarios_url="/scenarios/1" if draft_page else None,
            back_url="/", catalogue=CATALOGUE)

    bp.add_url_rule("/formal_plan/new", "new_draft", lambda: modeler(False))
    bp.add_url_rule("/drafts/1/edit", "edit_draft", lambda: modeler(True))
    bp.add_url_rule("/formal_plan.bpmn", "shipped_xml",
                    lambda: send_file(WORKFLOWS / "formal_plan.bpmn", mimetype="application/xml"))
    bp.add_url_rule("/drafts/1/bpmn", "draft_xml", lambda: Response(draft.xml, mimetype="application/xml"))

    def save():
        body = request.get_json()
        posted.append(("save", body))
        if body["note"] == "拒绝":
            return jsonify(errors={"xml": ["流程文件被拒绝"]}), 422
        draft.xml, draft.note = body["xml"], body["note"]
        return jsonify(draft_id=1, edit_url=url_for(".edit_draft"), compare_url="/compare/1",
                       scenarios_url="/scenarios/1", saved_at="2026-12-06 18:01", problems=[SERVER_PROBLEM])

    bp.add_url_rule("/formal_plan/drafts", "save_new_draft", save, methods=["POST"])
    bp.add_url_rule("/drafts/1", "save_draft", save, methods=["POST"])

    @bp.post("/formal_plan/validate")
    def validate():
        posted.append(("validate", request.get_json()))
        return jsonify(problems=[SERVER_PROBLEM, {"element_id": None, "where": "formal_plan.bpmn",
                                                  "message": "整个流程的问题"}])

    return bp


@pytest.fixture(scope="module")
def posted():
    return []


@pytest.fixture(scope="module")
def modeler_url(live_server, posted):
    live_server.app.register_blueprint(contract_blueprint(posted))
    return "/_test/design/formal_plan/new"


CREATE_USER_TASK = """() => {
  const modeler = window.duibiaoDesigner.modeler;
  const registry = modeler.get("elementRegistry");
  const shape = modeler.get("elementFactory").createShape({type: "bpmn:UserTask"});
  const pool = registry.get("formal_plan_participant");
  const created = modeler.get("modeling").createShape(shape, {x: 1020, y: 530}, pool);
  modeler.get("modeling").updateProperties(created, {id: "expert_review", name: "专家评审"});
  modeler.get("selection").select(created);
  return created.id;
}"""

REVIEW_OPTIONS_ARE = """(expected) => {
  const task = window.duibiaoDesigner.modeler.get("elementRegistry").get("expert_review").businessObject;
  const properties = task.extensionElements.values.find(v => v.$type === "spiffworkflow:Properties");
  const option = properties.values.find(p => p.name === "reviewOptions");
  return Boolean(option) && option.value === expected;
}"""

UNKNOWN_EXTENSIONS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" xmlns:other="http://example.org/other"
    id="d" targetNamespace="http://duibiao.example/bpmn">
  <bpmn:process id="formal_plan" isExecutable="true">
    <bpmn:serviceTask id="s"><bpmn:extensionElements>
      <spiffworkflow:serviceTaskOperator id="plan.approve" resultVariable="r">
        <spiffworkflow:parameters><spiffworkflow:parameter id="p" type="str" value="1" /></spiffworkflow:parameters>
      </spiffworkflow:serviceTaskOperator>
      <spiffworkflow:somethingNew level="2"><spiffworkflow:inner>text</spiffworkflow:inner></spiffworkflow:somethingNew>
      <other:thing a="b" />
    </bpmn:extensionElements></bpmn:serviceTask>
  </bpmn:process>
  <bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="formal_plan">
    <bpmndi:BPMNShape id="s_di" bpmnElement="s"><dc:Bounds x="100" y="100" width="100" height="80" /></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""

SAVE_XML = "async () => (await window.duibiaoDesigner.modeler.saveXML({format: true})).xml"


LINT_SAYS = """([elementId, message, expected]) => {
  const marker = document.querySelector(`.djs-overlays[data-container-id="${elementId}"] .bjsl-overlay`);
  return Boolean(marker && marker.textContent.includes(message)) === expected;
}"""


def wait_for_lint(page, element_id, message, present=True):
    """The lint's marker on the element lists ``message`` (or, present=False, does not): other rules may
    mark the same element (the new task has no flows yet)."""
    page.wait_for_function(LINT_SAYS, arg=[element_id, message, present])


def test_modeler_writes_platform_properties_and_shows_lint_and_server_problems(new_context, modeler_url, posted):
    _, page, js_errors = new_context()
    page.goto(modeler_url)
    page.wait_for_selector('body[data-designer-state="ready"]')
    assert page.locator("[data-designer-status]").text_content() == "尚未保存为草稿"

    assert page.evaluate(CREATE_USER_TASK) == "expert_review"
    panel = page.locator("[data-designer-properties]")
    panel.get_by_text("平台属性").wait_for()
    assert panel.locator("#bio-properties-panel-duibiao-lane").input_value() == "专项办（office）"

    panel.locator("#bio-properties-panel-duibiao-formKey").select_option("generic_review")
    panel.locator("#bio-properties-panel-duibiao-stage").click()
    page.keyboard.type("expert_review")
    missing_label = "阶段“expert_review”缺少显示名称（stageLabel）"
    wait_for_lint(page, "expert_review", missing_label)
    assert page.locator('.djs-overlays[data-container-id="expert_review"] .bjsl-icon-error').count() == 1

    panel.locator("#bio-properties-panel-duibiao-stageLabel").click()
    page.keyboard.type("专家评审中")
    wait_for_lint(page, "expert_review", missing_label, present=False)

    limit = panel.locator("#bio-properties-panel-duibiao-timeLimit")  # 办理期限（天）
    limit.fill("五天")
    bad_limit = "办理期限（timeLimitDays）应为 1 至 365 之间的整数天数"
    wait_for_lint(page, "expert_review", bad_limit)
    limit.fill("5")
    wait_for_lint(page, "expert_review", bad_limit, present=False)

    panel.get_by_label("通过", exact=True).check()
    panel.get_by_label("退回修改").check()
    page.wait_for_function(REVIEW_OPTIONS_ARE, arg="approve,return")
    page.evaluate("window.duibiaoDesigner.modeler.get('commandStack').undo()")
    page.wait_for_function(REVIEW_OPTIONS_ARE, arg="approve")
    page.evaluate("window.duibiaoDesigner.modeler.get('commandStack').redo()")
    page.wait_for_function(REVIEW_OPTIONS_ARE, arg="approve,return")

    xml = page.evaluate(SAVE_XML)
    task = re.search(r'<bpmn:userTask id="expert_review".*?</bpmn:userTask>', xml, re.S).group(0)
    for name, value in [("formKey", "generic_review"), ("stage", "expert_review"), ("stageLabel", "专家评审中"),
                        ("reviewOptions", "approve,return"), ("timeLimitDays", "5")]:
        assert f'<spiffworkflow:property name="{name}" value="{value}" />' in task
    assert '<bpmn:flowNodeRef>expert_review</bpmn:flowNodeRef>' in xml
    shipped = (WORKFLOWS / "formal_plan.bpmn").read_text(encoding="utf-8")
    shipped_extensions = (re.findall(r'<spiffworkflow:property name="[^"]+" value="[^"]*" />', shipped)
                          + re.findall(r'<spiffworkflow:serviceTaskOperator [^>]*/>', shipped))
    assert len(shipped_extensions) == 37  # both drafting lanes (institution, enterprise) with their steps, 办理期限
    for found in shipped_extensions:
        assert found in xml, found
    assert page.locator("[data-designer-status]").text_content() == "有未保存的修改"

    # 检查: the server's problems listed and pinned on their elements (apart from the lint's).
    page.get_by_role("button", name="检查").click()
    badge = page.locator('.djs-overlays[data-container-id="review_plan"] .duibiao-server-badge')
    badge.wait_for()
    assert badge.text_content() == "服务器"
    problems = page.locator("[data-designer-problems]")
    assert "整个流程的问题" in problems.text_content()
    problems.get_by_role("button", name="服务器说：审核步骤有问题").click()
    assert page.evaluate("window.duibiaoDesigner.modeler.get('selection').get().map(e => e.id)") == ["review_plan"]

    # 保存 posts the XML and the note with the CSRF header (CSRFProtect would refuse it otherwise); the first
    # save of a new draft continues on the draft's own page, with the answer's problems carried over.
    page.locator("[data-designer-note]").fill("增加专家评审")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url("**/_test/design/drafts/1/edit")
    page.wait_for_selector('body[data-designer-state="ready"]')
    status = page.locator("[data-designer-status]")
    assert status.text_content() == "已保存 2026-12-06 18:01"
    assert [kind for kind, _ in posted] == ["validate", "save"]
    assert posted[-1][1]["note"] == "增加专家评审" and 'id="expert_review"' in posted[-1][1]["xml"]
    assert page.locator("[data-designer-note]").input_value() == "增加专家评审"
    assert page.evaluate("Boolean(window.duibiaoDesigner.modeler.get('elementRegistry').get('expert_review'))")
    page.locator('.djs-overlays[data-container-id="review_plan"] .duibiao-server-badge').wait_for()
    assert page.locator("[data-designer-compare]").get_attribute("href") == "/compare/1"

    # A refused save (422) says why in the status line and the list, and stays on the page.
    page.locator("[data-designer-note]").fill("拒绝")
    page.get_by_role("button", name="保存").click()
    page.wait_for_function("(s) => s.textContent === '保存失败：流程文件被拒绝'", arg=status.element_handle())
    assert "流程文件被拒绝" in page.locator("[data-designer-problems]").text_content()
    assert posted[-1][0] == "save" and page.url.endswith("/_test/design/drafts/1/edit")

    # Extension elements the descriptor does not describe come back out unchanged.
    page.evaluate("(xml) => window.duibiaoDesigner.modeler.importXML(xml)", UNKNOWN_EXTENSIONS)
    xml = page.evaluate(SAVE_XML)
    for kept in ('<spiffworkflow:parameter id="p" type="str" value="1" />', '<spiffworkflow:somethingNew level="2">',
                 "<spiffworkflow:inner>text</spiffworkflow:inner>", '<other:thing a="b" />'):
        assert kept in xml, xml

    # Leaving with unsaved changes asks first.
    dialogs = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.accept()))
    page.get_by_role("link", name="返回").click()
    page.wait_for_url(lambda url: "/_test/design/" not in url)
    assert dialogs == ["beforeunload"]
    assert js_errors == [], json.dumps(js_errors, ensure_ascii=False)



def test_modeler_against_the_design_views(new_context, live_server):
    """The same page through the real design views (once they are in this branch): 检查 pins the
    server's validation on the new task, the first save moves to the draft's page."""
    _, page, js_errors = new_context()
    log_in(page, "designer@demo.duibiao.cn", "Design#2026")
    page.goto("/design/processes/formal_plan/new")
    page.wait_for_selector('body[data-designer-state="ready"]')
    page.evaluate(CREATE_USER_TASK)
    panel = page.locator("[data-designer-properties]")
    panel.locator("#bio-properties-panel-duibiao-formKey").select_option("generic_review")
    panel.locator("#bio-properties-panel-duibiao-stage").click()
    page.keyboard.type("expert_review")
    missing_label = "阶段“expert_review”缺少显示名称（stageLabel）"
    wait_for_lint(page, "expert_review", missing_label)

    page.get_by_role("button", name="检查").click()
    page.locator('.djs-overlays[data-container-id="expert_review"] .duibiao-server-badge').wait_for()
    assert missing_label in page.locator("[data-designer-problems]").text_content()

    page.locator("[data-designer-note]").fill("增加专家评审")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r".*/design/drafts/\d+/edit$"))
    page.wait_for_selector('body[data-designer-state="ready"]')
    assert page.locator("[data-designer-status]").text_content().startswith("已保存")
    assert page.locator("[data-designer-note]").input_value() == "增加专家评审"
    assert page.locator("[data-designer-compare]").get_attribute("href").endswith("/compare")
    assert js_errors == [] and live_server.errors == []
