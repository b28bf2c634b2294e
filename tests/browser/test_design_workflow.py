"""流程设计 in Chromium, as the issue's user does it: the demo designer opens formal_plan, adds a 专家评审
step with the properties panel, sees the lint's error on the canvas (no stage label), fixes it, saves,
compares, runs the scenarios (they fail until the scenarios know the new step, then pass), deploys —
and a plan submitted afterwards reaches 专家评审 in the office's 待办."""
from __future__ import annotations

import json

import pytest
import yaml
from playwright.sync_api import expect

from tests.browser.helpers import log_in, save_draft
from tests.browser.test_modeler import wait_for_lint

pytestmark = pytest.mark.browser

DESIGNER = ("designer@demo.duibiao.cn", "Design#2026")
OFFICE = ("office@demo.duibiao.cn", "Office#2026")
MISSING_LABEL = "阶段“expert_review”缺少显示名称（stageLabel）"

# A user task in the office lane, put on the flow from 提交正式版 to 正式版方案审核.
INSERT_TASK = """() => {
  const modeler = window.duibiaoDesigner.modeler;
  const registry = modeler.get("elementRegistry"), modeling = modeler.get("modeling");
  const lane = registry.get("lane_office"), review = registry.get("review_plan");
  const shape = modeler.get("elementFactory").createShape({type: "bpmn:UserTask"});
  const task = modeling.createShape(shape, {x: lane.x + 140, y: lane.y + lane.height - 60},
                                    registry.get("formal_plan_participant"));
  modeling.updateProperties(task, {id: "expert_review"});
  const flow = registry.get("flow_drafted");
  modeling.reconnectEnd(flow, task, {x: task.x + task.width / 2, y: task.y + task.height / 2});
  modeling.connect(task, review);
  modeler.get("selection").select(task);
  return task.id;
}"""



def with_expert_review(text: str) -> str:
    """A formal_plan scenario with 专家评审 completed right after each 提交正式版 (what the designer types)."""
    scenario = yaml.safe_load(text)
    steps = []
    for step in scenario["steps"]:
        steps.append(step)
        if step.get("complete") == "提交正式版":
            steps.append({"complete": "专家评审", "as": "office", "with": {"opinion": "专家组同意提交审核"}})
    scenario["steps"] = steps
    return yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False)


