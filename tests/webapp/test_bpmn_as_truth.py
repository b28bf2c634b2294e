"""The BPMN is the one source of truth: a designer adds a 专家评审 step or renames a stage by editing
BPMN only, deploys it with `duibiao db upgrade`, and every page and the API follow."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import HumanTask, Plan, ProcessDefinition, ProcessInstance
from tests.engine.bpmn_fixtures import BROKEN, broken
from tests.webapp.bpmn_edits import (
    EXPERT_LABEL,
    EXPERT_TITLE,
    OPINION_TITLE,
    formal_plan_with_expert_opinion,
    formal_plan_with_expert_review,
    registration_with_renamed_stage,
)
from tests.webapp.helpers import (
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    all_rows,
    api_token,
    decide,
    field_errors,
    first,
    multipart,
    page,
    pdf,
    text_of,
)
from tests.webapp.pilot_flow import (
    enrolled,
    enterprise_fixture,  # noqa: F401
    inbox_titles,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    messages,
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
    report_form,
)
from webapp.cli import main

EXPERT_REASON = "专家意见：安全指标的试验方法应引用最新版标准"


@pytest.fixture
def duibiao(app):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(main, list(args))


def deploy(app, duibiao, tmp_path, name: str, source: bytes):
    folder = tmp_path / "designer"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(source)
    app.config["WORKFLOWS_DIR"] = str(folder)
    return duibiao("db", "upgrade")


def open_task(session_factory, task_name: str, organization_id: int | None = None) -> HumanTask:
    """The one READY task of that name (in processes of that organisation's plan, when given)."""
    query = select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id).where(
        HumanTask.state == "ready", HumanTask.task_name == task_name)
    if organization_id is not None:
        query = query.where(ProcessInstance.started_by_org_id == organization_id)
    rows = all_rows(session_factory, query)
    assert len(rows) == 1, [(t.task_name, t.instance_id) for t in rows]
    return rows[0]


def plan_of(session_factory, organization_id: int) -> Plan:
    return first(session_factory, select(Plan).where(Plan.organization_id == organization_id))


def formal_version(session_factory, plan: Plan) -> int:
    instance = first(session_factory, select(ProcessInstance).where(
        ProcessInstance.process_key == "formal_plan",
        ProcessInstance.business_key == f"enrollment:{plan.enrollment_id}"))
    return first(session_factory, select(ProcessDefinition.version).where(
        ProcessDefinition.id == instance.definition_id))


def rival_plan_in_review(rival, rival_client, office_client, recruiting, session_factory) -> Plan:
    """The second institution enrolled, its report approved, its formal plan submitted: at 正式版方案审核."""
    enrolled(rival_client, session_factory, recruiting, rival)
    review = open_task(session_factory, "review_enrollment", rival.organization_id)
    assert decide(office_client, review.id, "approve").status_code == 302
    report = open_task(session_factory, "draft_report", rival.organization_id)
    response = rival_client.post(f"/tasks/{report.id}", **multipart(report_form("电动自行车专家评审方案",
                                                                                pdf("比对分析报告.pdf"))))
    assert response.status_code == 302, field_errors(response)
    review = open_task(session_factory, "review_report", rival.organization_id)
    assert decide(office_client, review.id, "approve").status_code == 302
    draft = open_task(session_factory, "draft_plan", rival.organization_id)
    assert post_plan(rival_client, draft.id, plan_form()).status_code == 302
    return plan_of(session_factory, rival.organization_id)


def download_status(client, link: str) -> int:
    response = client.get(link)
    response.close()
    return response.status_code


def decisions_shown(response) -> list[tuple[str, str, str]]:
    """历史 (办理记录) of a page: (环节, 办理结果, 意见) per row."""
    shown = []
    for tr in page(response).xpath("//table[@data-decisions]/tbody/tr"):
        cells = [" ".join(td.text_content().split()) for td in tr.xpath("./td")]
        shown.append((cells[0], cells[2], cells[3]))
    return shown


