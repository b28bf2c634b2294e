"""The form behind every form key: its class, the context a user needs, and what submit does."""
from __future__ import annotations

from sqlalchemy.orm import Session
from wtforms import Form

from engine import runtime, services, validation
from forms import (
    compliance_tasks,
    declaration_tasks,
    enrollment_tasks,
    generic_tasks,
    plan_tasks,
    publicity_tasks,
    registration_tasks,
)
from forms.task_form import SUBMITTED, TaskForm, no_prefill
from storage.files import FileStore
from storage.models import HumanTask

TASK_FORMS: dict[str, TaskForm] = {
    "vet_registration": TaskForm(
        registration_tasks.VetRegistrationForm, registration_tasks.vetting_context,
        no_prefill, registration_tasks.submit_vetting,
        "tasks/_registration_context.html",
    ),
    "correct_registration": TaskForm(
        registration_tasks.CorrectRegistrationForm, registration_tasks.vetting_context,
        registration_tasks.correction_prefill, registration_tasks.submit_correction,
        "tasks/_registration_context.html", prepare=registration_tasks.prepare_correction, outputs=SUBMITTED,
    ),
    "review_enrollment": TaskForm(
        enrollment_tasks.ReviewEnrollmentForm, enrollment_tasks.review_context,
        no_prefill, enrollment_tasks.submit_review,
        "tasks/_enrollment_context.html",
    ),
    "correct_enrollment": TaskForm(
        enrollment_tasks.CorrectEnrollmentForm, enrollment_tasks.review_context,
        enrollment_tasks.correction_prefill, enrollment_tasks.submit_correction,
        "tasks/_enrollment_context.html", outputs=SUBMITTED,
    ),
    "draft_report": TaskForm(
        plan_tasks.DraftReportForm, plan_tasks.report_context, plan_tasks.report_prefill,
        plan_tasks.submit_report_form, "tasks/_report_context.html", prepare=plan_tasks.prepare_report_form,
        outputs=SUBMITTED,
    ),
    "review_report": TaskForm(
        plan_tasks.ReviewReportForm, plan_tasks.report_context, no_prefill,
        plan_tasks.submit_review, "tasks/_report_context.html",
    ),
    "draft_plan": TaskForm(
        plan_tasks.DraftPlanForm, plan_tasks.plan_context, plan_tasks.plan_prefill,
        plan_tasks.submit_plan_form, "tasks/_plan_context.html",
        prepare=plan_tasks.prepare_plan_form, save=plan_tasks.save_plan_draft,
        form_template="tasks/_plan_form.html", outputs=SUBMITTED,
    ),
    "resolve_comments": TaskForm(
        publicity_tasks.ResolveCommentsForm, publicity_tasks.context, publicity_tasks.prefill,
        publicity_tasks.submit, "tasks/_comments_context.html",
        form_template="tasks/_comments_form.html", outputs=("upheld_count",),
    ),
    "review_plan": TaskForm(
        plan_tasks.ReviewPlanForm, plan_tasks.plan_context, no_prefill,
        plan_tasks.submit_review, "tasks/_plan_context.html",
    ),
    # Generic forms any process may use for a step that needs nothing specialised (no code).
    "generic_review": TaskForm(
        generic_tasks.GenericReviewForm, generic_tasks.context, no_prefill, generic_tasks.submit_review,
        "tasks/_generic_context.html", prepare=generic_tasks.prepare_review),
    "generic_opinion": TaskForm(
        generic_tasks.GenericOpinionForm, generic_tasks.context, no_prefill, generic_tasks.submit_opinion,
        "tasks/_generic_context.html"),
    # Later modules register their own form keys next to their forms.
    **compliance_tasks.TASK_FORMS,
    **declaration_tasks.TASK_FORMS,
}


def catalogue(deployed_keys=()) -> validation.Catalogue:
    """What the platform implements, for validating BPMN before it is deployed."""
    services.load_all()
    return validation.Catalogue(
        form_keys=set(TASK_FORMS), form_outputs={key: set(spec.outputs) for key, spec in TASK_FORMS.items()},
        services=set(services.registry), process_inputs=services.process_inputs, processes=set(deployed_keys))


class UnknownForm(Exception):
    pass


def spec_or_generic(task: HumanTask) -> TaskForm:
    """For reading a completed task: its form, or the generic context when the form is gone."""
    return TASK_FORMS.get(task.form_key) or TASK_FORMS["generic_opinion"]


def fail_unknown_form(session: Session, task: HumanTask) -> None:
    """A READY task whose form key no form implements (an old BPMN version, say): the instance goes to
    出错 with the reason for operators; the caller tells the user and commits."""
    runtime.mark_error(session, task.instance_id,
                       f"{task.process_key}.{task.task_name}: form key '{task.form_key}' is not implemented")


def spec_for(task: HumanTask) -> TaskForm:
    spec = TASK_FORMS.get(task.form_key)
    if spec is None:
        raise UnknownForm(task.form_key)
    return spec


def build_form(session: Session, task: HumanTask, formdata=None) -> Form:
    spec = spec_for(task)
    if formdata is None:
        form = spec.form_class(data=spec.prefill(session, task))
    else:
        form = spec.form_class(formdata=formdata)
    if spec.prepare is not None:
        spec.prepare(session, task, form)
    return form


def save_draft(session: Session, task: HumanTask, actor_id: int, form: Form, store: FileStore) -> bool:
    """保存: keep a draft, the task stays READY; False (with errors on the form) when it has bad input.

    The one gate for the page and the API: only form keys that keep drafts, only open tasks.
    """
    spec = spec_for(task)
    if spec.save is None:
        raise UnknownForm(f"{task.form_key} keeps no drafts")
    if task.state != "ready":
        raise runtime.AlreadyHandled(task.id)
    if not form.validate_draft():
        return False
    spec.save(session, task, actor_id, form, store)
    return True


def complete(session: Session, task: HumanTask, actor_id: int, form: Form,
             store: FileStore) -> list[HumanTask]:
    """Complete a validated form's task: domain rows and engine step in one transaction."""
    spec = spec_for(task)
    return runtime.complete_task(session, task, actor_id,
                                 lambda context: spec.submit(context, form, store))
