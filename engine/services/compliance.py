"""Service tasks of compliance_review (参与达标)."""
from __future__ import annotations

from engine import clock
from engine.domain.messages import notify
from engine.domain.reviews import record_decision
from engine.projection import project_onto
from engine.services import ServiceContext, inputs, service
from engine.text import N_
from storage.models import Application, ApplicationSubmission, Evaluation

inputs("compliance_review", "application_id", "submission_id", "enterprise_org_id", "institution_org_id")
project_onto("compliance_review", Application, "application_id")  # its status: the stage


def _application(context: ServiceContext, task) -> Application:
    return context.get(Application, task.data["application_id"])


def _touched(application: Application) -> None:
    application.updated_at = clock.now()  # its status is the BPMN stage, projected by the engine's save


def _label(application: Application) -> str:
    return f"产品：{application.product_name} {application.product_model}\n对标方案：{application.plan.name}"


@service("application.return")
def return_to_enterprise(context: ServiceContext, task) -> dict:
    application = _application(context, task)
    submission = context.get(ApplicationSubmission, task.data["submission_id"])
    _touched(application)
    notify(context.session, application.enterprise_id, N_("达标申请被退回"),
           f"{_label(application)}\n第三方技术机构：{application.institution.name}\n审核意见：{context.reason_given(submission.reason)}\n"
           "请在“我参与的”中修改后重新提交。", f"/my/applications/{application.id}")
    return {"returned_submission_id": submission.id}


@service("application.withdraw")
def withdraw(context: ServiceContext, task) -> dict:
    application = _application(context, task)
    submission = context.get(ApplicationSubmission, task.data["submission_id"])
    record_decision(submission, "withdrawn", None, context.actor_id)
    _touched(application)
    return {"withdrawn_submission_id": submission.id}


@service("application.evaluated")
def evaluated(context: ServiceContext, task) -> dict:
    """The institution's evaluation goes to the office; the gateway after filing reads its conclusion."""
    application = _application(context, task)
    evaluation = context.get(Evaluation, task.data["evaluation_id"])
    _touched(application)
    return {"conclusion": evaluation.conclusion, "evaluation_id": evaluation.id}


@service("evaluation.return")
def return_to_institution(context: ServiceContext, task) -> dict:
    application = _application(context, task)
    evaluation = context.get(Evaluation, task.data["evaluation_id"])
    _touched(application)
    notify(context.session, application.institution_id, N_("达标评价被专项办退回"),
           f"{_label(application)}\n企业：{application.enterprise.name}\n退回原因：{context.reason_given(evaluation.reason)}\n"
           "请在“达标产品评价”中修改后重新提交。", "/my/evaluations")
    return {"returned_evaluation_id": evaluation.id}


@service("application.reject")
def reject(context: ServiceContext, task) -> dict:
    application = _application(context, task)
    evaluation = context.get(Evaluation, task.data["evaluation_id"])
    _touched(application)
    text = f"{_label(application)}\n原因：{context.reason_given(evaluation.reason)}"
    notify(context.session, application.enterprise_id, N_("达标申请不予通过"), text,
           f"/my/applications/{application.id}")
    notify(context.session, application.institution_id, N_("达标评价不予通过"), text, "/my/evaluations")
    return {"application_id": application.id}


@service("application.fail")
def fail(context: ServiceContext, task) -> dict:
    application = _application(context, task)
    evaluation = context.get(Evaluation, task.data["evaluation_id"])
    _touched(application)
    notify(context.session, application.enterprise_id, N_("达标结果：未达标"),
           f"{_label(application)}\n评价机构：{application.institution.name}\n未达标情况：{evaluation.explanation}",
           f"/my/applications/{application.id}")
    return {"application_id": application.id}