def test_an_expert_review_added_in_bpmn_only(
        app, duibiao, tmp_path, approved, drafting, institution, institution_client, rival, rival_client,
        office_client, recruiting, session_factory):
    result = deploy(app, duibiao, tmp_path, "formal_plan.bpmn", formal_plan_with_expert_review())
    assert result.exit_code == 0, result.output
    assert "formal_plan v2（新部署）" in result.output

    # The institution's plan started on version 1 finishes on it: no 专家评审 there.
    assert post_plan(institution_client, drafting.id, plan_form()).status_code == 302
    assert decide(office_client, open_task(session_factory, "review_plan").id, "approve").status_code == 302
    old_plan = plan_of(session_factory, institution.organization_id)
    assert formal_version(session_factory, old_plan) == 1
    assert plan_status(institution_client.get("/my/plans"), old_plan.id) == "公示中"

    # A plan started afterwards runs on version 2: after the office's 通过 comes the 专家评审.
    plan = rival_plan_in_review(rival, rival_client, office_client, recruiting, session_factory)
    assert formal_version(session_factory, plan) == 2
    assert decide(office_client, open_task(session_factory, "review_plan", rival.organization_id).id,
                  "approve").status_code == 302
    expert = open_task(session_factory, "expert_review", rival.organization_id)
    assert (expert.title, expert.role, expert.form_key) == (EXPERT_TITLE, "office", "generic_review")
    assert EXPERT_TITLE in inbox_titles(office_client)
    assert EXPERT_LABEL in text_of(office_client.get("/tasks/"))
    mine = rival_client.get("/my/plans")
    assert plan_status(mine, plan.id) == EXPERT_LABEL
    assert not page(mine).xpath(f"//tr[@data-plan-id='{plan.id}']//form")  # no 撤回: no boundary event here
    assert rival_client.post(f"/my/plans/{plan.id}/withdraw").status_code == 302
    assert open_task(session_factory, "expert_review", rival.organization_id).id == expert.id  # still open

    # The step offers what its BPMN declares (通过 / 退回修改), and a return needs its reason.
    form_page = page(office_client.get(f"/tasks/{expert.id}"))
    assert form_page.xpath("//input[@name='decision']/@value") == ["approve", "return"]
    refused = office_client.post(f"/tasks/{expert.id}", data={"decision": "reject", "reason": "x"})
    assert refused.status_code == 422
    assert field_errors(office_client.post(f"/tasks/{expert.id}", data={"decision": "return"}))["reason"]

    # The expert's 退回修改 reaches the institution with the expert's own reason.
    assert decide(office_client, expert.id, "return", EXPERT_REASON).status_code == 302
    mine = rival_client.get("/my/plans")
    assert plan_status(mine, plan.id) == "已退回（正式版）"
    assert EXPERT_REASON in text_of(mine)
    assert any(EXPERT_REASON in m for m in messages(rival_client))

    # Both reviews are in the history, each with its own decision and reason.
    correction = open_task(session_factory, "correct_plan", rival.organization_id)
    history = decisions_shown(rival_client.get(f"/tasks/{correction.id}"))
    assert ("正式版方案审核", "通过", "") in history
    assert (EXPERT_TITLE, "退回修改", EXPERT_REASON) in history
    done = text_of(office_client.get("/tasks/done"))
    assert EXPERT_TITLE in done and EXPERT_REASON in done

    # Corrected, reviewed again by both: the plan goes to 公示.
    assert post_plan(rival_client, correction.id, plan_form()).status_code == 302
    assert decide(office_client, open_task(session_factory, "review_plan", rival.organization_id).id,
                  "approve").status_code == 302
    assert decide(office_client, open_task(session_factory, "expert_review", rival.organization_id).id,
                  "approve").status_code == 302
    assert plan_status(rival_client.get("/my/plans"), plan.id) == "公示中"
    expert_rows = [h for h in decisions_shown(office_client.get(f"/tasks/done/{expert.id}")) if h[0] == EXPERT_TITLE]
    assert [row[1] for row in expert_rows] == ["退回修改", "通过"]


def test_a_generic_opinion_with_a_pdf(app, duibiao, tmp_path, approved, institution, institution_client,
                                      rival_client, office_client, session_factory):
    result = deploy(app, duibiao, tmp_path, "formal_plan.bpmn", formal_plan_with_expert_opinion())
    assert result.exit_code == 0, result.output
    report = open_task(session_factory, "draft_report")
    assert institution_client.post(f"/tasks/{report.id}", **multipart(report_form(
        "意见征询方案", pdf("比对分析报告.pdf")))).status_code == 302
    assert decide(office_client, open_task(session_factory, "review_report").id, "approve").status_code == 302
    assert post_plan(institution_client, open_task(session_factory, "draft_plan").id, plan_form()).status_code == 302
    assert decide(office_client, open_task(session_factory, "review_plan").id, "approve").status_code == 302
    opinion = open_task(session_factory, "expert_opinion")
    assert (opinion.title, opinion.form_key) == (OPINION_TITLE, "generic_opinion")
    empty = office_client.post(f"/tasks/{opinion.id}", **multipart({"opinion": ""}))
    assert empty.status_code == 422 and field_errors(empty)["opinion"]
    not_pdf = office_client.post(f"/tasks/{opinion.id}", **multipart({
        "opinion": "同意", "attachment": pdf("意见.pdf", b"<html>not a pdf</html>")}))
    assert not_pdf.status_code == 422 and field_errors(not_pdf)["attachment"]
    given = office_client.post(f"/tasks/{opinion.id}", **multipart({
        "opinion": "同意发布，建议补充低碳指标的测试条件", "attachment": pdf("专家意见.pdf")}))
    assert given.status_code == 302, field_errors(given)
    plan = plan_of(session_factory, institution.organization_id)
    assert plan_status(institution_client.get("/my/plans"), plan.id) == "公示中"
    shown = office_client.get(f"/tasks/done/{opinion.id}")
    # The attachment is listed under its label with its name (the answers of the generic_opinion form).
    assert (OPINION_TITLE, "已提交", "同意发布，建议补充低碳指标的测试条件 附件 专家意见.pdf") in decisions_shown(shown)
    (link,) = page(shown).xpath("//table[@data-decisions]//a/@href")
    assert download_status(office_client, link) == 200
    assert download_status(institution_client, link) == 200  # the plan's own institution takes part
    assert download_status(rival_client, link) == 403  # not a participant of this plan


