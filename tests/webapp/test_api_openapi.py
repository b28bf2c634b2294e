"""/api/v1/openapi.json: a valid OpenAPI 3.1 document built from the forms, documenting exactly the
routes that exist; every operation called with an example answers as documented; the browsable page
serves Swagger UI from the app's own static files."""
from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from forms import schema, tasks
from tests.webapp import openapi_client as oa
from tests.webapp.compliance_flow import (
    MEASURED,
    PASS,
    application_fixture,  # noqa: F401
    application_form,
    enterprise_client_fixture,  # noqa: F401
    evaluate_form,
    published_fixture,  # noqa: F401
    ready_task,
)
from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, api_token, multipart, page
from tests.webapp.pilot_flow import (  # noqa: F401
    INSTITUTION_EMAIL,
    MEMBER_PASSWORD,
    OTHER_EMAIL,
    OTHER_PASSWORD,
    enterprise_fixture,
    institution_client_fixture,
    institution_fixture,
    recruiting_fixture,
)
from tests.webapp.plan_flow import approved_fixture, drafting_fixture  # noqa: F401
from tests.webapp.test_api_operator import operator_api_fixture  # noqa: F401

ROUTE_VARIABLE = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def routes(app) -> set[tuple[str, str]]:
    """(path in OpenAPI spelling, method) of every /api/v1 route and /healthz."""
    found = set()
    for rule in app.url_map.iter_rules():
        path = ROUTE_VARIABLE.sub(r"{\1}", rule.rule)
        if path.startswith("/api/v1/") or path == "/healthz":
            found |= {(path, method.lower()) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def test_the_document_is_valid_openapi(client):
    doc = oa.load(client)
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert doc["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer",
                                                               "description": "访问令牌"}


def test_the_document_covers_exactly_the_routes(app, client):
    doc = oa.load(client)
    documented = {(path, method) for path, method, _op in oa.operations(doc)}
    assert documented == routes(app)


def test_every_operation_documents_its_errors(client):
    for _path, _method, operation in oa.operations(oa.load(client)):
        answers = operation["responses"]
        if operation.get("security") == []:
            continue
        assert {"401", "429"} <= set(answers), operation["operationId"]
        assert "Retry-After" in answers["429"]["headers"]
        if "422" in answers:
            assert answers["422"]["content"]["application/json"]["schema"] == oa.ref_to("Errors")


def test_task_bodies_come_from_the_forms_one_variant_per_form_key(app, client, session):
    doc = oa.load(client)
    _path, _method, operation = oa.find(doc, "completeTask")
    designed = tasks.designed_form_classes(session)  # the designer-made forms (workflows/forms/*.form)
    assert {"generic_review", "generic_opinion"} <= set(designed)
    classes = {key: spec.form_class for key, spec in tasks.TASK_FORMS.items()} | designed
    for media in ("application/json", "multipart/form-data"):
        variants = [oa.resolve(doc, v) for v in operation["requestBody"]["content"][media]["schema"]["oneOf"]]
        assert sorted(v["title"] for v in variants) == sorted(classes)
    with app.test_request_context():
        for key, form_class in classes.items():
            documented = oa.request_schema(doc, operation, "application/json", key)
            form = schema.form_schema(form_class())
            assert set(documented["properties"]) == set(form["properties"]), key
            assert documented["required"] == form["required"], key


def test_choices_known_only_per_task_are_described_not_invented(client):
    doc = oa.load(client)
    application = doc["components"]["schemas"]["ApplicationForm"]["properties"]["institution_id"]
    assert "oneOf" not in application and "GET" in application["description"]


def test_the_docs_page_serves_swagger_ui_from_static_files(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    root = page(response)
    sources = root.xpath("//script/@src") + root.xpath("//link[@rel='stylesheet']/@href")
    assert any("swagger-ui-bundle.js" in s for s in sources)
    for source in sources:
        assert source.startswith("/static/"), source  # no CDN
        served = client.get(source)
        served.close()  # a static file's answer holds the file open
        assert served.status_code == 200, source
    assert root.xpath("//div[@id='swagger-ui']/@data-spec-url") == ["/api/v1/openapi.json"]


# --- every operation, called with an example, answers as documented ------------------------


@pytest.fixture
def parties(client, application, office, operator_api):
    return {"enterprise": api_token(client, OTHER_EMAIL, OTHER_PASSWORD),
            "institution": api_token(client, INSTITUTION_EMAIL, MEMBER_PASSWORD),
            "office": api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD), "operator": operator_api, None: {}}


def examples(application, plan_id: int, task_id: int) -> list[tuple[str, str | None, dict, dict]]:
    """(operationId, who calls, path parameters, request) in an order that works on one flow."""
    evaluation = {"decision": "evaluate", "conclusion": "pass",
                  "items": [{"verdict": v, "remark": ""} for v in PASS]}
    instance = {"instance_id": application.instance_id}
    return [
        ("healthz", None, {}, {}), ("openapi", None, {}, {}), ("docs", None, {}, {}),
        ("createToken", None, {}, {"json": {"email": OFFICE_EMAIL, "password": OFFICE_PASSWORD}}),
        ("listTasks", "institution", {}, {"query_string": {"page": 1}}),
        ("getTask", "institution", {"task_id": task_id}, {}),
        # 评价 keeps no drafts: the documented 404 (drafts of 方案 are covered by test_plans_api.py).
        ("saveTaskDraft", "institution", {"task_id": task_id}, {"json": evaluation}),
        ("completeTask", "institution", {"task_id": task_id}, {"json": evaluation}),
        ("getInstance", "enterprise", instance, {}),
        ("searchEnterprises", "office", {}, {"query_string": {"q": "企业"}}),
        ("getApplicationForm", "enterprise", {"plan_id": plan_id}, {}),
        ("applyForCompliance", "enterprise", {"plan_id": plan_id},
         multipart(application_form(application.institution_id, model="XX30", measured=MEASURED))),
        ("operatorListInstances", "operator", {}, {"query_string": {"process": "compliance_review",
                                                                    "status": "running", "q": ""}}),
        ("operatorGetInstance", "operator", instance, {}),
        # The actions themselves run in test_api_operator_actions.py; here a refused example (no reason).
        ("operatorInstanceAction", "operator", {**instance, "action": "suspend"}, {"json": {"reason": ""}}),
        ("operatorReassignTask", "operator", {"task_id": task_id}, {"json": {"reason": " "}}),
    ]


def test_every_operation_answers_as_documented(client, parties, application, published, session_factory):
    doc = oa.load(client)
    task_id = ready_task(session_factory, "evaluate_application", application.instance_id).id
    calls = examples(application, published, task_id)
    assert sorted(c[0] for c in calls) == sorted(op["operationId"] for _p, _m, op in oa.operations(doc))
    for operation_id, who, params, request in calls:
        path, method, operation = oa.find(doc, operation_id)
        response = client.open(oa.url(path, **params), method=method.upper(), headers=parties[who], **request)
        oa.check_answer(doc, operation, response)
        expected = {"saveTaskDraft": 404, "operatorInstanceAction": 422, "operatorReassignTask": 422}
        assert response.status_code == expected.get(operation_id, int(next(iter(operation["responses"])))), (
            operation_id, response.get_data(as_text=True))


def test_without_a_token_every_protected_operation_answers_401_as_documented(client, application, published):
    doc = oa.load(client)
    params = {"task_id": 1, "instance_id": 1, "plan_id": published, "action": "suspend"}
    for path, method, operation in oa.operations(doc):
        if operation.get("security") == []:
            continue
        response = client.open(path.format(**params), method=method.upper(), json={})
        assert response.status_code == 401, operation["operationId"]
        oa.check_answer(doc, operation, response)


def test_an_evaluation_that_does_not_fit_answers_422_as_documented(client, parties, application, session_factory):
    doc = oa.load(client)
    task_id = ready_task(session_factory, "evaluate_application", application.instance_id).id
    path, method, operation = oa.find(doc, "completeTask")
    body = {**evaluate_form(), "items": "不是数组"}
    response = client.open(oa.url(path, task_id=task_id), method="POST", headers=parties["institution"], json=body)
    assert response.status_code == 422
    oa.check_answer(doc, operation, response)


def test_file_fields_say_they_go_as_multipart(client):
    doc = oa.load(client)
    reports = doc["components"]["schemas"]["ApplicationForm"]["properties"]["reports"]
    assert reports["items"]["format"] == "binary" and "multipart/form-data" in reports["description"]
