"""参与达标 for the web tests: a plan driven through the real processes to 发布, an enterprise
applying against it (申请达标), the institution's 达标产品评价, the office's filing, the certificate,
and reading the pages involved.

The fixtures are plain module attributes, each named after its fixture with ``_fixture`` added
(``published_fixture`` is the fixture ``published``): a test module imports the ones it uses, and
the ones those use (``from tests.webapp.compliance_flow import published_fixture  # noqa: F401``).
The members and the pilot come from tests.webapp.pilot_flow, the plan from tests.webapp.plan_flow."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from storage.models import Application, Certificate, HumanTask, ProcessInstance
from tests.factories import PDF_BYTES
from tests.steps import step_is
from tests.webapp.helpers import all_rows, field_errors, first, multipart, page, pdf, text_of
from tests.webapp.pilot_flow import Member, make_member
from tests.webapp.plan_flow import APPROVED_AT, end_publicity, plan_form, plan_row, post_plan, ready

MODEL = "XX20"
MEASURED = ["10N", "650", "4度", "5米"]  # 安全, 性能, 低碳 (必填), 智能化 (可填)
PASS = ["pass"] * 4
OPINION = "检测报告未涵盖低碳指标，请补充百公里耗电检测报告"
FILING_REASON = "指标评价备注不完整，请补充说明"
REJECT_REASON = "检测报告非有效检测机构出具"
SECOND_ENTERPRISE_EMAIL, SECOND_ENTERPRISE_NAME = "ent2@test.cn", "绿源电动车股份有限公司"
OUTSIDER_EMAIL, OUTSIDER_NAME = "inst3@test.cn", "未参与试点检测中心"


def report_bytes(marker: str = "检测报告") -> bytes:
    return PDF_BYTES + b"%" + marker.encode() + b"\n"  # a comment after %%EOF keeps the PDF well-formed


REPORT = report_bytes()


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(name="published")
def published_fixture(app, approved, drafting, institution_client, office_client, session_factory,
                      frozen_clock) -> int:
    """The institution's plan (all four indicators, 智能化 included) approved, through 公示 without
    comments, and 发布 by the publicity timer: the plan's id."""
    response = post_plan(institution_client, drafting.id, plan_form())
    assert response.status_code == 302, field_errors(response)
    frozen_clock.set_now(APPROVED_AT)
    response = office_client.post(f"/tasks/{ready(session_factory, 'review_plan').id}", data={"decision": "approve"})
    assert response.status_code == 302, field_errors(response)
    end_publicity(app, frozen_clock, session_factory)
    assert plan_row(session_factory).status == "published"
    return approved


@pytest.fixture(name="enterprise_client")
def enterprise_client_fixture(enterprise, make_client):
    """The active enterprise (其他企业有限公司, pilot_flow's ``enterprise``), logged in."""
    return make_client(enterprise.email, enterprise.password)


@pytest.fixture(name="second_enterprise")
def second_enterprise_fixture(app, session_factory) -> Member:
    """Another active enterprise, with no application of its own."""
    return make_member(session_factory, SECOND_ENTERPRISE_EMAIL, "enterprise", SECOND_ENTERPRISE_NAME)


@pytest.fixture(name="second_enterprise_client")
def second_enterprise_client_fixture(second_enterprise, make_client):
    return make_client(second_enterprise.email, second_enterprise.password)


@pytest.fixture(name="application")
def application_fixture(published, institution, enterprise_client, session_factory) -> Application:
    """The enterprise's application (XX20, one report, all four 检测值), waiting for the institution."""
    return applied(enterprise_client, session_factory, published, institution.organization_id)


@dataclass
class Issued:
    application_id: int
    certificate_id: int
    number: str
    code: str


@pytest.fixture(name="issued")
def issued_fixture(application, institution_client, office_client, session_factory) -> Issued:
    """The application evaluated 达标 and filed 通过: its certificate."""
    evaluate(institution_client, session_factory, application.instance_id)
    file_it(office_client, session_factory, application.instance_id, "approve")
    certificate = certificate_of(session_factory, application.id)
    assert certificate is not None
    return Issued(application.id, certificate.id, certificate.number, certificate.code)


# --- driving the forms -----------------------------------------------------------------------


def application_form(institution_id=None, model: str | None = MODEL, measured=MEASURED, reports=None,
                     note: str | None = None) -> dict:
    """The 申请达标 form as the page posts it; ``None`` drops a field, ``reports=[]`` sends no file."""
    form: dict = {}
    if model is not None:
        form["product_model"] = model
    if institution_id is not None:
        form["institution_id"] = str(institution_id)
    chosen = [pdf("检测报告.pdf", REPORT)] if reports is None else reports
    if chosen:
        form["reports"] = chosen
    for index, value in enumerate(measured):
        form[f"measurements-{index}-measured"] = value
    if note is not None:
        form["note"] = note
    return form


def apply(client, plan_id: int, **kw):
    return client.post(f"/plans/{plan_id}/apply", **multipart(application_form(**kw)))


