"""对标方案 in the browser: 我参与的 and 我的方案 (the status at every step), then
编制方案 (draft_report: 对标方案名称 + 比对分析报告) and the office's 平台备案及形式审核 (通过, 退回修改,
不予通过). The flow and the page readers are in tests/webapp/plan_flow.py."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import HumanTask, Plan, ProcessInstance
from tests.steps import step_is
from tests.webapp.helpers import (
    CJK,
    all_rows,
    decide,
    field_errors,
    first,
    flashes,
    input_value,
    multipart,
    open_task,
    page,
    pdf,
    statements_of,
    text_of,
)
from tests.webapp.pilot_flow import (
    INSTITUTION_NAME,
    NOT_PDF,
    enrolled,
    file_links,
    inbox_titles,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    is_login_redirect,
    make_pilot,
    messages,
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    PILOT_TITLE,
    PLAN_NAME,
    REASON,
    REPORT,
    STANDARD_NAME,
    STANDARD_NUMBER,
    action_links,
    approved_fixture,  # noqa: F401
    plan_cells,
    plan_form,
    plan_row,
    plan_status,
    post_plan,
    ready,
    ready_keys,
    report_form,
    report_submissions,
    stage_of,
    submit_report,
)

# --- 我参与的 and 我的方案 -------------------------------------------------------------------


def return_reason(response, plan_id: int) -> str:
    """我的方案: the 退回原因 line of the plan's row ('' when there is none)."""
    (row,) = page(response).xpath(f"//tr[@data-plan-id='{plan_id}']")
    return " ".join(row.xpath("string(.//*[@data-return-reason])").split())


def test_an_approved_enrolment_offers_to_draft_the_plan(approved, institution_client, session_factory):
    task = ready(session_factory, "draft_report")
    assert (task.role, task.process_key) == ("institution", "comparison_report")
    mine = institution_client.get("/my/enrollments")
    assert action_links(mine, "编制方案") == [f"/tasks/{task.id}"]

    plans = institution_client.get("/my/plans")
    assert plans.status_code == 200 and "我的方案" in text_of(plans)
    assert plan_status(plans, approved) == "待编制方案"
    assert plan_cells(plans, approved)[:2] == ["（未命名）", PILOT_TITLE]
    assert action_links(plans, "编制方案") == [f"/tasks/{task.id}"]
    assert action_links(plans, "提交正式版") == []

    form_page = institution_client.get(f"/tasks/{task.id}")
    assert form_page.status_code == 200
    text = text_of(form_page)
    assert "对标方案名称" in text and "比对分析报告" in text and PILOT_TITLE in text
    assert page(form_page).xpath("//input[@name='name']")
    assert page(form_page).xpath("//input[@name='comparison_report' and @type='file']")


def test_my_plans_shows_the_status_at_every_step(approved, institution_client, office_client,
                                                 session_factory):
    def status():
        return plan_status(institution_client.get("/my/plans"), approved)

    assert status() == "待编制方案"
    submit_report(institution_client, session_factory)
    assert status() == "比对分析报告审核中"
    assert action_links(institution_client.get("/my/plans"), "编制方案") == []
    assert decide(office_client, ready(session_factory, "review_report").id, "approve").status_code == 302
    assert status() == "方案编制中"
    draft = ready(session_factory, "draft_plan")
    assert action_links(institution_client.get("/my/plans"), "提交正式版") == [f"/tasks/{draft.id}"]
    response = post_plan(institution_client, draft.id, plan_form())
    assert response.status_code == 302, field_errors(response)
    assert status() == "正式版审核中"
    assert decide(office_client, ready(session_factory, "review_plan").id, "approve").status_code == 302
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, approved) == "公示中"
    assert plan_cells(mine, approved)[:4] == [PLAN_NAME, PILOT_TITLE, STANDARD_NUMBER, STANDARD_NAME]
    assert action_links(mine, "提交正式版") == [] and action_links(mine, "编制方案") == []


def test_my_plans_is_empty_before_any_approval(institution_client):
    response = institution_client.get("/my/plans")
    assert response.status_code == 200
    assert "报名审核通过后，可在此编制对标方案。" in text_of(response)
    assert page(response).xpath("//tr/@data-plan-id") == []


def test_my_plans_is_for_institutions_only(approved, other_client, office_client, client, rival_client):
    assert other_client.get("/my/plans").status_code == 403
    assert office_client.get("/my/plans").status_code == 403
    assert is_login_redirect(client.get("/my/plans"), "/my/plans")
    assert page(rival_client.get("/my/plans")).xpath("//tr/@data-plan-id") == []


def _plan_in_new_pilot(title, institution, institution_client, office, office_client, session_factory) -> int:
    """Another pilot, the institution enrolled and approved: the enrolment's id (its plan waits for 编制方案)."""
    pilot_id = make_pilot(session_factory, office, title=title)
    enrollment = enrolled(institution_client, session_factory, pilot_id, institution)
    assert decide(office_client, open_task(session_factory, enrollment.instance_id).id, "approve").status_code == 302
    return enrollment.id


