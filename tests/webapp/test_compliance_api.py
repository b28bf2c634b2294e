"""参与达标 through the JSON API with bearer tokens: the 申请达标 form of a published plan, applying
(multipart), the institution's evaluate_application and the office's file_evaluation as JSON."""
from __future__ import annotations

from werkzeug.datastructures import MultiDict

from storage.models import Application, ApplicationSubmission, Evaluation, StoredFile
from tests.webapp.compliance_flow import (
    MEASURED,
    MODEL,
    OUTSIDER_EMAIL,
    OUTSIDER_NAME,
    application_fixture,  # noqa: F401
    application_form,
    application_row,
    certificate_of,
    enterprise_client_fixture,  # noqa: F401
    instance_of,
    published_fixture,  # noqa: F401
    ready_task,
    ready_tasks_of,
)
from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, api_token, count, multipart, pdf
from tests.webapp.pilot_flow import (
    INSTITUTION_EMAIL,
    INSTITUTION_NAME,
    MEMBER_PASSWORD,
    NOT_PDF,
    OTHER_EMAIL,
    OTHER_PASSWORD,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    make_member,
    recruiting_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    STANDARD_NUMBER,
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
    end_publicity,
    publicised_fixture,  # noqa: F401
)

DUPLICATE = "该型号已有进行中的达标申请或已获证书"
NOT_ENROLLED = "请选择参与该试点的第三方技术机构"
MISMATCH = "指标项与对标方案不一致，请刷新页面后重新填写"
PASS_ITEMS = [{"verdict": "pass", "remark": "达到国际领先水平"}] * 4


def post_application(client, plan_id: int, headers: dict, **kw):
    return client.post(f"/api/v1/plans/{plan_id}/applications", headers=headers,
                       **multipart(application_form(**kw)))


def stored(session_factory) -> tuple[int, int, int]:
    return (count(session_factory, Application), count(session_factory, ApplicationSubmission),
            count(session_factory, StoredFile))


