"""Service tasks of compliance_review (参与达标)."""
from __future__ import annotations

from engine import clock
from engine.domain.messages import notify
from engine.domain.reviews import record_decision
from engine.projection import project_onto
from engine.services import ServiceContext, inputs, service
from engine.text import N_, Text, lines
from storage.models import Application, ApplicationSubmission, Evaluation

inputs("compliance_review", "application_id", "submission_id", "enterprise_org_id", "institution_org_id")
project_onto("compliance_review", Application, "application_id")  # its status: the stage


def _application(context: ServiceContext, task) -> Application:
    return context.get(Application, task.data["application_id"])


def _touched(application: Application) -> None:
    application.updated_at = clock.now()  # its status is the BPMN stage, projected by the engine's save


def _label(application: Application) -> Text:
    return lines(N_("产品：%(product)s", product=f"{application.product_name} {application.product_model}"),
                 N_("对标方案：%(plan)s", plan=application.plan.name))


@service("application.return")
def return_to_enterprise(context: ServiceContext, task) -> dict:
    application = _application(context, task)
    submission = context.get(ApplicationSubmission, task.data["submission_id"])
    _touched(application)
    notify(context.session, application.enterprise_id, N_("达标申请被退回"),
           lines(_label(application), N_("第三方技术机构：%(name)s", name=application.institution.name),
                 N_("审核意见：%(reason)s", reason=context.reason_given(submission.reason)),
                 N_("请在“我参与的”中修改后重新提交。")), f"/my/applications/{application.id}")
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
           lines(_label(application), N_("企业：%(name)s", name=application.enterprise.name),
                 N_("退回原因：%(reason)s", reason=context.reason_given(evaluation.reason)),
                 N_("请在“达标产品评价”中修改后重新提交。")), "/my/evaluations")
    return {"returned_evaluation_id": evaluation.id}


@service("application.reject")
def reject(context: ServiceContext, task) -> dict:
    application = _application(context, task)
    evaluation = context.get(Evaluation, task.data["evaluation_id"])
    _touched(application)
    text = lines(_label(application), N_("原因：%(reason)s", reason=context.reason_given(evaluation.reason)))
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
           lines(_label(application), N_("评价机构：%(name)s", name=application.institution.name),
                 N_("未达标情况：%(explanation)s", explanation=evaluation.explanation)),
           f"/my/applications/{application.id}")
    return {"application_id": application.id}
