"""流程设计 end to end in the test client: a designer adds 专家评审 to formal_plan in a draft, its
scenarios fail and the deploy is refused, the designer extends the scenarios in the browser, they pass,
the draft is deployed — the plan that started before finishes on version 1, a plan started afterwards
reaches 专家评审 — and version 1 is made current again."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import demodata
import workflows
from storage.models import DesignAudit, ProcessDefinition
from tests.webapp.bpmn_edits import EXPERT_TITLE, formal_plan_with_expert_review
from tests.webapp.helpers import all_rows, decide, page, remembered_password_hashes, text_of
from tests.webapp.pilot_flow import (
    enterprise_fixture,  # noqa: F401
    inbox_titles,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
    plan_form,
    plan_status,
    post_plan,
)
from tests.webapp.test_bpmn_as_truth import formal_version, open_task, plan_of, rival_plan_in_review

DESIGNER = ("designer@test.cn", "Design#123")
APPROVE = "  - complete: 正式版方案审核\n    as: office\n    with: {decision: approve}\n"
EXPERT_STEPS = ("  - expect: {tasks: [专家评审], stage: expert_review, stage_label: 专家评审中}\n"
                "  - complete: 专家评审\n    as: office\n    with: {decision: approve}\n")


@pytest.fixture
def designer(app, session_factory, make_client):
    with session_factory() as session, remembered_password_hashes():
        demodata.ensure_user(session, *DESIGNER, "designer", "对标达标提升专项行动办公室")
        session.commit()
    return make_client(*DESIGNER)


def formal_versions(session_factory) -> list[tuple[int, bool]]:
    return [(d.version, d.is_current) for d in all_rows(session_factory, select(ProcessDefinition).where(
        ProcessDefinition.key == "formal_plan").order_by(ProcessDefinition.version))]


def scenario_results(response) -> dict[str, str]:
    return {tr.get("data-scenario"): tr.get("data-passed")
            for tr in page(response).xpath("//table[@data-scenario-results]//tr[@data-scenario]")}


def extended(text: str) -> str:
    """A shipped formal_plan scenario with 专家评审 after each of the office's 通过."""
    return text.replace(APPROVE, APPROVE + EXPERT_STEPS)


def test_a_designer_adds_a_review_step_checks_it_deploys_it_and_rolls_it_back(
        designer, drafting, institution, institution_client, rival, rival_client, office_client, recruiting,
        session_factory):
    saved = designer.post("/design/processes/formal_plan/drafts",
                          json={"xml": formal_plan_with_expert_review().decode(), "note": "增加专家评审"})
    draft_id = saved.get_json()["draft_id"]
    assert saved.get_json()["problems"] == []

    # The shipped scenarios expect 公示 right after the office's 通过: they fail, and nothing deploys.
    checked = designer.get(f"/design/drafts/{draft_id}/scenarios")
    results = scenario_results(checked)
    assert results["审核通过，公示期满无意见，发布"] == "false" and results["正式版不予通过"] == "true"
    assert "期望待办任务 []，实际 [专家评审]" in text_of(checked)
    assert not page(checked).xpath("//form[@data-deploy-form]")
    refused = designer.post(f"/design/drafts/{draft_id}/deploy", data={"note": "增加专家评审"})
    assert refused.status_code == 422 and "没有部署" in text_of(refused)
    assert formal_versions(session_factory) == [(1, True)]

    # The designer extends the scenarios in the browser; now they pass and the draft deploys.
    texts = {f"text:{path.name}": extended(path.read_text(encoding="utf-8"))
             for path in sorted((workflows_folder() / "formal_plan").glob("*.yaml"))}
    assert designer.post(f"/design/drafts/{draft_id}/scenarios/edit", data=texts).status_code == 302
    assert set(scenario_results(designer.get(f"/design/drafts/{draft_id}/scenarios")).values()) == {"true"}
    deployed = designer.post(f"/design/drafts/{draft_id}/deploy", data={"note": "增加专家评审"})
    assert deployed.status_code == 302, text_of(deployed)
    assert formal_versions(session_factory) == [(1, False), (2, True)]
    audit = all_rows(session_factory, select(DesignAudit).where(DesignAudit.action == "deployed"))[0]
    assert (audit.version, audit.note, audit.summary["added"]) == (2, "增加专家评审",
                                                                    ["expert_review", "expert_gateway",
                                                                     "flow_expert_done", "flow_expert_approve",
                                                                     "flow_expert_return"])

    # The plan that started on version 1 finishes on it: 公示 right after the office's 通过.
    assert post_plan(institution_client, drafting.id, plan_form()).status_code == 302
    assert decide(office_client, open_task(session_factory, "review_plan").id, "approve").status_code == 302
    old_plan = plan_of(session_factory, institution.organization_id)
    assert (formal_version(session_factory, old_plan), plan_status(institution_client.get("/my/plans"),
                                                                     old_plan.id)) == (1, "公示中")

    # A plan started afterwards runs on version 2: the office's 待办 holds its 专家评审.
    plan = rival_plan_in_review(rival, rival_client, office_client, recruiting, session_factory)
    assert formal_version(session_factory, plan) == 2
    assert decide(office_client, open_task(session_factory, "review_plan", rival.organization_id).id,
                  "approve").status_code == 302
    assert EXPERT_TITLE in inbox_titles(office_client)

    # Version 1 made current again (its own, shipped scenarios pass): new plans skip 专家评审 again.
    version_1 = all_rows(session_factory, select(ProcessDefinition.id).where(
        ProcessDefinition.key == "formal_plan", ProcessDefinition.version == 1))[0]
    check = designer.get(f"/design/definitions/{version_1}/make-current")
    assert page(check).xpath("string(//*[@data-check-result]/@data-check-result)") == "passed"
    assert designer.post(f"/design/definitions/{version_1}/make-current", data={"note": "回退"}).status_code == 302
    assert formal_versions(session_factory) == [(1, True), (2, False)]
    trail = text_of(designer.get("/design/processes/formal_plan"))
    assert "设为当前版本" in trail and "回退" in trail and "增加专家评审" in trail


def workflows_folder():
    from pathlib import Path

    return Path(workflows.__file__).parent / "scenarios"


def test_a_scenario_file_that_cannot_be_read_is_refused_at_its_field(designer, session_factory):
    draft_id = designer.post("/design/processes/formal_plan/drafts",
                             json={"xml": formal_plan_with_expert_review().decode()}).get_json()["draft_id"]
    response = designer.post(f"/design/drafts/{draft_id}/scenarios/edit",
                             data={"new_name": "bad name!", "new_text": "steps: ["})
    assert response.status_code == 200
    assert page(response).xpath("string(//*[@data-field-error='new_name'])").startswith("文件名只能包含")
    response = designer.post(f"/design/drafts/{draft_id}/scenarios/edit",
                             data={"new_name": "broken", "new_text": "steps: ["})
    assert page(response).xpath("//*[@data-field-error='broken.yaml']")
    drafts = all_rows(session_factory, select(DesignAudit.action))
    assert "scenarios_saved" not in drafts
