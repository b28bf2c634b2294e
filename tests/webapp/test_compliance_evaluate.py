"""达标产品评价 in the browser: the institution's list, 审核 (指标评价, 评价结论) and 退回 with 审核意见,
the enterprise's correction, and the office's 通过 / 退回修改 / 不予通过 of the evaluation."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import ApplicationSubmission, Certificate, Evaluation
from tests.webapp.compliance_flow import (
    FILING_REASON,
    MODEL,
    OPINION,
    PASS,
    REJECT_REASON,
    REPORT,
    application_fixture,  # noqa: F401
    application_row,
    applied,
    certificate_of,
    detail_facts,
    download,
    enterprise_client_fixture,  # noqa: F401
    evaluate,
    evaluate_form,
    file_form,
    file_it,
    instance_of,
    published_fixture,  # noqa: F401
    ready_task,
    ready_tasks_of,
    report_bytes,
    report_links,
    return_form,
    row_actions,
    row_ids,
    second_enterprise_client_fixture,  # noqa: F401
    second_enterprise_fixture,  # noqa: F401
    shown_stage,
)
from tests.webapp.helpers import all_rows, count, decide, field_errors, input_value, multipart, page, pdf, text_of
from tests.webapp.pilot_flow import (
    ENTERPRISE_NAME,
    enroll,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    messages,
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    STANDARD_NAME,
    STANDARD_NUMBER,
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
)

EXPLANATION = "转速未达到指标值 650"


def evaluation_task(session_factory, application) -> int:
    return ready_task(session_factory, "evaluate_application", application.instance_id).id


# --- 达标产品评价: the list --------------------------------------------------------------------------


def test_the_list_has_pending_and_reviewed_tabs_of_this_institution_only(
        published, recruiting, application, institution, institution_client, rival, rival_client, office_client,
        enterprise_client, second_enterprise_client, session_factory):
    # The rival enrols in the same pilot, so the second enterprise can choose it.
    assert enroll(rival_client, recruiting).status_code == 302
    assert decide(office_client, ready_task(session_factory, "review_enrollment").id, "approve").status_code == 302
    to_rival = applied(second_enterprise_client, session_factory, published, rival.organization_id)
    second = applied(enterprise_client, session_factory, published, institution.organization_id, model="XX30")
    evaluate(institution_client, session_factory, second.instance_id)

    listed = institution_client.get("/my/evaluations")
    assert listed.status_code == 200
    assert sorted(row_ids(listed)) == sorted([application.id, second.id])
    header = [" ".join(th.text_content().split()) for th in page(listed).xpath("//table[@data-evaluations]//th")]
    assert header == ["序号", "企业名称", "产品名称", "产品型号", "标准号", "提交时间", "状态", "操作"]
    row = " ".join(page(listed).xpath(f"string(//tr[@data-application-id='{application.id}'])").split())
    for expected in (ENTERPRISE_NAME, "两轮电动自行车", MODEL, STANDARD_NUMBER):
        assert expected in row, expected
    assert shown_stage(listed, application.id) == "待机构审核"
    assert shown_stage(listed, second.id) == "待专项办审核"
    assert row_actions(listed, application.id) == ["查看", "审核", "退回"]
    assert row_actions(listed, second.id) == ["查看"]
    task_id = evaluation_task(session_factory, application)
    links = page(listed).xpath(f"//tr[@data-application-id='{application.id}']//a/@href")
    assert links == [f"/my/applications/{application.id}", f"/tasks/{task_id}", f"/tasks/{task_id}?mode=return"]

    assert row_ids(institution_client.get("/my/evaluations?show=pending")) == [application.id]
    assert row_ids(institution_client.get("/my/evaluations?show=reviewed")) == [second.id]
    assert row_ids(rival_client.get("/my/evaluations")) == [to_rival.id]
    assert institution_client.get(f"/my/applications/{to_rival.id}").status_code == 404
    assert enterprise_client.get("/my/evaluations").status_code == 403

    # After 通过: the 证书 action appears.
    file_it(office_client, session_factory, second.instance_id, "approve")
    issued = institution_client.get("/my/evaluations?show=reviewed")
    assert shown_stage(issued, second.id) == "已发证"
    assert row_actions(issued, second.id) == ["查看", "证书"]


# --- 审核 ------------------------------------------------------------------------------------------


def test_the_review_page_shows_the_standard_and_the_downloadable_report(
        application, institution_client, rival_client, enterprise_client, second_enterprise_client,
        office_client, client, session_factory):
    response = institution_client.get(f"/tasks/{evaluation_task(session_factory, application)}")
    assert response.status_code == 200
    facts = detail_facts(response)
    assert facts["标准号"] == STANDARD_NUMBER and facts["标准名称"] == STANDARD_NAME
    assert facts["产品型号"] == MODEL and "检测报告.pdf" in facts["产品检测报告"]
    text = text_of(response)
    for expected in ("防撞击", "10N", "5米", "达标，该型号产品各项指标达到对标方案要求", "未达标，请说明未达标情况"):
        assert expected in text, expected
    root = page(response)
    assert root.xpath("//select[@name='items-0-verdict']/option/text()") == ["请选择", "达标", "未达标"]
    assert len(root.xpath("//select[contains(@name,'-verdict')]")) == 4
    assert len(root.xpath("//input[contains(@name,'-remark')]")) == 4

    (link,) = report_links(response)
    for who in (institution_client, enterprise_client, office_client):
        assert download(who, link) == (200, REPORT)
    assert download(rival_client, link)[0] == 403
    assert download(second_enterprise_client, link)[0] == 403
    assert download(client, link)[0] == 401

    returning = institution_client.get(f"/tasks/{evaluation_task(session_factory, application)}?mode=return")
    form = page(returning).xpath("//form[@id='evaluation-form']")[0]
    assert form.xpath(".//input[@name='decision']/@value") == ["return"]
    assert form.xpath(".//textarea[@name='opinion']") and not form.xpath(".//select")
    assert "请填写意见" in text_of(returning)


def test_an_evaluation_that_contradicts_itself_is_refused_at_the_field(
        application, institution_client, session_factory):
    task_id = evaluation_task(session_factory, application)
    cases = [  # (form, field, message)
        (evaluate_form(["fail", "pass", "pass", "pass"], "pass"), "conclusion",
         "必填指标“防撞击”未达标，评价结论不能为达标"),
        (evaluate_form(["pass", "fail", "fail", "pass"], "pass"), "conclusion",
         "必填指标“转速、百公里耗电”未达标，评价结论不能为达标"),
        (evaluate_form(["pass", "fail", "pass", "pass"], "fail", explanation="  "), "explanation",
         "评价结论为未达标时，请说明未达标情况"),
        (evaluate_form(PASS, None), "conclusion", "请选择评价结论"),
        (evaluate_form(["", "", "pass", "pass"], "pass"), "items", "请对每项指标作出指标评价（第 1、2 项）"),
    ]
    for form, name, message in cases:
        response = institution_client.post(f"/tasks/{task_id}", data=form)
        assert response.status_code == 422, form
        assert message in field_errors(response).get(name, []), (form, field_errors(response))
        assert count(session_factory, Evaluation) == 0
        assert evaluation_task(session_factory, application) == task_id
    # What was chosen stays chosen.
    again = institution_client.post(f"/tasks/{task_id}", data=evaluate_form(
        [("fail", "冲击力不足"), "pass", "pass", "pass"], "pass"))
    assert page(again).xpath("//select[@name='items-0-verdict']/option[@selected]/@value") == ["fail"]
    assert input_value(again, "items-0-remark") == "冲击力不足"

    # An optional (智能化) indicator 未达标 still allows 达标.
    evaluate(institution_client, session_factory, application.instance_id,
             items=["pass", "pass", "pass", ("fail", "定位误差 8 米")], conclusion="pass")
    (stored,) = all_rows(session_factory, select(Evaluation))
    assert stored.conclusion == "pass" and stored.items[3]["verdict"] == "fail"
    assert application_row(session_factory, application.id).status == "office_review"


# --- 退回 and the enterprise's correction ------------------------------------------------------------


def test_return_needs_an_opinion_which_reaches_the_enterprise_who_corrects(
        application, institution_client, enterprise_client, session_factory):
    task_id = evaluation_task(session_factory, application)
    empty = institution_client.post(f"/tasks/{task_id}?mode=return", data=return_form("   "))
    assert empty.status_code == 422
    assert field_errors(empty).get("opinion") == ["请填写审核意见"]
    assert page(empty).xpath("//form[@id='evaluation-form']//input[@name='decision']/@value") == ["return"]
    assert application_row(session_factory, application.id).status == "institution_review"

    assert institution_client.post(f"/tasks/{task_id}", data=return_form(OPINION)).status_code == 302
    notices = messages(enterprise_client)
    assert "达标申请被退回" in notices[0] and OPINION in notices[0]
    mine = enterprise_client.get("/my/enrollments")
    assert shown_stage(mine, application.id) == "已退回"
    assert row_actions(mine, application.id) == ["查看", "修改并重新提交"]
    shown = enterprise_client.get(f"/my/applications/{application.id}")
    assert OPINION in page(shown).xpath("string(//*[@data-return-reason])")
    assert ready_tasks_of(session_factory, "evaluate_application") == []

    correction = ready_task(session_factory, "correct_application", application.instance_id)
    assert (correction.role, correction.organization_id) == ("enterprise", application.enterprise_id)
    form = enterprise_client.get(f"/tasks/{correction.id}")
    assert OPINION in text_of(form) and input_value(form, "measurements-2-measured") == "4度"
    new_report = report_bytes("补充报告")
    missing = enterprise_client.post(f"/tasks/{correction.id}", **multipart({
        "product_model": MODEL, "measurements-0-measured": "", "measurements-1-measured": "650",
        "measurements-2-measured": "4度", "measurements-3-measured": ""}))
    assert missing.status_code == 422
    assert enterprise_client.post(f"/tasks/{correction.id}", **multipart({
        "product_model": MODEL, "reports": [pdf("低碳检测报告.pdf", new_report)], "note": "已补充低碳指标检测报告",
        "measurements-0-measured": "10N", "measurements-1-measured": "650",
        "measurements-2-measured": "3.8度", "measurements-3-measured": "5米"})).status_code == 302

    assert shown_stage(enterprise_client.get("/my/enrollments"), application.id) == "待机构审核"
    review = institution_client.get(f"/tasks/{evaluation_task(session_factory, application)}")
    facts = detail_facts(review)
    assert "低碳检测报告.pdf" in facts["产品检测报告"] and "第 2 次提交" in facts["提交时间"]
    assert "3.8度" in text_of(review) and "历次提交（1）" in text_of(review) and OPINION in text_of(review)
    assert download(institution_client, report_links(review)[0]) == (200, new_report)
    history = all_rows(session_factory, select(ApplicationSubmission).order_by(ApplicationSubmission.sequence))
    assert [(s.sequence, s.decision, s.reason) for s in history] == [(1, "return", OPINION), (2, None, None)]


# --- the office's filing ------------------------------------------------------------------------------


def test_office_approves_and_the_certificate_is_issued(
        application, institution_client, office_client, enterprise_client, session_factory):
    evaluate(institution_client, session_factory, application.instance_id)
    assert shown_stage(enterprise_client.get("/my/enrollments"), application.id) == "待专项办审核"
    task = ready_task(session_factory, "file_evaluation", application.instance_id)
    assert task.role == "office" and institution_client.get(f"/tasks/{task.id}").status_code == 403
    shown = office_client.get(f"/tasks/{task.id}")
    assert shown.status_code == 200
    text = text_of(shown)
    assert page(shown).xpath("//*[@data-conclusion]/@data-conclusion") == ["pass"]
    assert "通过 退回修改 不予通过" in text
    file_it(office_client, session_factory, application.instance_id, "approve")

    instance = instance_of(session_factory, application.id)
    assert (instance.status, instance.stage) == ("completed", "issued")
    mine = enterprise_client.get("/my/enrollments")
    assert shown_stage(mine, application.id) == "已发证"
    assert row_actions(mine, application.id) == ["查看", "证书"]
    assert certificate_of(session_factory, application.id) is not None
    assert any("达标证书已颁发" in m for m in messages(enterprise_client))
    assert any("达标证书已颁发" in m for m in messages(institution_client))


def test_office_returns_the_evaluation_to_the_institution(
        application, institution_client, office_client, enterprise_client, session_factory):
    evaluate(institution_client, session_factory, application.instance_id,
             items=[("pass", "达到国际领先水平")] * 4)
    task = ready_task(session_factory, "file_evaluation", application.instance_id)
    refused = office_client.post(f"/tasks/{task.id}", data=file_form("return", " "))
    assert refused.status_code == 422
    assert field_errors(refused).get("reason") == ["退回修改或不予通过时须填写原因"]
    file_it(office_client, session_factory, application.instance_id, "return", FILING_REASON)

    revise = ready_task(session_factory, "evaluate_application", application.instance_id)
    assert (revise.task_name, revise.organization_id) == ("revise_evaluation", application.institution_id)
    notices = messages(institution_client)
    assert "达标评价被专项办退回" in notices[0] and FILING_REASON in notices[0]
    listed = institution_client.get("/my/evaluations?show=pending")
    assert shown_stage(listed, application.id) == "待机构重新评价"
    assert row_actions(listed, application.id) == ["查看", "审核", "退回"]
    assert shown_stage(enterprise_client.get("/my/enrollments"), application.id) == "待机构重新评价"
    form = institution_client.get(f"/tasks/{revise.id}")
    assert FILING_REASON in page(form).xpath("string(//*[@data-return-reason])")
    assert page(form).xpath("//select[@name='items-0-verdict']/option[@selected]/@value") == ["pass"]
    assert input_value(form, "items-0-remark") == "达到国际领先水平"

    evaluate(institution_client, session_factory, application.instance_id,
             items=[("pass", "达到国际领先水平，见报告第 3 页")] * 4)
    assert ready_task(session_factory, "file_evaluation", application.instance_id)
    evaluations = all_rows(session_factory, select(Evaluation).order_by(Evaluation.sequence))
    assert [(e.sequence, e.decision, e.reason) for e in evaluations] == [(1, "return", FILING_REASON), (2, None, None)]


def test_office_rejects_for_good(application, institution_client, office_client, enterprise_client, session_factory):
    evaluate(institution_client, session_factory, application.instance_id)
    file_it(office_client, session_factory, application.instance_id, "reject", REJECT_REASON)
    instance = instance_of(session_factory, application.id)
    assert (instance.status, instance.stage) == ("completed", "rejected")
    mine = enterprise_client.get("/my/enrollments")
    assert shown_stage(mine, application.id) == "不予通过"
    assert row_actions(mine, application.id) == ["查看"]
    assert any("达标申请不予通过" in m and REJECT_REASON in m for m in messages(enterprise_client))
    assert count(session_factory, Certificate) == 0
    # The application is over: the model may apply again.
    again = applied(enterprise_client, session_factory, application.plan_id, application.institution_id)
    assert again.id != application.id


def test_a_failed_evaluation_filed_ends_without_a_certificate(
        application, institution_client, office_client, enterprise_client, session_factory):
    evaluate(institution_client, session_factory, application.instance_id,
             items=["pass", ("fail", "实测 600"), "pass", "pass"], conclusion="fail", explanation=EXPLANATION)
    file_it(office_client, session_factory, application.instance_id, "approve")
    instance = instance_of(session_factory, application.id)
    assert (instance.status, instance.stage) == ("completed", "failed")
    assert application_row(session_factory, application.id).status == "failed"
    assert count(session_factory, Certificate) == 0
    mine = enterprise_client.get("/my/enrollments")
    assert shown_stage(mine, application.id) == "未达标" and row_actions(mine, application.id) == ["查看"]
    assert any("未达标" in m and EXPLANATION in m for m in messages(enterprise_client))
    shown = enterprise_client.get(f"/my/applications/{application.id}")
    assert page(shown).xpath("//*[@data-conclusion]/@data-conclusion") == ["fail"]
    assert page(shown).xpath("//td[@data-verdict]/text()") == ["达标", "未达标", "达标", "达标"]
    assert EXPLANATION in text_of(shown) and not page(shown).xpath("//*[@data-certificate]")