def applied(client, session_factory, plan_id: int, institution_id: int, model: str = MODEL, **kw) -> Application:
    response = apply(client, plan_id, institution_id=institution_id, model=model, **kw)
    assert response.status_code == 302, (field_errors(response), text_of(response))
    rows = all_rows(session_factory, select(Application).where(Application.product_model == model.strip())
                    .order_by(Application.id.desc()))
    assert rows and rows[0].instance_id is not None
    return rows[0]


def evaluate_form(items=PASS, conclusion: str | None = "pass", explanation: str = "", opinion: str = "",
                  decision: str = "evaluate") -> dict:
    """The 审核 form of /tasks/<id>: ``items`` are verdicts or (verdict, remark) pairs."""
    form = {"decision": decision, "explanation": explanation, "opinion": opinion}
    for index, item in enumerate(items):
        verdict, remark = item if isinstance(item, tuple) else (item, "")
        form[f"items-{index}-verdict"] = verdict
        form[f"items-{index}-remark"] = remark
    if conclusion is not None:
        form["conclusion"] = conclusion
    return form


def return_form(opinion: str) -> dict:
    """The 退回 form (/tasks/<id>?mode=return)."""
    return {"decision": "return", "opinion": opinion}


def file_form(decision: str, reason: str = "") -> dict:
    """The office's 达标结果形式审核及备案: approve | return | reject, with a reason."""
    return {"decision": decision, "reason": reason}


def evaluate(client, session_factory, instance_id: int, **kw) -> HumanTask:
    task = ready_task(session_factory, "evaluate_application", instance_id)
    response = client.post(f"/tasks/{task.id}", data=evaluate_form(**kw))
    assert response.status_code == 302, (field_errors(response), text_of(response))
    assert response.headers["Location"] == "/my/evaluations"  # back to 达标产品评价
    return task


def file_it(client, session_factory, instance_id: int, decision: str, reason: str = "") -> HumanTask:
    task = ready_task(session_factory, "file_evaluation", instance_id)
    response = client.post(f"/tasks/{task.id}", data=file_form(decision, reason))
    assert response.status_code == 302, (field_errors(response), text_of(response))
    assert response.headers["Location"] == "/tasks/"  # the office's work lives in 待办
    return task


# --- the database ----------------------------------------------------------------------------


def ready_tasks_of(session_factory, form_key: str, instance_id: int | None = None) -> list[HumanTask]:
    statement = select(HumanTask).where(HumanTask.state == "ready", step_is(form_key))
    if instance_id is not None:
        statement = statement.where(HumanTask.instance_id == instance_id)
    return all_rows(session_factory, statement.order_by(HumanTask.id))


def ready_task(session_factory, form_key: str, instance_id: int | None = None) -> HumanTask:
    tasks = ready_tasks_of(session_factory, form_key, instance_id)
    assert len(tasks) == 1, [(t.task_name, t.form_key) for t in tasks]
    return tasks[0]


def application_row(session_factory, application_id: int) -> Application:
    return first(session_factory, select(Application).where(Application.id == application_id))


def instance_of(session_factory, application_id: int) -> ProcessInstance:
    row = application_row(session_factory, application_id)
    return first(session_factory, select(ProcessInstance).where(ProcessInstance.id == row.instance_id))


def certificate_of(session_factory, application_id: int) -> Certificate | None:
    return first(session_factory, select(Certificate).where(Certificate.application_id == application_id))


# --- reading pages ---------------------------------------------------------------------------


def application_tr(response, application_id: int):
    rows = page(response).xpath(f"//tr[@data-application-id='{application_id}']")
    assert len(rows) == 1, text_of(response)
    return rows[0]


def shown_stage(response, application_id: int) -> str:
    """我参与的 / 达标产品评价: the 当前状态 of the application's row."""
    return application_tr(response, application_id).xpath("string(.//*[@data-stage])").strip()


def row_actions(response, application_id: int) -> list[str]:
    """The links and buttons in the row's last cell (操作)."""
    cell = application_tr(response, application_id).xpath("./td")[-1]
    return [" ".join(e.text_content().split()) for e in cell.xpath(".//a | .//button")]


def row_ids(response) -> list[int]:
    return [int(i) for i in page(response).xpath("//tr[@data-application-id]/@data-application-id")]


def measurement_errors(response) -> list[list[str]]:
    """The messages shown in each row of the 检测值 table."""
    return [[" ".join(e.text_content().split()) for e in tr.xpath(".//*[contains(@class,'invalid-feedback')]")]
            for tr in page(response).xpath("//table[@data-measurements]/tbody/tr")]


def detail_facts(response) -> dict[str, str]:
    """The 查看 / task page: the application's table (th → td)."""
    (table,) = page(response).xpath("//table[@data-application]")
    return {" ".join(tr.xpath("string(./th)").split()): " ".join(tr.xpath("string(./td)").split())
            for tr in table.xpath(".//tr")}


def report_links(response) -> list[str]:
    return page(response).xpath("//table[@data-application]//a[@data-file-link]/@href")


def download(client, url: str) -> tuple[int, bytes]:
    """(status, body) of a download, the response closed (a file response holds the file open)."""
    with client.get(url) as response:
        return response.status_code, response.data
