"""Form keys of self_declaration (我要对标): the office's 核查."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from wtforms import Form, RadioField, TextAreaField, ValidationError
from wtforms.fields.choices import SelectChoice

from engine import clock
from engine.domain import declarations
from engine.services import ServiceContext
from forms.fields import max_length, required
from forms.task_form import TaskForm, no_prefill
from storage.files import FileStore
from storage.models import Declaration, HumanTask

CHECK_CHOICES = [SelectChoice("confirm", _l("核查通过")), SelectChoice("take_down", _l("撤下"))]


class CheckDeclarationForm(Form):
    """核查: 核查通过, or 撤下 with a reason that is shown publicly."""

    decision = RadioField(_l("核查结论"), choices=CHECK_CHOICES,
                          validators=[required(_l("请选择核查结论"))],
                          invalid_choice_message=_l("请选择核查通过或撤下"))
    reason = TextAreaField(_l("撤下原因"), validators=[max_length(1000)])

    def validate_reason(self, field):
        if self.decision.data == "take_down" and not (field.data or "").strip():
            raise ValidationError(_l("撤下时须填写撤下原因（将公开显示）"))


def _time(moment) -> str:
    return clock.to_china(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def describe(declaration: Declaration) -> dict:
    """The declaration as the task page and the API show it (JSON-able)."""
    attachment = declaration.attachment
    return {
        "id": declaration.id, "status": declaration.status,
        "status_label": declarations.status_words(declaration),
        "enterprise": {"id": declaration.enterprise_id, "name": declaration.enterprise.name},
        "product_name": declaration.product_name, "product_model": declaration.product_model,
        "standards": [{"number": s.get("number", ""), "name": s.get("name", "")} for s in declaration.standards],
        "indicators": [{"position": i.position, "name": i.name, "own_value": i.own_value,
                        "benchmark_value": i.benchmark_value, "benchmark_standard": i.benchmark_standard}
                       for i in declaration.indicators],
        "statement": declaration.statement,
        "attachment": {"id": attachment.id, "name": attachment.original_name, "size": attachment.size}
        if attachment is not None else None,
        "published_at": _time(declaration.published_at),
        "taken_down_at": _time(declaration.taken_down_at),
        "taken_down_reason": declaration.taken_down_reason if declaration.status == "taken_down" else None,
    }


def context(session: Session, task: HumanTask) -> dict:
    return {"declaration": describe(declarations.of_task(session, task))}


def submit(context_: ServiceContext, form: CheckDeclarationForm, store: FileStore) -> dict:
    return declarations.check(context_, form.decision.data, form.reason.data or "")


TASK_FORMS: dict[str, TaskForm] = {
    "check_declaration": TaskForm(
        CheckDeclarationForm, context, no_prefill, submit, "tasks/_declaration_context.html",
        form_template="declarations/_check_form.html",
    ),
}
