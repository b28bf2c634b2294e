"""A user task shown with a designer-made form: the version its process version was deployed with, its
page, and where its answers go — a FormSubmission tied to the task (who, when, which form version, every
value), and only the outcome fields into the workflow data."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import FieldList, Form
from wtforms.fields.choices import SelectChoice

from engine import clock, form_definitions
from engine.form_definitions import BoundForm
from engine.services import ServiceContext
from engine.text import Text, listing, localized
from forms import designed, generic_tasks, subject_contexts
from forms.designed_fields import SizedPdfField, SizedPdfListField, answer
from forms.task_form import TaskForm, no_prefill
from storage.files import FileStore
from storage.models import FormSubmission, FormSubmissionFile, HumanTask, Organization, ProcessInstance

HISTORY_REASON_KEYS = ("reason", "opinion")  # a text under one of these keys is the history's 意见


def bound_form(session: Session, task: HumanTask) -> BoundForm | None:
    """The form version the task's process version was deployed with, if its form key is designer-made."""
    return form_definitions.bound(session, task.instance.definition, task.form_key)


# (form version id, its content hash, process key) → its TaskForm (versions never change).
_task_forms: dict[tuple[int, str, str], TaskForm] = {}


def task_form(session: Session, task: HumanTask) -> TaskForm | None:
    bound = bound_form(session, task)
    if bound is None:
        return None
    cache_key = (bound.id, bound.sha256, task.process_key)
    found = _task_forms.get(cache_key)
    if found is None:
        found = _task_forms[cache_key] = _task_form(bound, task.process_key)
    return found


def _task_form(bound: BoundForm, process_key: str) -> TaskForm:
    schema = bound.schema
    subject = subject_contexts.for_process(process_key)

    def context(session: Session, task: HumanTask) -> dict:
        return {**subject.context(session, task), **context_values(session, task)}

    def prepare(session: Session, task: HumanTask, form: Form) -> None:
        form.task_id, form.bound = task.id, bound
        if "decision" in form and hasattr(form.decision, "choices"):
            _offer_review_options(session, task, form)

    return TaskForm(designed.form_class(schema), context, no_prefill, submit, subject.template,
                    prepare=prepare, form_template="tasks/_designed_form.html",
                    outputs=tuple(sorted(designed.outcomes(schema))))


def _offer_review_options(session: Session, task: HumanTask, form: Form) -> None:
    """A ``decision`` field offers only the options the step declares (its BPMN 审核选项), if any."""
    declared = set(generic_tasks.declared_review_options(session, task))
    if declared:
        form.decision.choices = [SelectChoice(c.value, c.label) for c in form.decision.iter_choices()
                                 if c.value in declared or c.value == ""]


def context_values(session: Session, task: HumanTask) -> dict:
    """What the form's read-only context fields show (designed.CONTEXT_KEYS)."""
    instance = task.instance
    organization = session.get(Organization, instance.started_by_org_id) if instance.started_by_org_id else None
    return {"values": {
        "subject": instance.subject, "stage_label": instance.stage_label or "",
        "business_key": instance.business_key or "", "started_by": organization.name if organization else "",
        "started_at": clock.to_china(instance.created_at).strftime("%Y-%m-%d %H:%M"),
    }, "context_labels": designed.CONTEXT_KEYS}


def submit(service: ServiceContext, form: Form, store: FileStore) -> dict:
    """Keep every answer in a FormSubmission; return the outcome fields (the workflow data)."""
    values, shown, file_ids = {}, [], []
    for component in designed.input_components(form.bound.schema):
        key = designed.field_key(component)
        value, text = _answer(service, form[key], component, store, file_ids)
        values[key] = value
        shown.append({"key": key, "label": Text(str(component.get("label") or key)), "text": text,
                      "files": [f for f in (value if isinstance(value, list) else [value])
                                if isinstance(f, dict) and "file_id" in f] if component["type"] == "filepicker"
                      else []})
    submission = FormSubmission(instance_id=service.instance.id, human_task_id=form.task_id,
                                form_definition_id=form.bound.id, actor_id=service.actor_id,
                                created_at=clock.now(), answers={"values": values, "shown": shown})
    service.session.add(submission)
    service.session.flush()
    for file_id in dict.fromkeys(file_ids):
        service.session.add(FormSubmissionFile(submission_id=submission.id, file_id=file_id))
    reason = next((values[k] for k in HISTORY_REASON_KEYS if isinstance(values.get(k), str) and values[k]), None)
    service.decided(reason, **({"file_id": file_ids[0]} if file_ids else {}), form_version=form.bound.version)
    if "decision" not in designed.outcomes(form.bound.schema):
        service.history_decision = "submitted"  # 历史's 办理结果 (已提交); the workflow's decision is untouched
    return {key: values[key] for key in designed.outcomes(form.bound.schema)}


def _answer(service: ServiceContext, field, component: dict, store: FileStore, file_ids: list):
    """(the value as JSON keeps it, the words 历史 shows for it)."""
    if isinstance(field, SizedPdfField | SizedPdfListField):
        uploads = field.uploads if isinstance(field, SizedPdfListField) else [field.upload] if field.upload else []
        kept = []
        for data, name in uploads:
            stored = store.save(service.session, data, name, "application/pdf", service.actor_id)
            service.session.flush()
            file_ids.append(stored.id)
            kept.append({"file_id": stored.id, "name": stored.original_name})
        value = kept if isinstance(field, SizedPdfListField) else (kept[0] if kept else None)
        return value, listing(f["name"] for f in kept)
    if isinstance(field, FieldList):
        rows = [{name: answer(sub.data) for name, sub in entry.form._fields.items()} for entry in field.entries]
        cells = {designed.field_key(c): c for c in component.get("components", [])}
        lines = [" / ".join(_words(None, cells[name], value) for name, value in row.items() if name in cells)
                 for row in rows]
        return rows, "\n".join(f"{number}. {line}" for number, line in enumerate(lines, start=1))
    value = answer(field.data)
    return value, _words(field, component, value)


def _words(field, component: dict, value) -> str:
    if value in (None, "", []):
        return ""
    if component["type"] in ("select", "radio", "checklist"):
        labels = dict(designed.choices(component))
        chosen = value if isinstance(value, list) else [value]
        return listing(localized(labels.get(str(v), v)) for v in chosen)
    if component["type"] == "checkbox":
        return str(_l("是")) if value else str(_l("否"))
    return str(value)


def answers_by_task(session: Session, task_ids: list[int]) -> dict[int, dict]:
    """Human task id → its FormSubmission's answers, with its form version (one query)."""
    if not task_ids:
        return {}
    rows = session.execute(select(FormSubmission.human_task_id, FormSubmission.answers, FormSubmission.created_at)
                           .where(FormSubmission.human_task_id.in_(task_ids)))
    return {task_id: answers for task_id, answers, _at in rows}


def answers_of_instance(session: Session, instance: ProcessInstance) -> list[FormSubmission]:
    return list(session.scalars(select(FormSubmission).where(FormSubmission.instance_id == instance.id)
                                .order_by(FormSubmission.id)))
