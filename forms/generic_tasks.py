"""What every step shows whatever its form: the subject, where it stands, and 历史 — every decision taken
on it (engine.history) with the answers of designer-made forms. The generic review and opinion forms
are designer-made forms themselves (workflows/forms/generic_review.form, generic_opinion.form); the
options a review step offers are declared in its BPMN (``reviewOptions``)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from engine import definitions
from engine import history as task_history
from engine.projection import properties
from storage.models import FormSubmission, HumanTask, User

REVIEW_OPTIONS = {"approve": _l("通过"), "return": _l("退回修改"), "reject": _l("不予通过")}
DECISION_WORDS = {**REVIEW_OPTIONS, "withdrawn": _l("已撤回"), "evaluate": _l("审核"), "confirm": _l("核查通过"),
                  "take_down": _l("撤下")}


def declared_review_options(session: Session, task: HumanTask) -> list[str]:
    """The decisions the step offers by its BPMN ``reviewOptions`` property ([] when it declares none)."""
    spec, subprocess_specs = definitions.specs_for(session, task.instance.definition)
    for process_spec in (spec, *subprocess_specs.values()):
        task_spec = process_spec.task_specs.get(task.task_name)
        if task_spec is not None and process_spec.name == task.process_key:
            declared = properties(task_spec).get("reviewOptions") or ""
            return [option.strip() for option in declared.split(",") if option.strip()]
    return []


def decisions(session: Session, instance) -> list[dict]:
    """历史 of a subject: every decision on it (all instances under its business key), oldest first,
    with who took it (person and organisation)."""
    records = task_history.of_subject(session, business_key=instance.business_key) if instance.business_key \
        else task_history.of_subject(session, instance_id=instance.id)
    actors = {user.id: user for user in session.scalars(
        select(User).options(joinedload(User.organization))
        .where(User.id.in_({r.actor_id for r in records if r.actor_id})))} if records else {}
    # Only steps of designer-made forms have answers (their records carry the form version).
    answers = _answers(session, [r.human_task_id for r in records if (r.summary or {}).get("form_version")])
    return [{"title": r.title or r.task_name, "decision": r.decision,
             "decision_label": _decision_label(r.decision, answers.get(r.human_task_id)), "reason": r.reason,
             "actor": _actor(actors.get(r.actor_id)), "at": r.created_at,
             "file_id": (r.summary or {}).get("file_id"),
             "answers": _shown(answers.get(r.human_task_id))} for r in records]


def _shown(answers: dict | None) -> list[dict]:
    """The answers 历史 lists beside the decision and the reason (which have their own columns)."""
    return [a for a in (answers or {}).get("shown", []) if a.get("key") not in ("decision", "reason", "opinion")]


def _answers(session: Session, task_ids: list[int]) -> dict[int, dict]:
    """Human task id → the answers given on a designer-made form (one query)."""
    if not task_ids:
        return {}
    return dict(session.execute(select(FormSubmission.human_task_id, FormSubmission.answers)
                                .where(FormSubmission.human_task_id.in_(task_ids))).all())


def _decision_label(decision: str | None, answers: dict | None):
    """The words of a decision: the platform's own, else the option the designer-made form named."""
    if decision in DECISION_WORDS:
        return DECISION_WORDS[decision]
    chosen = next((a["text"] for a in (answers or {}).get("shown", []) if a.get("key") == "decision"), None)
    return chosen or _l("已提交")


def _actor(user) -> str:
    if user is None:
        return ""
    # 单位成员: the person by name where they gave one — 绿源电动车股份有限公司 张标准（ent1-staff@…）.
    if user.organization is None:
        return user.display_name
    return f"{user.organization.name} {user.display_name}" if user.full_name else \
        str(_l("%(organization)s（%(email)s）", organization=user.organization.name, email=user.email))


def context(session: Session, task: HumanTask) -> dict:
    """What any step shows: the subject, where it stands, and every decision taken on it so far."""
    instance = task.instance
    return {"subject": instance.subject, "stage": instance.stage, "stage_label": instance.stage_label,
            "history": [{**row, "at": row["at"].isoformat(), "decision_label": str(row["decision_label"])}
                        for row in decisions(session, instance)]}