def test_a_renamed_stage_shows_its_new_words_everywhere(app, duibiao, tmp_path, client, new_applicant, office_client,
                                                       make_client):
    result = deploy(app, duibiao, tmp_path, "registration_vetting.bpmn",
                    registration_with_renamed_stage("first_check", "初审中"))
    assert result.exit_code == 0, result.output
    applicant = new_applicant()
    applicant_client = make_client(applicant.email, applicant.password)
    assert "初审中" in text_of(applicant_client.get("/account/status"))
    assert "初审中" in text_of(office_client.get("/tasks/"))
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    body = client.get(f"/api/v1/instances/{applicant.instance_id}", headers=headers).get_json()
    assert (body["stage"], body["stage_label"]) == ("first_check", "初审中")


def test_db_upgrade_refuses_a_typo_in_a_form_key_naming_the_element(app, duibiao, tmp_path, session_factory):
    broken = formal_plan_with_expert_review().replace(b'value="generic_review"', b'value="generic_reveiw"')
    before = all_rows(session_factory, select(ProcessDefinition.id))
    result = deploy(app, duibiao, tmp_path, "formal_plan.bpmn", broken)
    assert result.exit_code == 1
    assert "formal_plan.expert_review" in result.output and "generic_reveiw" in result.output
    assert "没有部署任何流程" in result.output
    assert all_rows(session_factory, select(ProcessDefinition.id)) == before
    validate = duibiao("workflows", "validate", str(tmp_path / "designer" / "formal_plan.bpmn"))
    assert validate.exit_code == 1 and "formal_plan.expert_review" in validate.output


def test_co_drafters_see_the_stage_the_bpmn_declares(drafting, institution_client, enterprise, other_client,
                                                     office_client, session_factory):
    response = post_plan(institution_client, drafting.id, plan_form(co_drafters=[str(enterprise.organization_id)]))
    assert response.status_code == 302, field_errors(response)
    shown = page(other_client.get("/my/co-drafted"))
    assert [" ".join(td.text_content().split()) for td in shown.xpath("//tr[@data-plan-id]/td[6]")] == [
        "正式版审核中"]


@pytest.mark.parametrize("rule", sorted(BROKEN))
def test_each_rule_is_refused_by_validate_and_db_upgrade(app, duibiao, tmp_path, session_factory, rule):
    _old, _new, element, words = BROKEN[rule]
    path = tmp_path / "mini.bpmn"
    path.write_bytes(broken(rule))
    validate = duibiao("workflows", "validate", str(path))
    assert validate.exit_code == 1 and element in validate.output and words in validate.output, validate.output
    before = all_rows(session_factory, select(ProcessDefinition.id))
    upgrade = deploy(app, duibiao, tmp_path, "mini.bpmn", broken(rule))
    assert upgrade.exit_code == 1 and element in upgrade.output, upgrade.output
    assert all_rows(session_factory, select(ProcessDefinition.id)) == before


def test_a_task_whose_form_no_code_implements_puts_its_instance_in_error(
        app, client, applicant, new_applicant, office_client, session_factory):
    """An old version reaching a form key that no form implements: a clear message, 出错 for operators."""
    from engine import definitions
    from tests.webapp.bpmn_edits import shipped

    old = shipped("registration_vetting.bpmn").replace('value="vet_registration"', 'value="retired_form"', 1)
    with session_factory() as session:
        definitions.deploy_documents(session, [("registration_vetting.bpmn", old.encode())])  # no validation
        session.commit()
    retired = new_applicant("retired@test.cn")
    task = open_task(session_factory, "vet_registration", retired.organization_id)
    shown = office_client.get(f"/tasks/{task.id}", follow_redirects=True)
    assert "retired_form" in text_of(shown) and "出错" in text_of(shown)
    instance = first(session_factory, select(ProcessInstance).where(ProcessInstance.id == task.instance_id))
    assert instance.status == "error" and "retired_form" in instance.error
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    assert client.get(f"/api/v1/tasks/{task.id}", headers=headers).status_code == 409
    # Nothing else broke: the other registration's task still opens.
    other = open_task(session_factory, "vet_registration", applicant.organization_id)
    assert office_client.get(f"/tasks/{other.id}").status_code == 200



def test_validating_one_file_checks_it_among_the_processes_it_calls(duibiao, tmp_path):
    """formal_plan reads what its called 公示 sets (publication_result): checked alone, it passes."""
    path = tmp_path / "formal_plan_expert.bpmn"
    path.write_bytes(formal_plan_with_expert_review())
    result = duibiao("workflows", "validate", str(path))
    assert result.exit_code == 0, result.output
    path.write_bytes(formal_plan_with_expert_review().replace(b"publication_result", b"publication_reslt", 1))
    result = duibiao("workflows", "validate", str(path))
    assert result.exit_code == 1 and "publication_reslt" in result.output
