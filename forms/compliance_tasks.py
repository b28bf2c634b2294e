"""Form keys of compliance_review (参与达标): institution evaluation, office filing, corrections."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine import clock
from engine.domain import certificates, compliance, formal_plans
from engine.services import ServiceContext
from forms.compliance import CorrectApplicationForm, EvaluateApplicationForm, FileEvaluationForm
from forms.task_form import SUBMITTED, TaskForm, latest_and_history, no_prefill
from storage.files import FileStore
from storage.models import Application, ApplicationSubmission, Evaluation, HumanTask


def application_of(session: Session, task: HumanTask) -> Application:
    return session.get(Application, int(task.instance.business_key.split(":", 1)[1]))


def _when(moment) -> str:
    return clock.to_china(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def describe_submission(submission: ApplicationSubmission) -> dict:
    return {
        "id": submission.id, "sequence": submission.sequence, "product_model": submission.product_model,
        "note": submission.note, "submitted_at": _when(submission.created_at),
        "decision": submission.decision, "reason": submission.reason,
        "reports": [{"id": r.file.id, "name": r.file.original_name, "size": r.file.size} for r in submission.reports],
        "measurements": [{"position": m.position, "level1": m.level1,
                          "level1_label": formal_plans.level1_label(m.level1),
                          "required": compliance.is_required(m.level1), "level2": m.level2, "value": m.value,
                          "basis": m.basis, "method": m.method, "measured": m.measured}
                         for m in submission.measurements],
    }


def describe_evaluation(evaluation: Evaluation) -> dict:
    return {"id": evaluation.id, "sequence": evaluation.sequence, "conclusion": evaluation.conclusion,
            "conclusion_label": compliance.VERDICT_LABELS[evaluation.conclusion],
            "explanation": evaluation.explanation, "items": evaluation.items,
            "submitted_at": _when(evaluation.created_at), "decision": evaluation.decision,
            "reason": evaluation.reason}


def describe(session: Session, application: Application) -> dict:
    """Everything the three parties see of an application (the 查看 page and every task)."""
    version = application.plan_version.data
    submissions = [describe_submission(s) for s in compliance.submissions(session, application.id)]
    certificate = certificates.for_application(session, application.id)
    return {
        "application": {"id": application.id, "product_name": application.product_name,
                        "product_model": application.product_model, "status": application.status,
                        "created_at": _when(application.created_at)},
        "plan": {"id": application.plan_id, "name": application.plan.name,
                 "standard_number": version.get("standard_number") or "",
                 "standard_name": version.get("standard_name") or ""},
        "enterprise": {"id": application.enterprise_id, "name": application.enterprise.name},
        "institution": {"id": application.institution_id, "name": application.institution.name},
        **latest_and_history(submissions),
        "evaluations": [describe_evaluation(e) for e in compliance.evaluations(session, application.id)],
        "certificate": None if certificate is None else {
            "id": certificate.id, "number": certificate.number, "code": certificate.code,
            "issued_at": _when(certificate.issued_at), "revoked_at": _when(certificate.revoked_at),
            "revoked_reason": certificate.revoked_reason,
            "uploaded_file": {"id": certificate.uploaded_file.id, "name": certificate.uploaded_file.original_name}
            if certificate.uploaded_file else None},
    }


def context(session: Session, task: HumanTask) -> dict:
    return describe(session, application_of(session, task))


def evaluation_prefill(session: Session, task: HumanTask) -> dict:
    """One 指标评价 row per measurement; a returned evaluation comes back as it was."""
    application = application_of(session, task)
    submission = compliance.current_submission(session, application.id)
    earlier = compliance.evaluations(session, application.id)
    last = earlier[0] if earlier and earlier[0].submission_id == submission.id else None
    if last is None:
        return {"items": [{"verdict": "", "remark": ""} for _ in submission.measurements]}
    return {"items": [{"verdict": i.get("verdict", ""), "remark": i.get("remark", "")} for i in last.items],
            "conclusion": last.conclusion, "explanation": last.explanation}


def correction_prefill(session: Session, task: HumanTask) -> dict:
    submission = compliance.current_submission(session, application_of(session, task).id)
    return {"product_model": submission.product_model, "note": submission.note,
            "measurements": [{"measured": m.measured} for m in submission.measurements]}


def prepare_correction(session: Session, task: HumanTask, form: CorrectApplicationForm) -> None:
    form.set_rows(compliance.indicators(application_of(session, task).plan_version))


def submit_evaluation(context_: ServiceContext, form: EvaluateApplicationForm, store: FileStore) -> dict:
    return compliance.evaluate(context_, form.given())


def submit_correction(context_: ServiceContext, form: CorrectApplicationForm, store: FileStore) -> dict:
    reports = [store.save(context_.session, data, name, "application/pdf", context_.actor_id)
               for data, name in form.reports.uploads]
    return compliance.resubmit(context_, form.given(reports))


def submit_filing(context_: ServiceContext, form: FileEvaluationForm, store: FileStore) -> dict:
    return compliance.file(context_, form.decision.data, form.reason.data or "")


TASK_FORMS: dict[str, TaskForm] = {
    "evaluate_application": TaskForm(
        EvaluateApplicationForm, context, evaluation_prefill, submit_evaluation,
        "tasks/_application_context.html", form_template="tasks/_evaluation_form.html",
        outputs=("decision", "evaluation_id")),
    "correct_application": TaskForm(
        CorrectApplicationForm, context, correction_prefill, submit_correction,
        "tasks/_application_context.html", prepare=prepare_correction,
        form_template="tasks/_correction_form.html", outputs=SUBMITTED),
    "file_evaluation": TaskForm(
        FileEvaluationForm, context, no_prefill, submit_filing, "tasks/_application_context.html"),
}