def _open_task_of(session_factory, enrollment_id: int, form_key: str) -> HumanTask:
    return first(session_factory, select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
                 .where(ProcessInstance.business_key == f"enrollment:{enrollment_id}",
                        HumanTask.state == "ready", step_is(form_key)))


def test_my_plans_reads_as_many_statements_for_three_plans_as_for_one(
        app, institution, institution_client, office, office_client, session_factory):
    """The open tasks of every plan on the page come in one query, not two per plan; so do the tasks their
    step bars show done."""
    def my_plans():
        return statements_of(app, institution_client, "/my/plans")

    def new_plan(title: str) -> int:
        return _plan_in_new_pilot(title, institution, institution_client, office, office_client, session_factory)

    first_enrollment = new_plan("智能门锁产品试点第三方技术机构招募")
    my_plans()  # the step bars' main path of the version read once (engine.progress caches it per version)
    one, one_statements = my_plans()
    assert len(page(one).xpath("//tr/@data-plan-id")) == 1

    drafting = [first_enrollment, new_plan("电动汽车充电桩产品试点第三方技术机构招募")]
    in_review = new_plan("扫地机器人产品试点第三方技术机构招募")
    report = _open_task_of(session_factory, in_review, "draft_report")
    response = institution_client.post(f"/tasks/{report.id}", **multipart(
        report_form(PLAN_NAME, pdf("比对分析报告.pdf", REPORT))))
    assert response.status_code == 302, field_errors(response)
    three, three_statements = my_plans()

    assert len(page(three).xpath("//tr/@data-plan-id")) == 3
    assert sorted(action_links(three, "编制方案")) == sorted(
        f"/tasks/{_open_task_of(session_factory, e, 'draft_report').id}" for e in drafting)
    (reviewed_plan,) = all_rows(session_factory, select(Plan.id).where(Plan.enrollment_id == in_review))
    assert page(three).xpath("//form[contains(@action, '/withdraw')]/@action") == [
        f"/my/plans/{reviewed_plan}/withdraw"]
    assert len(three_statements) == len(one_statements), (one_statements, three_statements)


# --- draft_report (编制方案) and the office's 平台备案及形式审核 -----------------------------


BAD_REPORTS = [
    (report_form(None, pdf("比对分析报告.pdf", REPORT)), "name", "请填写对标方案名称"),
    (report_form("   ", pdf("比对分析报告.pdf", REPORT)), "name", "请填写对标方案名称"),
    (report_form("方" * 201, pdf("比对分析报告.pdf", REPORT)), "name", "不能超过 200 个字"),
    (report_form(PLAN_NAME), "comparison_report", "请上传比对分析报告（PDF）"),
    (report_form(PLAN_NAME, pdf("比对分析报告.docx", NOT_PDF, "application/msword")), "comparison_report",
     "请上传 PDF 格式的文件"),
    (report_form(PLAN_NAME, pdf("伪装.pdf", NOT_PDF)), "comparison_report", "请上传 PDF 格式的文件"),
]


@pytest.mark.parametrize("form, field, message", BAD_REPORTS,
                         ids=["no-name", "blank-name", "long-name", "no-report", "word", "renamed"])
def test_a_bad_report_is_refused_at_its_field(approved, institution_client, session_factory,
                                              form, field, message):
    task = ready(session_factory, "draft_report")
    response = institution_client.post(f"/tasks/{task.id}", **multipart(form))
    assert response.status_code == 422
    assert field_errors(response) == {field: [message]}
    assert CJK.search(message)
    assert ready(session_factory, "draft_report").id == task.id
    assert report_submissions(session_factory) == []
    assert plan_row(session_factory).status == "report_drafting"
    if field != "name":
        assert input_value(response, "name") == PLAN_NAME


def test_an_empty_report_form_names_both_problems_at_once(approved, institution_client, session_factory):
    task = ready(session_factory, "draft_report")
    response = institution_client.post(f"/tasks/{task.id}", **multipart({"name": ""}))
    assert response.status_code == 422
    assert field_errors(response) == {"name": ["请填写对标方案名称"],
                                      "comparison_report": ["请上传比对分析报告（PDF）"]}
    assert report_submissions(session_factory) == []


