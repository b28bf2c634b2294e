"""compliance_review and certificate_issuance: every path, on the real BPMN files."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine import runtime
from engine.domain import certificates, compliance
from engine.domain.compliance import ApplicationError, ApplicationInput, EvaluationInput
from storage.models import Application, Certificate, Message, ProcessInstance
from tests.engine.test_plan_chain import approved_enrollment, complete, pdf, ready  # noqa: F401
from tests.engine.test_publicity import end_publicity, in_publicity  # noqa: F401
from tests.factories import active_member

MEASURED = ["10N", "650", "4度", "5米"]
PASS_ITEMS = [{"verdict": "pass", "remark": "达到国际领先水平"}] * 4


@pytest.fixture
def published(deployed, session_factory, in_publicity, frozen_clock):  # noqa: F811
    office, institution, plan = in_publicity
    end_publicity(deployed, session_factory, frozen_clock)
    assert plan.status == "published"
    enterprise = active_member(deployed, "ent@test.cn", "enterprise", "绿源电动车股份有限公司")
    deployed.commit()
    return office, institution, enterprise, plan


def applied(session, tmp_path, enterprise, institution, plan, model="XX20", measured=MEASURED):
    application = compliance.apply(session, enterprise, plan.id, ApplicationInput(
        model, institution.organization_id, list(measured), "", [pdf(session, tmp_path, f"检测报告{model}.pdf")]))
    session.commit()
    return application


def stage_of(session, application):
    session.expire_all()
    instance = session.get(ProcessInstance, application.instance_id)
    return instance.status, instance.stage, session.get(Application, application.id).status


def evaluate(session, who, conclusion="pass", items=PASS_ITEMS, explanation="", form_key="evaluate_application"):
    return complete(session, form_key, who, lambda ctx: compliance.evaluate(
        ctx, EvaluationInput("evaluate", conclusion=conclusion, explanation=explanation, items=list(items))))


def file_(session, office, decision, reason=""):
    return complete(session, "file_evaluation", office, lambda ctx: compliance.file(ctx, decision, reason))


def test_pass_filed_issues_a_certificate(deployed, tmp_path, published):
    office, institution, enterprise, plan = published
    application = applied(deployed, tmp_path, enterprise, institution, plan)
    task = ready(deployed, "evaluate_application")
    assert (task.role, task.organization_id) == ("institution", institution.organization_id)
    assert stage_of(deployed, application) == ("running", "institution_review", "institution_review")
    evaluate(deployed, institution)
    assert stage_of(deployed, application) == ("running", "office_review", "office_review")
    assert ready(deployed, "file_evaluation").role == "office"
    file_(deployed, office, "approve")
    assert stage_of(deployed, application) == ("completed", "issued", "issued")
    certificate = deployed.scalars(select(Certificate)).one()
    assert certificate.number.startswith("DBDB-") and len(certificate.code) == 16
    assert certificate.facts["product_model"] == "XX20" and certificate.facts["institution"] == "华标检测认证有限公司"
    assert certificate.facts["standard_number"] == plan.standard_number
    rows, total = certificates.results(deployed, "")
    assert total == 1 and rows[0].number == certificate.number
    titles = deployed.scalars(select(Message.title).where(Message.organization_id == enterprise.organization_id)).all()
    assert "达标证书已颁发" in titles


def test_institution_returns_then_enterprise_corrects(deployed, tmp_path, published):
    office, institution, enterprise, plan = published
    application = applied(deployed, tmp_path, enterprise, institution, plan)
    with pytest.raises(ApplicationError, match="审核意见"):
        runtime.complete_task(deployed, ready(deployed, "evaluate_application"), institution.id,
                              lambda ctx: compliance.evaluate(ctx, EvaluationInput("return", opinion=" ")))
    deployed.rollback()
    complete(deployed, "evaluate_application", institution,
             lambda ctx: compliance.evaluate(ctx, EvaluationInput("return", opinion="缺少低碳指标检测报告")))
    assert stage_of(deployed, application) == ("running", "returned", "returned")
    task = ready(deployed, "correct_application")
    assert (task.role, task.organization_id) == ("enterprise", enterprise.organization_id)
    body = deployed.scalars(select(Message.body).where(Message.organization_id == enterprise.organization_id)).all()
    assert any("缺少低碳指标检测报告" in text for text in body)
    complete(deployed, "correct_application", enterprise, lambda ctx: compliance.resubmit(
        ctx, ApplicationInput("XX20", None, MEASURED, "补充报告", [])))
    assert stage_of(deployed, application) == ("running", "institution_review", "institution_review")
    history = compliance.submissions(deployed, application.id)
    assert [s.sequence for s in history] == [2, 1] and history[1].decision == "return"
    assert [r.file.original_name for r in history[0].reports] == ["检测报告XX20.pdf"]  # kept


def test_office_returns_to_institution_then_files_fail(deployed, tmp_path, published):
    office, institution, enterprise, plan = published
    application = applied(deployed, tmp_path, enterprise, institution, plan)
    evaluate(deployed, institution)
    file_(deployed, office, "return", "备注不完整")
    assert stage_of(deployed, application) == ("running", "evaluation_returned", "evaluation_returned")
    assert ready(deployed, "evaluate_application").task_name == "revise_evaluation"
    failing = [{"verdict": "pass", "remark": ""}, {"verdict": "fail", "remark": "转速不足"}] + PASS_ITEMS[:2]
    evaluate(deployed, institution, "fail", failing, "转速未达到指标值")
    file_(deployed, office, "approve")
    assert stage_of(deployed, application) == ("completed", "failed", "failed")
    assert deployed.scalars(select(Certificate)).first() is None
    assert [e.conclusion for e in compliance.evaluations(deployed, application.id)] == ["fail", "pass"]


def test_office_rejects(deployed, tmp_path, published):
    office, institution, enterprise, plan = published
    application = applied(deployed, tmp_path, enterprise, institution, plan)
    evaluate(deployed, institution)
    file_(deployed, office, "reject", "检测报告非有效机构出具")
    assert stage_of(deployed, application) == ("completed", "rejected", "rejected")


def test_withdraw_while_undecided_then_resubmit(deployed, tmp_path, published):
    _office, institution, enterprise, plan = published
    application = applied(deployed, tmp_path, enterprise, institution, plan)
    instance = deployed.get(ProcessInstance, application.instance_id)
    runtime.send_message(deployed, instance, "withdraw_application", enterprise.id, must_cancel="evaluate_application")
    deployed.commit()
    assert stage_of(deployed, application) == ("running", "withdrawn", "withdrawn")
    assert ready(deployed, "correct_application").task_name == "resubmit_application"


def test_evaluation_rules(deployed, tmp_path, published):
    _office, institution, enterprise, plan = published
    applied(deployed, tmp_path, enterprise, institution, plan)
    task = ready(deployed, "evaluate_application")
    required_fail = [{"verdict": "fail", "remark": ""}] + PASS_ITEMS[:3]
    for given, message in (
        (EvaluationInput("evaluate", conclusion="pass", items=required_fail), "防撞击"),
        (EvaluationInput("evaluate", conclusion="fail", items=PASS_ITEMS), "说明未达标情况"),
        (EvaluationInput("evaluate", conclusion=None, items=PASS_ITEMS), "评价结论"),
        (EvaluationInput("evaluate", conclusion="pass", items=PASS_ITEMS[:2]), "指标项"),
    ):
        with pytest.raises(ApplicationError, match=message):
            runtime.complete_task(deployed, task, institution.id, lambda ctx, g=given: compliance.evaluate(ctx, g))
        deployed.rollback()
    # An optional (智能化) indicator judged 未达标 still allows 达标.
    optional_fail = PASS_ITEMS[:3] + [{"verdict": "fail", "remark": "误差偏大"}]
    evaluate(deployed, institution, "pass", optional_fail)


def test_application_refusals(deployed, tmp_path, published):
    _office, institution, enterprise, plan = published
    other_institution = active_member(deployed, "inst9@test.cn", "institution", "未参与试点的机构")

    def attempt(model="XX20", institution_id=institution.organization_id, measured=MEASURED, reports=True):
        files = [pdf(deployed, tmp_path, "r.pdf")] if reports else []
        return compliance.apply(deployed, enterprise, plan.id,
                                ApplicationInput(model, institution_id, list(measured), "", files))

    for kwargs, message in (({"institution_id": other_institution.organization_id}, "第三方技术机构"),
                            ({"measured": ["", "650", "4度", "5米"]}, "防撞击"),
                            ({"measured": ["10N"]}, "指标项"),
                            ({"reports": False}, "检测报告")):
        with pytest.raises(ApplicationError, match=message):
            attempt(**kwargs)
        deployed.rollback()
    assert deployed.scalars(select(Application)).first() is None
    attempt(measured=["10N", "650", "4度", ""])  # 智能化 is optional
    deployed.commit()
    with pytest.raises(ApplicationError, match="进行中"):
        attempt(model=" xx 20 ")
    deployed.rollback()
    attempt(model="XX30")
    with pytest.raises(ApplicationError, match="只有企业"):
        compliance.apply(deployed, institution, plan.id, ApplicationInput("A", institution.organization_id,
                                                                         MEASURED, "", []))


def test_unpublished_plan_refused(deployed, tmp_path, in_publicity):  # noqa: F811
    _office, institution, plan = in_publicity
    enterprise = active_member(deployed, "ent@test.cn", "enterprise", "绿源电动车股份有限公司")
    with pytest.raises(ApplicationError, match="尚未发布"):
        compliance.apply(deployed, enterprise, plan.id, ApplicationInput(
            "XX20", institution.organization_id, MEASURED, "", [pdf(deployed, tmp_path, "r.pdf")]))


def test_revoked_certificate_leaves_results_and_frees_the_model(deployed, tmp_path, published):
    office, institution, enterprise, plan = published
    application = applied(deployed, tmp_path, enterprise, institution, plan)
    evaluate(deployed, institution)
    file_(deployed, office, "approve")
    certificate = certificates.for_application(deployed, application.id)
    with pytest.raises(Exception, match="撤销原因"):
        certificates.revoke(deployed, certificate, " ", office)
    certificates.revoke(deployed, certificate, "抽检不合格", office)
    deployed.commit()
    assert certificates.results(deployed, "")[1] == 0
    assert certificates.by_code(deployed, certificate.code.lower()).revoked_reason == "抽检不合格"
    applied(deployed, tmp_path, enterprise, institution, plan)  # the same model may apply again


def test_results_search(deployed, tmp_path, published):
    office, institution, enterprise, plan = published
    applied(deployed, tmp_path, enterprise, institution, plan)
    evaluate(deployed, institution)
    file_(deployed, office, "approve")
    for query, expected in (("绿源", 1), ("xx20", 1), (plan.standard_number.lower(), 1), ("华标", 1),
                            ("不存在的企业", 0), ("100%", 0)):
        assert certificates.results(deployed, query)[1] == expected, query
