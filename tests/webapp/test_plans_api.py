"""对标方案 through the JSON API: the 提交正式版 form schema, saving a draft and submitting it
as JSON, and what the API refuses."""
from __future__ import annotations

from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, api_token, multipart, pdf
from tests.webapp.pilot_flow import (
    ENTERPRISE_NAME,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    DOCUMENTS,
    LABELS,
    PLAN_NAME,
    ROW_FIELDS,
    ROWS,
    STANDARD_NAME,
    STANDARD_NUMBER,
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
    indicator_rows,
    plan_form,
    plan_row,
    post_plan,
    ready,
    report_submissions,
)

# --- the JSON API ----------------------------------------------------------------------------


def test_api_formal_plan_schema_holds_the_saved_draft(drafting, client, institution, institution_client,
                                                      enterprise, session_factory):
    form = plan_form("save", rows=ROWS[:2], co_drafters=[str(enterprise.organization_id)])
    assert post_plan(institution_client, drafting.id, form).status_code == 302
    headers = api_token(client, institution.email, institution.password)
    response = client.get(f"/api/v1/tasks/{drafting.id}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["task"]["form_key"] == "draft_plan" and body["task"]["role"] == "institution"
    properties = body["form"]["properties"]

    indicators = properties["indicators"]
    assert indicators["type"] == "array"
    items = indicators["items"]
    assert items["type"] == "object"
    assert set(items["properties"]) == set(ROW_FIELDS)
    assert [c["const"] for c in items["properties"]["level1"]["oneOf"]] == list(LABELS)
    assert [c["title"] for c in items["properties"]["level1"]["oneOf"]] == [
        "安全（必填）", "性能（必填）", "低碳（必填）", "智能化（可填）"]
    assert items["properties"]["level2"]["type"] == "string"
    assert items["properties"]["level2"]["maxLength"] == 100
    assert set(items["required"]) == set(ROW_FIELDS)
    assert indicators["default"] == ROWS[:2]

    co_drafters = properties["co_drafters"]
    assert co_drafters["type"] == "array"
    assert co_drafters["items"]["oneOf"] == [{"const": enterprise.organization_id, "title": ENTERPRISE_NAME}]
    assert co_drafters["default"] == [enterprise.organization_id]
    assert properties["standard_number"]["default"] == STANDARD_NUMBER
    assert properties["standard_name"]["default"] == STANDARD_NAME
    for kind in DOCUMENTS:
        assert properties[kind]["format"] == "binary"
    assert {f["kind"] for f in body["context"]["draft_files"]} == set(DOCUMENTS)
    assert body["context"]["plan"]["name"] == PLAN_NAME


def test_api_saves_a_draft_then_submits_it_as_json(drafting, client, institution, office, session_factory):
    headers = api_token(client, institution.email, institution.password)
    fields = {"standard_number": "T/ABC 001—2023", "standard_name": STANDARD_NAME}
    for index, row in enumerate(ROWS[:2]):
        fields.update({f"indicators-{index}-{k}": v for k, v in row.items()})
    for kind, (name, data, _label) in DOCUMENTS.items():
        fields[kind] = pdf(name, data)
    saved = client.post(f"/api/v1/tasks/{drafting.id}/draft", headers=headers, **multipart(fields))
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["saved"] is True
    assert ready(session_factory, "draft_plan").id == drafting.id
    assert plan_row(session_factory).standard_number == STANDARD_NUMBER
    assert indicator_rows(session_factory) == ROWS[:2]
    schema = client.get(f"/api/v1/tasks/{drafting.id}", headers=headers).get_json()
    assert schema["form"]["properties"]["indicators"]["default"] == ROWS[:2]

    no_safety = client.post(f"/api/v1/tasks/{drafting.id}", headers=headers, json={
        "standard_number": STANDARD_NUMBER, "standard_name": STANDARD_NAME, "indicators": ROWS[1:]})
    assert no_safety.status_code == 422
    assert no_safety.get_json()["errors"]["indicators"] == ["一级指标“安全”至少需一项"]
    assert ready(session_factory, "draft_plan").id == drafting.id

    response = client.post(f"/api/v1/tasks/{drafting.id}", headers=headers, json={
        "standard_number": STANDARD_NUMBER, "standard_name": STANDARD_NAME, "indicators": ROWS})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["instance"]["stage"] == "plan_review"
    assert [(t["name"], t["form_key"]) for t in body["tasks"]] == [("review_plan", "generic_review")]
    ((_, snapshot, _, _, documents),) = report_submissions(session_factory, "plan")
    assert [{k: r[k] for k in ROW_FIELDS} for r in snapshot["indicators"]] == ROWS
    assert sorted(documents) == sorted(DOCUMENTS)  # the files came from the saved draft
    assert plan_row(session_factory).status == "plan_review"

    office_headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    review = ready(session_factory, "review_plan")
    context = client.get(f"/api/v1/tasks/{review.id}", headers=office_headers).get_json()["context"]
    assert context["submission"]["data"]["standard_number"] == STANDARD_NUMBER
    assert sorted(f["name"] for f in context["submission"]["files"]) == sorted(
        name for name, _d, _l in DOCUMENTS.values())
    refused = client.post(f"/api/v1/tasks/{review.id}/draft", headers=office_headers,
                          json={"decision": "approve"})
    assert refused.status_code == 404
    assert ready(session_factory, "review_plan").id == review.id


def test_api_draft_refuses_what_the_page_refuses(drafting, client, institution, rival, session_factory):
    headers = api_token(client, institution.email, institution.password)
    bad = client.post(f"/api/v1/tasks/{drafting.id}/draft", headers=headers,
                      json={"standard_number": "GB/T 1234", "indicators": ROWS[:1]})
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {"standard_number": ["标准号应包含发布年份，如 T/ABC 001-2023"]}
    assert indicator_rows(session_factory) == []

    rival_headers = api_token(client, rival.email, rival.password)
    assert client.get(f"/api/v1/tasks/{drafting.id}", headers=rival_headers).status_code == 403
    stolen = client.post(f"/api/v1/tasks/{drafting.id}/draft", headers=rival_headers,
                         json={"standard_number": STANDARD_NUMBER, "indicators": ROWS})
    assert stolen.status_code == 403
    assert client.post(f"/api/v1/tasks/{drafting.id}", headers=rival_headers,
                       json={"standard_number": STANDARD_NUMBER, "indicators": ROWS}).status_code == 403
    assert indicator_rows(session_factory) == [] and plan_row(session_factory).standard_number is None


def test_api_json_submit_reports_row_errors_with_their_row(drafting, client, institution, session_factory):
    headers = api_token(client, institution.email, institution.password)
    fields = {kind: pdf(name, data) for kind, (name, data, _label) in DOCUMENTS.items()}
    assert client.post(f"/api/v1/tasks/{drafting.id}/draft", headers=headers,
                       **multipart(fields)).status_code == 200
    rows = [*ROWS[:3], {**ROWS[3], "value": ""}]
    response = client.post(f"/api/v1/tasks/{drafting.id}", headers=headers, json={
        "standard_number": STANDARD_NUMBER, "standard_name": STANDARD_NAME, "indicators": rows})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors) == ["indicators"]
    assert errors["indicators"] == ["第 4 行 指标值：请填写指标值"]
    assert ready(session_factory, "draft_plan").id == drafting.id


def test_api_finds_co_drafters_by_name_for_institutions_only(client, institution, enterprise, applicant):
    headers = api_token(client, institution.email, institution.password)
    found = client.get("/api/v1/enterprises", query_string={"q": "其他企业"}, headers=headers)
    assert found.status_code == 200
    assert found.get_json() == {"enterprises": [{"id": enterprise.organization_id, "name": ENTERPRISE_NAME}]}
    pending = client.get("/api/v1/enterprises", query_string={"q": "深圳测试"}, headers=headers)
    assert pending.get_json() == {"enterprises": []}  # the applicant is not approved yet
    as_enterprise = api_token(client, enterprise.email, enterprise.password)
    refused = client.get("/api/v1/enterprises", query_string={"q": "其他"}, headers=as_enterprise)
    assert refused.status_code == 403 and "专项办" in refused.get_json()["error"]
    assert client.get("/api/v1/enterprises?q=其他").status_code == 401
