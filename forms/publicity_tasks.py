"""Form key of publicity: resolve_comments (office)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine import clock
from engine.domain import publicity
from engine.services import ServiceContext
from forms.plan_tasks import plan_of
from forms.publicity import ResolveCommentsForm  # noqa: F401  (TASK_FORMS reads it here)
from storage.files import FileStore
from storage.models import HumanTask


def describe_comments(session: Session, plan) -> list[dict]:
    return [{
        "id": c.id, "text": c.text,
        "organization": c.organization.name,
        "created_at": clock.to_china(c.created_at).strftime("%Y-%m-%d %H:%M"),
        "file": {"id": c.file.id, "name": c.file.original_name} if c.file else None,
        "resolution": c.resolution, "reply": c.reply,
    } for c in publicity.comments(session, plan)]


def context(session: Session, task: HumanTask) -> dict:
    plan = plan_of(session, task)
    return {"plan": {"id": plan.id, "name": plan.name, "standard_number": plan.standard_number,
                     "standard_name": plan.standard_name, "round": plan.publicity_round},
            "organization": {"name": plan.organization.name},
            "comments": describe_comments(session, plan)}


def prefill(session: Session, task: HumanTask) -> dict:
    plan = plan_of(session, task)
    return {"resolutions": [{"comment_id": c.id, "text": c.text} for c in publicity.comments(session, plan)]}


def submit(context_: ServiceContext, form: ResolveCommentsForm, store: FileStore) -> dict:
    return publicity.resolve(context_, form.rows())