def test_a_filed_report_reaches_the_office(approved, institution_client, office_client, session_factory):
    task = ready(session_factory, "draft_report")
    response = institution_client.post(f"/tasks/{task.id}", follow_redirects=True, **multipart(
        report_form(PLAN_NAME, pdf("比对分析报告.pdf", REPORT))))
    assert response.status_code == 200 and "提交成功" in flashes(response)
    plan = plan_row(session_factory)
    assert (plan.name, plan.status) == (PLAN_NAME, "report_review")
    assert stage_of(session_factory, task) == "report_review"
    ((sequence, data, decision, _reason, documents),) = report_submissions(session_factory)
    assert (sequence, data, decision, list(documents)) == (1, {"name": PLAN_NAME}, None, ["comparison_report"])

    review = ready(session_factory, "review_report")
    assert review.role == "office"
    assert "平台备案及形式审核" in inbox_titles(office_client)
    assert "平台备案及形式审核" not in inbox_titles(institution_client)
    shown = office_client.get(f"/tasks/{review.id}")
    assert shown.status_code == 200
    text = text_of(shown)
    for expected in (PILOT_TITLE, INSTITUTION_NAME, PLAN_NAME, "比对分析报告.pdf", "第 1 次提交"):
        assert expected in text, expected
    assert file_links(shown) == [f"/files/{documents['comparison_report']}"]
    assert {"通过", "退回修改", "不予通过"} <= {
        " ".join(label.text_content().split()) for label in page(shown).xpath("//label")}
    with office_client.get(file_links(shown)[0]) as download:
        assert download.status_code == 200 and download.data == REPORT
        assert download.mimetype == "application/pdf"


def test_returning_a_report_needs_a_reason(approved, institution_client, office_client, session_factory):
    submit_report(institution_client, session_factory)
    review = ready(session_factory, "review_report")
    response = decide(office_client, review.id, "return", "  ")
    assert response.status_code == 422
    assert field_errors(response) == {"reason": ["退回修改或不予通过时须填写原因"]}
    assert ready(session_factory, "review_report").id == review.id


def test_a_returned_report_is_corrected_keeping_its_file(approved, institution_client, office_client,
                                                          session_factory):
    submit_report(institution_client, session_factory)
    review = ready(session_factory, "review_report")
    assert decide(office_client, review.id, "return", REASON).status_code == 302

    notices = messages(institution_client)  # newest first, after 试点报名审核通过
    assert len(notices) == 2 and "比对分析报告被退回" in notices[0] and REASON in notices[0]
    assert "请在“我的方案”中修改后重新提交" in notices[0]
    correction = ready(session_factory, "draft_report")
    assert correction.task_name == "correct_report"
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, approved) == "已退回（比对分析报告）"
    assert return_reason(mine, approved) == f"退回原因：{REASON}"
    assert action_links(mine, "编制方案") == [f"/tasks/{correction.id}"]

    form_page = institution_client.get(f"/tasks/{correction.id}")
    assert form_page.status_code == 200
    assert REASON in page(form_page).xpath("string(//*[@data-return-reason])")
    assert input_value(form_page, "name") == PLAN_NAME
    assert "已上传：比对分析报告.pdf（不上传则沿用）" in text_of(form_page)  # kept unless another is chosen

    # The report filed before is kept: a correction without a file is not told to upload one.
    blank = institution_client.post(f"/tasks/{correction.id}", **multipart({"name": ""}))
    assert field_errors(blank) == {"name": ["请填写对标方案名称"]}
    response = institution_client.post(f"/tasks/{correction.id}",
                                       **multipart({"name": "两轮电动自行车对标方案（修订）"}))
    assert response.status_code == 302, field_errors(response)
    first_submission, second_submission = report_submissions(session_factory)
    assert first_submission[2:4] == ("return", REASON)
    assert second_submission[:3] == (2, {"name": "两轮电动自行车对标方案（修订）"}, None)
    assert second_submission[4] == first_submission[4]  # the earlier 比对分析报告 is kept
    assert plan_row(session_factory).status == "report_review"

    again = ready(session_factory, "review_report")
    shown = office_client.get(f"/tasks/{again.id}")
    text = text_of(shown)
    assert "第 2 次提交" in text and "两轮电动自行车对标方案（修订）" in text and REASON in text
    assert file_links(shown) == [f"/files/{first_submission[4]['comparison_report']}"]


def test_an_approved_report_opens_the_formal_plan(approved, institution_client, office_client,
                                                  session_factory):
    submit_report(institution_client, session_factory)
    assert decide(office_client, ready(session_factory, "review_report").id, "approve").status_code == 302
    notices = messages(institution_client)  # newest first, after 试点报名审核通过
    assert len(notices) == 2 and "比对分析报告审核通过" in notices[0] and PLAN_NAME in notices[0]
    assert report_submissions(session_factory)[0][2] == "approve"

    draft = ready(session_factory, "draft_plan")
    assert (draft.role, draft.process_key, draft.organization_id) == (
        "institution", "formal_plan", plan_row(session_factory).organization_id)
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, approved) == "方案编制中"
    assert action_links(mine, "提交正式版") == [f"/tasks/{draft.id}"]
    assert action_links(institution_client.get("/my/enrollments"), "提交正式版") == [f"/tasks/{draft.id}"]


def test_a_rejected_report_ends_the_plan(approved, institution_client, office_client, session_factory):
    submit_report(institution_client, session_factory)
    review = ready(session_factory, "review_report")
    assert decide(office_client, review.id, "reject", "比对分析不充分").status_code == 302
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, approved) == "不予通过"
    assert action_links(mine, "编制方案") == [] and action_links(mine, "提交正式版") == []
    assert ready_keys(session_factory) == []
    assert any("比对分析报告不予通过" in m and "比对分析不充分" in m for m in messages(institution_client))
