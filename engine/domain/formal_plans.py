"""提交正式版: the formal plan's draft (保存) and its submission for review (提交)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine import clock
from engine.domain import plans
from engine.domain.errors import InputError
from engine.services import ServiceContext
from engine.text import N_, listing
from storage.models import Indicator, Organization, Plan, PlanCoDrafter, PlanSubmission, StoredFile

LEVEL1_LABELS = {"safety": N_("安全"), "performance": N_("性能"), "low_carbon": N_("低碳"), "smart": N_("智能化")}
REQUIRED_LEVEL1 = ("safety", "performance", "low_carbon")


def level1_label(level1: str) -> str:
    """一级指标 as forms and tables show it: 安全（必填）… 智能化（可填）."""
    label = LEVEL1_LABELS.get(level1, level1)
    return N_("%(level)s（必填）", level=label) if level1 in REQUIRED_LEVEL1 else N_("%(level)s（可填）", level=label)
PLAN_DOCUMENTS = ("standard_text", "scheme", "explanation")


class PlanError(InputError):
    pass


@dataclass
class Draft:
    standard_number: str | None = None
    standard_name: str | None = None
    indicators: list[dict] = field(default_factory=list)  # level1, level2, value, basis, method
    co_drafter_ids: list[int] = field(default_factory=list)
    documents: dict[str, StoredFile] = field(default_factory=dict)  # new uploads only


def _draft_submission(session: Session, plan: Plan) -> PlanSubmission | None:
    return plans.latest_submission(session, plan.id, "draft")


def save_draft(session: Session, plan: Plan, draft: Draft, actor_id: int | None) -> PlanSubmission:
    """保存: keep everything on the plan; the task stays open. Returns the draft submission holding the files."""
    plan.standard_number, plan.standard_name = draft.standard_number, draft.standard_name
    plan.updated_at = clock.now()
    session.execute(delete(Indicator).where(Indicator.plan_id == plan.id))
    session.add_all(Indicator(plan_id=plan.id, position=n, **row)
                    for n, row in enumerate(draft.indicators, start=1))
    session.execute(delete(PlanCoDrafter).where(PlanCoDrafter.plan_id == plan.id))
    session.add_all(PlanCoDrafter(plan_id=plan.id, organization_id=o) for o in draft.co_drafter_ids)
    draft_submission = _draft_submission(session, plan)
    if draft.documents or draft_submission is None:
        # Draft files live in one "draft" submission; a new one keeps the others' files.
        draft_submission = plans.add_submission(session, plan, "draft", {}, draft.documents, actor_id,
                                                keep_from=draft_submission)
    session.flush()
    return draft_submission


def _documents_of(draft_submission: PlanSubmission | None) -> dict[str, StoredFile]:
    return {d.kind: d.file for d in draft_submission.documents} if draft_submission else {}


def current_documents(session: Session, plan: Plan) -> dict[str, StoredFile]:
    return _documents_of(_draft_submission(session, plan))


def problems(session: Session, plan: Plan, documents: dict[str, StoredFile] | None = None) -> list[tuple[str, str]]:
    """What keeps the saved draft from being submitted, as (field, Chinese message).

    ``documents``: the draft's files, when the caller holds them already.
    """
    found = []
    levels = {row.level1 for row in indicators_of(session, plan)}
    missing = [LEVEL1_LABELS[k] for k in REQUIRED_LEVEL1 if k not in levels]
    if missing:
        levels = listing(missing)
        found.append(("indicators", N_("一级指标“%(levels)s”至少各需一项", levels=levels) if len(missing) > 1
                      else N_("一级指标“%(levels)s”至少需一项", levels=levels)))
    if documents is None:
        documents = current_documents(session, plan)
    for kind in PLAN_DOCUMENTS:
        if kind not in documents:
            found.append((kind, N_("请上传%(document)s（PDF）", document=plans.DOCUMENT_LABELS[kind])))
    return found


def submit(context: ServiceContext, draft: Draft) -> dict:
    """Handler of draft_plan: save, check completeness, snapshot the version under review."""
    session = context.session
    plan = session.get(Plan, int(context.data["plan_id"]))
    draft_submission = save_draft(session, plan, draft, context.actor_id)
    found = problems(session, plan, _documents_of(draft_submission))
    if found:
        raise PlanError(*found[0], more=found[1:])
    snapshot = {
        "standard_number": plan.standard_number, "standard_name": plan.standard_name,
        "indicators": [_row(i) for i in indicators_of(session, plan)],
        "co_drafters": [{"id": o.id, "name": o.name} for o in co_drafters_of(session, plan)],
    }
    submission = plans.add_submission(session, plan, "plan", snapshot, {}, context.actor_id,
                                      keep_from=draft_submission)
    return {"submission_id": submission.id, "decision": None}


def _row(indicator: Indicator) -> dict:
    return {"position": indicator.position, "level1": indicator.level1, "level2": indicator.level2,
            "value": indicator.value, "basis": indicator.basis, "method": indicator.method}


def indicators_of(session: Session, plan: Plan) -> list[Indicator]:
    return list(session.scalars(select(Indicator).where(Indicator.plan_id == plan.id)
                                .order_by(Indicator.position)))


def co_drafters_of(session: Session, plan: Plan) -> list[Organization]:
    return list(session.scalars(select(Organization).join(
        PlanCoDrafter, PlanCoDrafter.organization_id == Organization.id
    ).where(PlanCoDrafter.plan_id == plan.id).order_by(Organization.name)))


def draft_rows(session: Session, plan: Plan) -> list[dict]:
    return [_row(i) for i in indicators_of(session, plan)]