def test_the_application_form_schema(client, published, institution, enterprise, session_factory):
    make_member(session_factory, OUTSIDER_EMAIL, "institution", OUTSIDER_NAME)
    headers = api_token(client, OTHER_EMAIL, OTHER_PASSWORD)
    response = client.get(f"/api/v1/plans/{published}/application-form", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    properties = body["form"]["properties"]
    assert set(properties) == {"product_model", "institution_id", "reports", "measurements", "note"}
    assert properties["institution_id"]["oneOf"] == [{"const": institution.organization_id,
                                                      "title": INSTITUTION_NAME}]
    assert properties["institution_id"]["type"] == "integer"  # the type admits its own consts
    assert properties["reports"]["type"] == "array"
    assert properties["reports"]["items"]["contentMediaType"] == "application/pdf"
    measurements = properties["measurements"]
    assert measurements["type"] == "array" and measurements["default"] == [{"measured": ""}] * 4
    assert "measured" in measurements["items"]["properties"]
    assert {"product_model", "reports"} <= set(body["form"]["required"])
    context = body["context"]
    assert context["plan_id"] == published and context["product_name"] == "两轮电动自行车"
    assert [(i["level1"], i["level2"], i["value"], i["required"]) for i in context["indicators"]] == [
        ("safety", "防撞击", "10N", True), ("performance", "转速", "650", True),
        ("low_carbon", "百公里耗电", "4度", True), ("smart", "定位误差", "5米", False)]


def test_applying_through_the_api(client, published, institution, enterprise, session_factory):
    headers = api_token(client, OTHER_EMAIL, OTHER_PASSWORD)
    assert client.post(f"/api/v1/plans/{published}/applications",
                       **multipart(application_form(institution.organization_id))).status_code == 401
    response = post_application(client, published, headers, institution_id=institution.organization_id,
                                measured=["10N", "650", "4度", ""], note="通过接口提交")
    assert response.status_code == 201, response.get_json()
    created = response.get_json()["application"]
    assert created["status"] == "institution_review" and created["instance_id"]
    row = application_row(session_factory, created["id"])
    assert (row.product_model, row.enterprise_id, row.institution_id) == (
        MODEL, enterprise.organization_id, institution.organization_id)
    instance = client.get(f"/api/v1/instances/{created['instance_id']}", headers=headers).get_json()
    assert (instance["process"], instance["status"], instance["stage"], instance["stage_label"]) == (
        "compliance_review", "running", "institution_review", "待机构审核")
    inbox = client.get("/api/v1/tasks", headers=api_token(client, INSTITUTION_EMAIL, MEMBER_PASSWORD)).get_json()
    assert [(t["name"], t["process"], t["instance_id"]) for t in inbox["tasks"]] == [
        ("evaluate_application", "compliance_review", created["instance_id"])]


def test_bad_applications_get_chinese_errors_and_store_nothing(client, published, institution, enterprise,
                                                                 session_factory):
    outsider = make_member(session_factory, OUTSIDER_EMAIL, "institution", OUTSIDER_NAME)
    headers = api_token(client, OTHER_EMAIL, OTHER_PASSWORD)
    own = institution.organization_id
    before = stored(session_factory)
    for kw, name, message in (
            ({"institution_id": own, "model": None}, "product_model", "请填写产品型号"),
            ({"institution_id": own, "reports": []}, "reports", "请上传 PDF 文件"),
            ({"institution_id": own, "reports": [pdf("报告.docx", NOT_PDF)]}, "reports",
             "报告.docx：请上传 PDF 格式的文件"),
            ({"institution_id": outsider.organization_id}, "institution_id", NOT_ENROLLED),
            ({"institution_id": "一号机构"}, "institution_id", NOT_ENROLLED),
            ({"institution_id": own, "measured": MEASURED[:2]}, "measurements", MISMATCH)):
        response = post_application(client, published, headers, **kw)
        assert response.status_code == 422, kw
        errors = response.get_json()["errors"]
        assert errors.get(name) == [message], (kw, errors)
        assert stored(session_factory) == before, kw
    assert post_application(client, published, headers, institution_id=own).status_code == 201
    duplicate = post_application(client, published, headers, institution_id=own, model=" xx 20")
    assert duplicate.status_code == 422
    assert any(DUPLICATE in e for e in duplicate.get_json()["errors"].get("product_model", []))
    assert count(session_factory, Application) == 1


def test_a_missing_required_measurement_is_named_in_the_api_errors(client, published, institution, enterprise,
                                                                   session_factory):
    headers = api_token(client, OTHER_EMAIL, OTHER_PASSWORD)
    before = stored(session_factory)
    response = post_application(client, published, headers, institution_id=institution.organization_id,
                                measured=["10N", "", "4度", "5米"])
    assert response.status_code == 422
    assert stored(session_factory) == before
    errors = response.get_json()["errors"]
    assert any("检测值" in message or "必填指标" in message for message in errors.get("measurements", [])), errors


def test_only_enterprises_apply_and_only_to_published_plans(client, publicised, institution, enterprise,
                                                             app, frozen_clock, session_factory):
    headers = api_token(client, OTHER_EMAIL, OTHER_PASSWORD)
    unpublished = post_application(client, publicised, headers, institution_id=institution.organization_id)
    assert unpublished.status_code == 403
    assert unpublished.get_json() == {"error": "该对标方案尚未发布，不能申请达标"}
    assert client.get(f"/api/v1/plans/{publicised}/application-form", headers=headers).status_code == 403
    assert client.get("/api/v1/plans/999999/application-form", headers=headers).status_code == 404

    end_publicity(app, frozen_clock, session_factory)
    institution_headers = api_token(client, INSTITUTION_EMAIL, MEMBER_PASSWORD)
    refused = post_application(client, publicised, institution_headers, institution_id=institution.organization_id)
    assert refused.status_code == 403 and refused.get_json() == {"error": "只有企业用户可以申请达标"}
    assert client.get(f"/api/v1/plans/{publicised}/application-form", headers=institution_headers).status_code == 403
    assert count(session_factory, Application) == 0


def test_the_institution_and_the_office_complete_their_tasks_as_json(
        client, application, session_factory):
    institution = api_token(client, INSTITUTION_EMAIL, MEMBER_PASSWORD)
    enterprise = api_token(client, OTHER_EMAIL, OTHER_PASSWORD)
    office = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    task = ready_task(session_factory, "evaluate_application", application.instance_id)
    assert client.get(f"/api/v1/tasks/{task.id}", headers=enterprise).status_code == 403
    assert client.post(f"/api/v1/tasks/{task.id}", headers=enterprise, json={"decision": "return", "opinion": "x"}
                       ).status_code == 403

    shown = client.get(f"/api/v1/tasks/{task.id}", headers=institution)
    assert shown.status_code == 200
    body = shown.get_json()
    assert (body["task"]["form_key"], body["task"]["process"]) == ("evaluate_application", "compliance_review")
    form = body["form"]["properties"]
    assert form["items"]["type"] == "array" and form["items"]["default"] == [{"verdict": "", "remark": ""}] * 4
    assert {c["const"] for c in form["items"]["items"]["properties"]["verdict"]["oneOf"]} == {"pass", "fail"}
    assert {c["const"] for c in form["decision"]["oneOf"]} == {"evaluate", "return"}
    assert {c["const"] for c in form["conclusion"]["oneOf"]} == {"pass", "fail"}
    context = body["context"]
    assert context["plan"]["standard_number"] == STANDARD_NUMBER
    assert [m["measured"] for m in context["submission"]["measurements"]] == MEASURED
    assert [r["name"] for r in context["submission"]["reports"]] == ["检测报告.pdf"]

    contradicting = {"decision": "evaluate", "conclusion": "pass",
                     "items": [{"verdict": "fail", "remark": "冲击力不足"}] + PASS_ITEMS[1:]}
    refused = client.post(f"/api/v1/tasks/{task.id}", headers=institution, json=contradicting)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"conclusion": ["必填指标“防撞击”未达标，评价结论不能为达标"]}
    no_reason = client.post(f"/api/v1/tasks/{task.id}", headers=institution,
                            json={**contradicting, "conclusion": "fail", "explanation": ""})
    assert no_reason.status_code == 422
    assert no_reason.get_json()["errors"] == {"explanation": ["评价结论为未达标时，请说明未达标情况"]}
    assert count(session_factory, Evaluation) == 0

    accepted = client.post(f"/api/v1/tasks/{task.id}", headers=institution,
                           json={"decision": "evaluate", "conclusion": "pass", "items": PASS_ITEMS})
    assert accepted.status_code == 200, accepted.get_json()
    result = accepted.get_json()
    assert result["instance"]["stage"] == "office_review"
    assert [t["name"] for t in result["tasks"]] == ["file_evaluation"]
    again = client.post(f"/api/v1/tasks/{task.id}", headers=institution,
                        json={"decision": "evaluate", "conclusion": "pass", "items": PASS_ITEMS})
    assert again.status_code == 409 and again.get_json()["code"] == "already_handled"
    assert client.get(f"/api/v1/tasks/{task.id}", headers=institution).status_code == 409

    filing = ready_task(session_factory, "file_evaluation", application.instance_id)
    assert client.get(f"/api/v1/tasks/{filing.id}", headers=institution).status_code == 403
    assert client.get(f"/api/v1/tasks/{filing.id}", headers=office).get_json()["context"]["evaluations"][0][
        "conclusion"] == "pass"
    missing = client.post(f"/api/v1/tasks/{filing.id}", headers=office, json={"decision": "return", "reason": ""})
    assert missing.status_code == 422 and missing.get_json()["errors"] == {"reason": ["退回修改或不予通过时须填写原因"]}
    filed = client.post(f"/api/v1/tasks/{filing.id}", headers=office, json={"decision": "approve", "reason": ""})
    assert filed.status_code == 200, filed.get_json()
    assert filed.get_json()["instance"] == {"id": application.instance_id, "status": "completed", "stage": "issued"}
    assert client.post(f"/api/v1/tasks/{filing.id}", headers=office, json={"decision": "approve"}).status_code == 409
    assert instance_of(session_factory, application.id).stage == "issued"
    assert certificate_of(session_factory, application.id) is not None
    assert ready_tasks_of(session_factory, "file_evaluation") == []


