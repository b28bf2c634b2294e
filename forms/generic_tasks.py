"""Generic forms a designer can put on any user task of any process, with no code: a review (通过 /
退回修改 / 不予通过 and 审核意见, the options the step offers declared in the BPMN) and an opinion
(意见 and an optional PDF). Their decisions are kept in the task's history record (engine.history)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload
from wtforms import Form, TextAreaField
from wtforms.fields.choices import SelectChoice

from engine import definitions
from engine import history as task_history
from engine.projection import properties
from engine.services import ServiceContext
from forms.fields import PdfField, max_length, required
from forms.registration import DecisionForm
from storage.files import FileStore
from storage.models import HumanTask, User

REVIEW_OPTIONS = {"approve": _l("通过"), "return": _l("退回修改"), "reject": _l("不予通过")}
DECISION_WORDS = {**REVIEW_OPTIONS, "withdrawn": _l("已撤回"), "evaluate": _l("审核"), "confirm": _l("核查通过"),
                  "take_down": _l("撤下")}


class GenericReviewForm(DecisionForm):
    """审核: 通过 / 退回修改 / 不予通过, as many as the BPMN offers (``reviewOptions``, set by
    prepare_review); 审核意见 required unless approving."""


class GenericOpinionForm(Form):
    """意见: one text, and a PDF if the person giving it wants to attach one."""

    opinion = TextAreaField(_l("意见"), validators=[required(_l("请填写意见")), max_length(4000)])
    attachment = PdfField(_l("附件（PDF，可选）"), required=False)


def review_options(session: Session, task: HumanTask) -> list[str]:
    """The decisions this step offers: its BPMN ``reviewOptions`` property (all three by default)."""
    spec, subprocess_specs = definitions.specs_for(session, task.instance.definition)
    for process_spec in (spec, *subprocess_specs.values()):
        task_spec = process_spec.task_specs.get(task.task_name)
        if task_spec is not None and process_spec.name == task.process_key:
            declared = properties(task_spec).get("reviewOptions") or ""
            chosen = [option.strip() for option in declared.split(",") if option.strip() in REVIEW_OPTIONS]
            return chosen or list(REVIEW_OPTIONS)
    return list(REVIEW_OPTIONS)


def prepare_review(session: Session, task: HumanTask, form: GenericReviewForm) -> None:
    form.decision.choices = [SelectChoice(option, REVIEW_OPTIONS[option]) for option in review_options(session, task)]


def decisions(session: Session, instance) -> list[dict]:
    """历史 of a subject: every decision on it (all instances under its business key), oldest first,
    with who took it (person and organisation)."""
    records = task_history.of_subject(session, business_key=instance.business_key) if instance.business_key \
        else task_history.of_subject(session, instance_id=instance.id)
    actors = {user.id: user for user in session.scalars(
        select(User).options(joinedload(User.organization))
        .where(User.id.in_({r.actor_id for r in records if r.actor_id})))} if records else {}
    return [{"title": r.title or r.task_name, "decision": r.decision,
             "decision_label": DECISION_WORDS.get(r.decision, _l("已提交")), "reason": r.reason,
             "actor": _actor(actors.get(r.actor_id)), "at": r.created_at,
             "file_id": (r.summary or {}).get("file_id")} for r in records]


def _actor(user) -> str:
    if user is None:
        return ""
    return f"{user.organization.name}（{user.email}）" if user.organization else user.email


def context(session: Session, task: HumanTask) -> dict:
    """What any step shows: the subject, where it stands, and every decision taken on it so far."""
    instance = task.instance
    return {"subject": instance.subject, "stage": instance.stage, "stage_label": instance.stage_label,
            "history": [{**row, "at": row["at"].isoformat(), "decision_label": str(row["decision_label"])}
                        for row in decisions(session, instance)]}


def submit_review(service: ServiceContext, form: GenericReviewForm, store: FileStore) -> dict:
    service.decided((form.reason.data or "").strip())
    return {"decision": form.decision.data}


def submit_opinion(service: ServiceContext, form: GenericOpinionForm, store: FileStore) -> dict:
    details = {}
    if form.attachment.upload is not None:
        data, name = form.attachment.upload
        stored = store.save(service.session, data, name, "application/pdf", service.actor_id)
        service.session.flush()
        details["file_id"] = stored.id
    service.decided((form.opinion.data or "").strip(), **details)
    return {"decision": "opinion"}