def test_a_designer_adds_an_expert_review_and_a_new_plan_reaches_it(new_context, live_server):
    _, page, js_errors = new_context()
    # 场景测试 and 部署 run the scenarios in the request (≈ 3 s on an idle machine, more on a busy one).
    page.set_default_navigation_timeout(90_000)
    page.set_default_timeout(90_000)
    log_in(page, *DESIGNER)
    page.click("nav.side-menu a:has-text('流程设计')")
    page.click("tr[data-key='formal_plan'] a:has-text('打开')")
    page.click("a[data-new-draft]")
    page.wait_for_selector('body[data-designer-state="ready"]')

    # The step, drawn and described in the properties panel; the lint says what is missing, then not.
    assert page.evaluate(INSERT_TASK) == "expert_review"
    panel = page.locator("[data-designer-properties]")
    panel.locator("#bio-properties-panel-name").fill("专家评审")
    panel.locator("#bio-properties-panel-duibiao-formKey").select_option("generic_opinion")
    panel.locator("#bio-properties-panel-duibiao-stage").click()
    page.keyboard.type("expert_review")
    wait_for_lint(page, "expert_review", MISSING_LABEL)
    panel.locator("#bio-properties-panel-duibiao-stageLabel").click()
    page.keyboard.type("专家评审中")
    wait_for_lint(page, "expert_review", MISSING_LABEL, present=False)
    page.get_by_role("button", name="检查").click()
    page.wait_for_function("() => document.querySelector('[data-designer-problems]') !== null")
    assert not page.locator(".duibiao-server-badge").count()

    draft_id = save_draft(page, "正式版审核前增加专家评审")

    # 比较: the new step and its flow are listed as added, 提交正式版's flow as changed.
    page.goto(f"/design/drafts/{draft_id}/compare")
    added = page.locator("tr[data-added]").evaluate_all("rows => rows.map(r => r.dataset.added)")
    assert "expert_review" in added and len(added) == 2
    assert page.locator("tr[data-changed='flow_drafted']").count() == 1
    page.wait_for_selector("[data-compare-state='rendered']")

    # 场景测试: the shipped scenarios expect 正式版方案审核 right after 提交正式版.
    page.goto(f"/design/drafts/{draft_id}/scenarios")
    assert page.get_attribute("[data-check-result]", "data-check-result") == "failed"
    assert "期望待办任务 [正式版方案审核]，实际 [专家评审]" in page.text_content("[data-scenario-results]")

    # 编辑场景: 专家评审 after every 提交正式版; now every scenario passes.
    page.click("a:has-text('编辑场景')")
    # locator.all() does not wait: be on the editor (its textareas drawn) before reading them.
    page.wait_for_url(f"**/design/drafts/{draft_id}/scenarios/edit")
    page.locator("textarea[name^='text:']").first.wait_for()
    for area in page.locator("textarea[name^='text:']").all():
        area.fill(with_expert_review(area.input_value()))
    page.click("button:has-text('保存场景')")
    page.wait_for_url(f"**/design/drafts/{draft_id}/scenarios")
    assert page.get_attribute("[data-check-result]", "data-check-result") == "passed"
    assert page.locator("tr[data-passed='false']").count() == 0

    # 部署: the same check, then the button.
    page.goto(f"/design/drafts/{draft_id}/deploy")
    page.click("form[data-deploy-form] button:has-text('部署')")
    page.wait_for_url("**/design/processes/formal_plan")
    assert page.locator("tr[data-current]").get_attribute("data-version") == "2"
    assert js_errors == [], json.dumps(js_errors, ensure_ascii=False)

    # A plan whose formal plan opens now runs on v2: submitted, it reaches 专家评审 in the office's 待办.
    submit_a_plan_after_the_deploy(live_server)
    _, office, office_errors = new_context()
    log_in(office, *OFFICE)
    office.goto("/tasks/")
    # (the 环节 filter above the list offers 专家评审 too, now that the BPMN declares it: look in the rows)
    expect(office.locator("tr[data-task-id]", has_text="专家评审").first).to_be_visible()
    assert office_errors == [] and live_server.errors == []


def submit_a_plan_after_the_deploy(live_server) -> None:
    """inst1's enrolment (approved by the demo): its 比对分析报告 filed and approved — formal_plan starts
    on the current version, v2 — and its 正式版 submitted, the way the demo loader drives a plan."""
    from demodata import plans as demo_plans
    from demodata.accounts import OFFICE as OFFICE_EMAIL
    from demodata.pilots import INSTITUTION
    from engine import runtime
    from engine.domain.auth import find_user
    from storage.models import Enrollment, HumanTask, Plan, ProcessInstance
    from webapp import db

    with live_server.app.app_context():
        session = db.session()
        office, institution = find_user(session, OFFICE_EMAIL), find_user(session, INSTITUTION)
        enrollment = session.query(Enrollment).filter_by(organization_id=institution.organization_id).one()
        spec = demo_plans.DEMO_PLANS[2]
        for form_key, actor, apply in demo_plans._steps(session, db.file_store(), office, institution, spec)[1:4]:
            runtime.complete_task(session, demo_plans._plan_task(session, enrollment.id, form_key), actor.id, apply)
            session.commit()
        plan = session.query(Plan).filter_by(enrollment_id=enrollment.id).one()
        formal = session.query(ProcessInstance).filter_by(process_key="formal_plan",
                                                          business_key=f"enrollment:{enrollment.id}").one()
        assert formal.definition.version == 2 and plan.status == "expert_review"
        assert session.query(HumanTask).filter_by(instance_id=formal.id, state="ready").one().title == "专家评审"