def test_a_return_through_the_api_reaches_the_enterprise_task(client, application, session_factory):
    institution = api_token(client, INSTITUTION_EMAIL, MEMBER_PASSWORD)
    enterprise = api_token(client, OTHER_EMAIL, OTHER_PASSWORD)
    task = ready_task(session_factory, "evaluate_application", application.instance_id)
    empty = client.post(f"/api/v1/tasks/{task.id}", headers=institution, json={"decision": "return", "opinion": " "})
    assert empty.status_code == 422 and empty.get_json()["errors"] == {"opinion": ["请填写审核意见"]}
    done = client.post(f"/api/v1/tasks/{task.id}", headers=institution,
                       json={"decision": "return", "opinion": "请补充低碳指标检测报告"})
    assert done.status_code == 200 and done.get_json()["instance"]["stage"] == "returned"
    (correction,) = done.get_json()["tasks"]
    assert correction["form_key"] == "correct_application" and correction["role"] == "enterprise"
    shown = client.get(f"/api/v1/tasks/{correction['id']}", headers=enterprise).get_json()
    assert shown["form"]["properties"]["product_model"]["default"] == MODEL
    assert shown["context"]["submission"]["reason"] == "请补充低碳指标检测报告"
    data = MultiDict([("product_model", MODEL), *((f"measurements-{n}-measured", v) for n, v in enumerate(MEASURED))])
    resubmitted = client.post(f"/api/v1/tasks/{correction['id']}", headers=enterprise, data=data)
    assert resubmitted.status_code == 200, resubmitted.get_json()
    assert resubmitted.get_json()["instance"]["stage"] == "institution_review"
