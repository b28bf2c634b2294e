"""An integrator completes a whole compliance review through the API, finding every request from
/api/v1/openapi.json alone: 参与达标 (applying, multipart with the report), the institution's
达标产品评价 and the office's 形式审核及备案, to a certificate. Each body is built from the documented
schema (fields, choices, rows, the multipart row names) and validated against it before it is sent."""
from __future__ import annotations

from tests.webapp import openapi_client as oa
from tests.webapp.compliance_flow import (
    MEASURED,
    MODEL,
    REPORT,
    certificate_of,
    instance_of,
    published_fixture,  # noqa: F401
)
from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, multipart, pdf
from tests.webapp.pilot_flow import (
    INSTITUTION_EMAIL,
    MEMBER_PASSWORD,
    OTHER_EMAIL,
    OTHER_PASSWORD,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import approved_fixture, drafting_fixture  # noqa: F401


class Integrator:
    """One system's calls, all found in the document by operationId."""

    def __init__(self, client, doc: dict, email: str, password: str):
        self.client, self.doc = client, doc
        path, method, operation = oa.find(doc, "createToken")
        credentials = oa.fill(oa.request_schema(doc, operation, "application/json"),
                              {"email": email, "password": password})
        answer = self.client.open(path, method=method.upper(), json=credentials)
        oa.check_answer(doc, operation, answer)
        self.headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}

    def call(self, operation_id: str, params: dict | None = None, **kwargs):
        path, method, operation = oa.find(self.doc, operation_id)
        answer = self.client.open(oa.url(path, **(params or {})), method=method.upper(), headers=self.headers, **kwargs)
        oa.check_answer(self.doc, operation, answer)
        assert answer.status_code < 300, answer.get_json()
        return answer.get_json()

    def open_task(self, form_key: str) -> tuple[dict, dict]:
        """The inbox's task of ``form_key`` and its GET answer (the current form with its rows)."""
        (task,) = [t for t in self.call("listTasks")["tasks"] if t["form_key"] == form_key]
        return task, self.call("getTask", {"task_id": task["id"]})

    def complete(self, task: dict, wanted: dict) -> dict:
        """POST the task's documented form variant (chosen by the task's form key) as JSON."""
        _path, _method, operation = oa.find(self.doc, "completeTask")
        schema = oa.request_schema(self.doc, operation, "application/json", task["form_key"])
        body = oa.fill(schema, wanted)
        assert not list(oa.validator(self.doc, schema).iter_errors(body))
        return self.call("completeTask", {"task_id": task["id"]}, json=body)


def test_a_compliance_review_from_the_openapi_document_alone(client, published, institution, enterprise, office,
                                                            session_factory):
    doc = oa.load(client)

    applicant = Integrator(client, doc, OTHER_EMAIL, OTHER_PASSWORD)
    shown = applicant.call("getApplicationForm", {"plan_id": published})["form"]
    _path, _method, apply_operation = oa.find(doc, "applyForCompliance")
    schema = oa.request_schema(doc, apply_operation, "multipart/form-data")
    assert set(schema["properties"]) == set(shown["properties"])  # the document and the live form agree
    assert schema["properties"]["reports"]["items"]["format"] == "binary"
    institution_id = oa.choices(shown["properties"]["institution_id"])[0]
    rows = [{"measured": value} for value in MEASURED]
    assert len(rows) == len(shown["properties"]["measurements"]["default"])
    body = oa.fill(schema, {"product_model": MODEL, "institution_id": institution_id, "measurements": rows,
                            "note": "由对接系统提交"})
    fields = {**oa.as_multipart(schema, body), "reports": [pdf("检测报告.pdf", REPORT)]}
    created = applicant.call("applyForCompliance", {"plan_id": published}, **multipart(fields))["application"]
    assert created["status"] == "institution_review"

    evaluator = Integrator(client, doc, INSTITUTION_EMAIL, MEMBER_PASSWORD)
    task, detail = evaluator.open_task("evaluate_application")
    assert task["instance_id"] == created["instance_id"]
    _path, _method, complete_operation = oa.find(doc, "completeTask")
    variant = oa.request_schema(doc, complete_operation, "application/json", "evaluate_application")
    items = oa.rows(variant, "items", len(detail["form"]["properties"]["items"]["default"]),
                    {"verdict": "pass", "remark": "达到要求"})
    done = evaluator.complete(task, {"decision": "evaluate", "conclusion": "pass", "items": items})
    assert done["instance"]["stage"] == "office_review"

    office_system = Integrator(client, doc, OFFICE_EMAIL, OFFICE_PASSWORD)
    filing, _detail = office_system.open_task("file_evaluation")
    filed = office_system.complete(filing, {"decision": "approve"})
    assert filed["instance"] == {"id": created["instance_id"], "status": "completed", "stage": "issued"}

    instance = applicant.call("getInstance", {"instance_id": created["instance_id"]})
    assert (instance["status"], instance["stage"]) == ("completed", "issued")
    assert instance_of(session_factory, created["id"]).stage == "issued"
    assert certificate_of(session_factory, created["id"]) is not None
