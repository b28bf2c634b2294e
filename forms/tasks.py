"""The form behind every form key: its class, the context a user needs, and what submit does."""
from __future__ import annotations

from sqlalchemy.orm import Session, object_session
from wtforms import Form

from engine import form_definitions, runtime, services, validation
from forms import (
    compliance_tasks,
    declaration_tasks,
    designed,
    designed_tasks,
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
    # review_enrollment, review_report and review_plan: the shipped processes review with the generic
    # 审核 form now (workflows/forms/generic_review.form, the decision recorded by the service task the
    # BPMN routes it to); kept for instances still running on earlier versions.
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
    # Later modules register their own form keys next to their forms.
    **compliance_tasks.TASK_FORMS,
    **declaration_tasks.TASK_FORMS,
}


# What a completed task whose form is gone shows (the generic context).
READ_ONLY = TaskForm(Form, generic_tasks.context, no_prefill, lambda *args: {}, "tasks/_generic_context.html")


def catalogue(deployed_keys=(), designed_forms: dict[str, dict] | None = None) -> validation.Catalogue:
    """What the platform implements, for validating BPMN before it is deployed: the hand-written forms
    and the designer-made ones (``designed_forms``: key → schema; the shipped ones by default)."""
    services.load_all()
    schemas = designed.shipped_forms() if designed_forms is None else designed_forms
    outputs = {key: set(spec.outputs) for key, spec in TASK_FORMS.items()}
    outputs.update({key: designed.outcomes(schema) for key, schema in schemas.items()})
    return validation.Catalogue(
        form_keys=set(TASK_FORMS) | set(schemas), form_outputs=outputs,
        services=set(services.registry), process_inputs=services.process_inputs, processes=set(deployed_keys))


def deployed_catalogue(session: Session, deployed_keys=()) -> validation.Catalogue:
    """The catalogue with the designer-made forms as deployed (their current versions) over the shipped."""
    return catalogue(deployed_keys, {**designed.shipped_forms(), **form_definitions.current_schemas(session)})


def designed_form_classes(session: Session) -> dict[str, type[Form]]:
    """Form key → WTForms class of every designer-made form's current version (the API's schemas)."""
    schemas = {**designed.shipped_forms(), **form_definitions.current_schemas(session)}
    return {key: designed.form_class(schema) for key, schema in schemas.items() if not designed.problems(schema)}


class UnknownForm(Exception):
    pass


def spec_or_generic(task: HumanTask) -> TaskForm:
    """For reading a completed task: its form, or the generic context when the form is gone."""
    return TASK_FORMS.get(task.form_key) or _designed(task) or READ_ONLY


def has_form(task: HumanTask) -> bool:
    """Whether the platform can show the task's form: hand-written, or designer-made and bound to its
    process version."""
    return task.form_key in TASK_FORMS or _designed(task) is not None


def _designed(task: HumanTask) -> TaskForm | None:
    session = object_session(task)
    return designed_tasks.task_form(session, task) if session is not None else None


def fail_unknown_form(session: Session, task: HumanTask) -> None:
    """A READY task whose form key no form implements (an old BPMN version, say): the instance goes to
    出错 with the reason for operators; the caller tells the user and commits."""
    runtime.mark_error(session, task.instance_id,
                       f"{task.process_key}.{task.task_name}: form key '{task.form_key}' is not implemented")


def spec_for(task: HumanTask) -> TaskForm:
    spec = TASK_FORMS.get(task.form_key) or _designed(task)
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
