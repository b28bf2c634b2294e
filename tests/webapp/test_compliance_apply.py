"""申请达标 in the browser: 参与达标 links in 对标方案, the apply page, refusals at the field, success
into 我参与的, 撤回 and 修改并重新提交, and a task posted twice."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Application, ApplicationSubmission, Evaluation, Measurement, StoredFile
from tests.webapp.compliance_flow import (
    MEASURED,
    MODEL,
    OUTSIDER_EMAIL,
    OUTSIDER_NAME,
    application_fixture,  # noqa: F401
    application_row,
    applied,
    apply,
    detail_facts,
    enterprise_client_fixture,  # noqa: F401
    evaluate,
    measurement_errors,
    published_fixture,  # noqa: F401
    ready_task,
    ready_tasks_of,
    report_bytes,
    report_links,
    row_actions,
    row_ids,
    second_enterprise_client_fixture,  # noqa: F401
    second_enterprise_fixture,  # noqa: F401
    shown_stage,
)
from tests.webapp.helpers import all_rows, count, decide, field_errors, flashes, input_value, page, pdf, text_of
from tests.webapp.pilot_flow import (
    ENTERPRISE_NAME,
    INSTITUTION_NAME,
    NOT_PDF,
    RIVAL_NAME,
    enroll,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    make_member,
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    STANDARD_NAME,
    STANDARD_NUMBER,
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
    end_publicity,
    publicised_fixture,  # noqa: F401
)

PRODUCT = "两轮电动自行车"
DUPLICATE = "该型号已有进行中的达标申请或已获证书"


def apply_links(response) -> dict[int, str]:
    root = page(response)
    return {int(tr.get("data-plan-id")): tr.xpath("string(.//a[@data-apply]/@href)")
            for tr in root.xpath("//table[@data-catalog]/tbody/tr[@data-plan-id]")}


def stored(session_factory) -> tuple[int, int, int]:
    return (count(session_factory, Application), count(session_factory, ApplicationSubmission),
            count(session_factory, StoredFile))


# --- 对标方案 → 参与达标 -----------------------------------------------------------------------------


def test_apply_is_offered_for_published_plans_to_active_enterprises_only(
        app, frozen_clock, publicised, institution, enterprise_client, applicant_client, institution_client,
        client, session_factory):
    # In 公示: listed, but nobody may apply.
    assert apply_links(enterprise_client.get("/plans/")) == {publicised: ""}
    assert not page(enterprise_client.get(f"/plans/{publicised}")).xpath("//a[@data-apply]")
    refused = apply(enterprise_client, publicised, institution_id=institution.organization_id)
    assert refused.status_code == 302 and refused.headers["Location"] == f"/plans/{publicised}"
    assert "该对标方案尚未发布，不能申请达标" in flashes(enterprise_client.get(refused.headers["Location"]))
    assert enterprise_client.get(f"/plans/{publicised}/apply").status_code == 302
    assert stored(session_factory)[:2] == (0, 0)

    end_publicity(app, frozen_clock, session_factory)
    assert apply_links(enterprise_client.get("/plans/")) == {publicised: f"/plans/{publicised}/apply"}
    assert page(enterprise_client.get(f"/plans/{publicised}")).xpath("//a[@data-apply]/@href") == [
        f"/plans/{publicised}/apply"]
    assert enterprise_client.get(f"/plans/{publicised}/apply").status_code == 200
    # Not for the public, a 第三方技术机构, or an enterprise still waiting for approval.
    for other in (client, institution_client, applicant_client):
        assert apply_links(other.get("/plans/")) == {publicised: ""}
        assert not page(other.get(f"/plans/{publicised}")).xpath("//a[@data-apply]")
    assert client.get(f"/plans/{publicised}/apply").status_code == 302  # to the login page
    assert institution_client.get(f"/plans/{publicised}/apply").status_code == 403
    pending = applicant_client.get(f"/plans/{publicised}/apply")
    assert pending.status_code == 302 and "/plans/" not in pending.headers["Location"]
    assert enterprise_client.get("/plans/999999/apply").status_code == 404


def test_the_apply_page_shows_the_plan_the_pilot_institutions_and_every_indicator(
        published, recruiting, institution, rival, rival_client, enterprise_client, office_client, session_factory):
    # A second institution enrolled in the same pilot and approved; a third one never enrolled.
    assert enroll(rival_client, recruiting).status_code == 302
    review = ready_task(session_factory, "review_enrollment")
    assert decide(office_client, review.id, "approve").status_code == 302
    make_member(session_factory, OUTSIDER_EMAIL, "institution", OUTSIDER_NAME)

    response = enterprise_client.get(f"/plans/{published}/apply")
    assert response.status_code == 200
    root = page(response)
    readonly = {i.get("value"): i.get("readonly") is not None
                for i in root.xpath("//input[contains(@class,'form-control-plaintext')]")}
    assert readonly == {PRODUCT: True, STANDARD_NUMBER: True, STANDARD_NAME: True}
    text = text_of(response)
    for label in ("产品名称", "产品型号", "标准号", "标准名称", "第三方技术机构", "产品检测报告", "检测值", "备注"):
        assert label in text, label
    options = {o.text_content().strip(): o.get("value") for o in root.xpath("//select[@name='institution_id']/option")}
    assert set(options) == {"请选择", INSTITUTION_NAME, RIVAL_NAME} and options["请选择"] == ""
    assert options[INSTITUTION_NAME] == str(institution.organization_id)
    assert OUTSIDER_NAME not in text
    (card,) = root.xpath(f"//*[@data-institution-details='{institution.organization_id}']")
    details = " ".join(card.text_content().split())
    for expected in (INSTITUTION_NAME, "北京市", "王经理", "13800138000", "北京市昌平区科技园永安路36号"):
        assert expected in details, expected
    assert "机构详情" in text
    assert root.xpath("//input[@type='file' and @name='reports' and @multiple]")

    rows = root.xpath("//table[@data-measurements]/tbody/tr")
    cells = [[" ".join(td.text_content().split()) for td in tr.xpath("./td")[:5]] for tr in rows]
    assert cells == [["安全（必填）", "防撞击", "10N", "ISO 12345-2020", "GB/T 1234"],
                     ["性能（必填）", "转速", "650", "JIS 12345-2021", "GB/T 1234"],
                     ["低碳（必填）", "百公里耗电", "4度", "GB 2233-2022", "GB/T 1234"],
                     ["智能化（可填）", "定位误差", "5米", "GB 2233-2022", "GB/T 1234"]]
    inputs = [tr.xpath(".//input")[0] for tr in rows]
    assert [i.get("name") for i in inputs] == [f"measurements-{n}-measured" for n in range(4)]
    assert [i.get("placeholder") for i in inputs] == ["必填", "必填", "必填", "可填"]
    assert [i.get("required") is not None for i in inputs] == [True, True, True, False]


# --- refusals -----------------------------------------------------------------------------------


BAD_STEP_ONE = [  # (form overrides, field, message)
    ({"model": None}, "product_model", "请填写产品型号"),
    ({"model": "   "}, "product_model", "请填写产品型号"),
    ({"reports": []}, "reports", "请上传 PDF 文件"),
    ({"reports": [pdf("检测报告.docx", NOT_PDF)]}, "reports", "检测报告.docx：请上传 PDF 格式的文件"),
    ({"reports": [pdf("检测报告.pdf"), pdf("伪装.pdf", NOT_PDF, "application/pdf")]}, "reports",
     "伪装.pdf：请上传 PDF 格式的文件"),
    ({"institution_id": "outsider"}, "institution_id", "请选择参与该试点的第三方技术机构"),
    ({"institution_id": "abc"}, "institution_id", "请选择参与该试点的第三方技术机构"),
    ({"institution_id": None}, "institution_id", "请选择参与该试点的第三方技术机构"),
]


def test_bad_step_one_input_is_refused_at_the_field_and_nothing_is_stored(
        published, institution, enterprise_client, session_factory):
    outsider = make_member(session_factory, OUTSIDER_EMAIL, "institution", OUTSIDER_NAME)
    before = stored(session_factory)
    for overrides, name, message in BAD_STEP_ONE:
        kw = {"institution_id": institution.organization_id, **overrides}
        if kw["institution_id"] == "outsider":
            kw["institution_id"] = outsider.organization_id
        response = apply(enterprise_client, published, **kw)
        assert response.status_code == 422, overrides
        assert field_errors(response).get(name) == [message], (overrides, field_errors(response))
        assert stored(session_factory) == before, overrides
    assert ready_tasks_of(session_factory, "evaluate_application") == []


def test_a_missing_required_measurement_is_refused_in_its_row(published, institution, enterprise_client,
                                                               session_factory):
    before = stored(session_factory)
    response = apply(enterprise_client, published, institution_id=institution.organization_id,
                     measured=["10N", " ", "4度", "5米"], note="备注说明")
    assert response.status_code == 422
    assert measurement_errors(response) == [[], ["必填指标请填写检测值"], [], []]
    # What was typed is kept (the report has to be chosen again: browsers never keep a file input).
    assert input_value(response, "product_model") == MODEL
    assert input_value(response, "measurements-2-measured") == "4度"
    assert stored(session_factory) == before
    # The message is marked as the field of its own row (the 2nd, 性能), not the first row's.
    assert field_errors(response).get("measurements-1") == ["必填指标请填写检测值"], field_errors(response)


def test_measurements_that_do_not_match_the_plan_are_refused_with_a_message(
        published, institution, enterprise_client, session_factory):
    """A page older than the published plan (or a hand-made post) sends too few 检测值."""
    before = stored(session_factory)
    short = apply(enterprise_client, published, institution_id=institution.organization_id, measured=MEASURED[:2])
    assert short.status_code == 422
    assert stored(session_factory) == before
    assert field_errors(short).get("measurements") == ["指标项与对标方案不一致，请刷新页面后重新填写"], text_of(short)


def test_the_optional_smart_indicator_may_be_left_empty(published, institution, enterprise_client, session_factory):
    application = applied(enterprise_client, session_factory, published, institution.organization_id,
                          measured=["10N", "650", "4度", ""])
    values = [m.measured for m in all_rows(session_factory, select(Measurement).order_by(Measurement.position))]
    assert values == ["10N", "650", "4度", ""]
    assert application.product_name == PRODUCT and application.status == "institution_review"


def test_a_second_open_application_for_the_same_model_is_refused(
        published, institution, application, enterprise_client, second_enterprise, second_enterprise_client,
        session_factory):
    before = stored(session_factory)
    for model in (MODEL, " xx20 ", "X X 2 0", "ＸＸ２０"):
        response = apply(enterprise_client, published, institution_id=institution.organization_id, model=model)
        assert response.status_code == 422, model
        assert any(DUPLICATE in e for e in field_errors(response).get("product_model", [])), field_errors(response)
        assert stored(session_factory) == before, model
    # Another model of the same enterprise, and the same model of another enterprise, are fine.
    applied(enterprise_client, session_factory, published, institution.organization_id, model="XX30")
    other = applied(second_enterprise_client, session_factory, published, institution.organization_id)
    assert other.enterprise_id == second_enterprise.organization_id
    assert count(session_factory, Application) == 3


def test_step_one_asks_whether_the_model_is_free(published, institution, application, enterprise_client,
                                               second_enterprise_client, client):
    url = f"/plans/{published}/apply/model-check"
    taken = enterprise_client.get(url, query_string={"model": " xx20 "}).get_json()
    assert DUPLICATE in taken["message"]
    assert enterprise_client.get(url, query_string={"model": "XX30"}).get_json() == {"message": None}
    # the same model is free for another enterprise; only enterprises ask
    assert second_enterprise_client.get(url, query_string={"model": MODEL}).get_json() == {"message": None}
    assert client.get(url, query_string={"model": MODEL}).status_code == 302  # login first


# --- success, 撤回, 修改并重新提交 ----------------------------------------------------------------------


def test_success_shows_the_application_in_my_participations(
        published, institution, institution_client, rival, rival_client, enterprise_client, session_factory):
    response = apply(enterprise_client, published, institution_id=institution.organization_id,
                     reports=[pdf("检测报告一.pdf"), pdf("检测报告二.pdf", report_bytes("二"))], note="首次申请")
    assert response.status_code == 302 and response.headers["Location"] == "/my/enrollments"
    mine = enterprise_client.get("/my/enrollments")
    assert "达标申请已提交，请等待第三方技术机构审核" in flashes(mine)
    (application,) = all_rows(session_factory, select(Application))
    assert (application.product_name, application.product_model, application.institution_id) == (
        PRODUCT, MODEL, institution.organization_id)
    row = " ".join(page(mine).xpath(f"string(//tr[@data-application-id='{application.id}'])").split())
    for expected in (PRODUCT, MODEL, STANDARD_NUMBER, INSTITUTION_NAME):
        assert expected in row, expected
    assert shown_stage(mine, application.id) == "待机构审核"
    assert row_actions(mine, application.id) == ["查看", "撤回"]

    shown = enterprise_client.get(f"/my/applications/{application.id}")
    facts = detail_facts(shown)
    assert facts["企业名称"] == ENTERPRISE_NAME and facts["产品型号"] == MODEL
    assert facts["标准号"] == STANDARD_NUMBER and facts["第三方技术机构"] == INSTITUTION_NAME
    assert "检测报告一.pdf" in facts["产品检测报告"] and "检测报告二.pdf" in facts["产品检测报告"]
    assert len(report_links(shown)) == 2 and "首次申请" in text_of(shown)
    # Only the chosen institution is asked, and only it (besides the office) sees the application.
    task = ready_task(session_factory, "evaluate_application")
    assert (task.role, task.organization_id) == ("institution", institution.organization_id)
    assert institution_client.get(f"/my/applications/{application.id}").status_code == 200
    assert rival_client.get(f"/tasks/{task.id}").status_code == 403
    assert rival_client.get(f"/my/applications/{application.id}").status_code == 404
    assert row_ids(rival_client.get("/my/evaluations")) == []


def test_withdraw_while_undecided_then_resubmit(
        application, institution_client, enterprise_client, second_enterprise_client, session_factory):
    assert second_enterprise_client.post(f"/my/applications/{application.id}/withdraw").status_code == 404
    response = enterprise_client.post(f"/my/applications/{application.id}/withdraw")
    assert response.status_code == 302 and response.headers["Location"] == "/my/enrollments"
    mine = enterprise_client.get("/my/enrollments")
    assert "达标申请已撤回，您可以修改后重新提交" in flashes(mine)
    assert shown_stage(mine, application.id) == "已撤回"
    assert row_actions(mine, application.id) == ["查看", "修改并重新提交"]
    assert ready_tasks_of(session_factory, "evaluate_application") == []
    assert row_actions(institution_client.get("/my/evaluations"), application.id) == ["查看"]

    task = ready_task(session_factory, "correct_application", application.instance_id)
    form = enterprise_client.get(f"/tasks/{task.id}")
    assert input_value(form, "product_model") == MODEL
    assert input_value(form, "measurements-3-measured") == "5米"
    data = {"product_model": "XX20", "note": "补充说明", **{f"measurements-{n}-measured": v
                                                         for n, v in enumerate(["12N", "700", "3.5度", ""])}}
    resubmitted = enterprise_client.post(f"/tasks/{task.id}", data=data)
    assert resubmitted.status_code == 302 and resubmitted.headers["Location"] == "/my/enrollments"  # 我参与的
    assert shown_stage(enterprise_client.get("/my/enrollments"), application.id) == "待机构审核"
    review = institution_client.get(f"/tasks/{ready_task(session_factory, 'evaluate_application').id}")
    assert "12N" in text_of(review) and "补充说明" in text_of(review)
    assert "历次提交" in text_of(review) and "已撤回" in text_of(review)
    assert "检测报告.pdf" in detail_facts(review)["产品检测报告"]  # the earlier report is kept


def test_a_late_withdrawal_is_refused_naming_who_decided(application, institution_client, enterprise_client,
                                                         session_factory):
    evaluate(institution_client, session_factory, application.instance_id)
    late = enterprise_client.post(f"/my/applications/{application.id}/withdraw")
    assert late.status_code == 302
    (refusal,) = [f for f in flashes(enterprise_client.get("/my/enrollments")) if "无法撤回" in f]
    assert application_row(session_factory, application.id).status == "office_review"
    assert ready_task(session_factory, "file_evaluation", application.instance_id)
    # The 第三方技术机构 decided (the office has not seen it yet): the message must not blame 专项办.
    assert "专项办" not in refusal and "第三方技术机构" in refusal, refusal


def test_a_task_posted_twice_is_handled_once(application, institution_client, session_factory):
    task = ready_task(session_factory, "evaluate_application")
    first = institution_client.post(f"/tasks/{task.id}", data={
        "decision": "evaluate", "conclusion": "pass", **{f"items-{n}-verdict": "pass" for n in range(4)}})
    assert first.status_code == 302
    again = institution_client.post(f"/tasks/{task.id}", data={
        "decision": "evaluate", "conclusion": "pass", **{f"items-{n}-verdict": "pass" for n in range(4)}})
    assert again.status_code == 302 and again.headers["Location"] == "/tasks/"
    assert any("该任务已被" in f for f in flashes(institution_client.get("/tasks/")))
    assert count(session_factory, Evaluation) == 1
    assert len(ready_tasks_of(session_factory, "file_evaluation")) == 1


def test_my_participations_lists_only_my_own_applications(
        application, second_enterprise_client, enterprise_client):
    assert row_ids(second_enterprise_client.get("/my/enrollments")) == []
    assert "您还没有申请达标" in text_of(second_enterprise_client.get("/my/enrollments"))
    assert row_ids(enterprise_client.get("/my/enrollments")) == [application.id]
    assert second_enterprise_client.get(f"/my/applications/{application.id}").status_code == 404
