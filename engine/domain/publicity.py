"""公示: the 7-day publicity of an approved plan, 修订意见 and their resolution, then 发布."""
from __future__ import annotations

import os
import re
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.domain import plans
from engine.domain.errors import InputError
from engine.domain.messages import notify
from engine.services import ServiceContext
from engine.text import N_, lines
from storage.models import Plan, PlanComment, StoredFile, User

DEFAULT_DURATION = "P7D"
RESOLUTIONS = {"adopt": N_("采纳"), "dismiss": N_("不采纳")}


_override: list[str] = []


def duration() -> str:
    """The publicity period, ISO 8601 (``DUIBIAO_PUBLICITY_DURATION``, default 7 days)."""
    value = (_override[-1] if _override else
             os.environ.get("DUIBIAO_PUBLICITY_DURATION", DEFAULT_DURATION)).strip().upper()
    if not re.fullmatch(r"P(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?", value) or value in ("P", "PT"):
        raise ValueError(f"DUIBIAO_PUBLICITY_DURATION is not an ISO 8601 duration: {value!r}")
    return value


@contextmanager
def period(value: str):
    """Use another publicity period for the rounds opened inside (demo data)."""
    _override.append(value)
    try:
        yield
    finally:
        _override.pop()


def _timedelta(iso: str) -> timedelta:
    parts = {unit: int(number) for number, unit in re.findall(r"(\d+)([DHMS])", iso.replace("T", ""))}
    return timedelta(days=parts.get("D", 0), hours=parts.get("H", 0),
                     minutes=parts.get("M", 0), seconds=parts.get("S", 0))


def open_round(session: Session, plan: Plan) -> str:
    """Start a publicity round now; the BPMN timer waits for the returned duration."""
    period = duration()
    now = clock.now()
    plan.publicity_round = (plan.publicity_round or 0) + 1
    plan.publicity_starts_at, plan.publicity_ends_at = now, now + _timedelta(period)
    plan.updated_at = now
    return period  # the plan's status (公示中) and its catalogue row follow from the BPMN stage


def _locked_plan(session: Session, plan_id: int) -> Plan | None:
    """The plan row, locked: a comment and the end of publicity never interleave."""
    query = select(Plan).where(Plan.id == plan_id)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Plan)
    return session.scalars(query.execution_options(populate_existing=True)).first()


def comment_refusal(session: Session, user: User, plan: Plan) -> str | None:
    organization = user.organization
    if not organization.is_active or organization.kind not in ("enterprise", "institution"):
        return N_("只有审核通过的企业和第三方技术机构可以提出修订意见")
    if organization.id == plan.organization_id:
        return N_("编制机构不能对本单位的方案提出修订意见")
    if plan.status != "publicity" or plan.publicity_ends_at is None or clock.now() >= plan.publicity_ends_at:
        return N_("该方案不在公示期内，不能提出修订意见")
    return None


def file_comment(session: Session, user: User, plan_id: int, text: str,
                 attachment: StoredFile | None) -> PlanComment:
    plan = _locked_plan(session, plan_id)
    if plan is None:
        raise InputError("text", N_("方案不存在"))
    refusal = comment_refusal(session, user, plan)
    if refusal:
        raise InputError("text", refusal)
    if _filed_before(session, plan, user.organization_id, text):
        raise InputError("text", N_("本单位已在本轮公示中提交过相同的修订意见，无需重复提交"))
    if attachment is not None:
        session.flush()
    comment = PlanComment(plan_id=plan.id, publicity_round=plan.publicity_round,
                          organization_id=user.organization_id, author_id=user.id, text=text,
                          file_id=attachment.id if attachment else None, created_at=clock.now())
    session.add(comment)
    session.flush()
    return comment


def _filed_before(session: Session, plan: Plan, organization_id: int, text: str) -> bool:
    """Whether this organisation already filed this text (spacing aside) in the plan's current round
    (a second click, a reload that posts again): the plan row is locked, so two at once see each other."""
    same = " ".join(text.split())
    return any(" ".join(filed.split()) == same for filed in session.scalars(
        select(PlanComment.text).where(PlanComment.plan_id == plan.id, PlanComment.organization_id == organization_id,
                                       PlanComment.publicity_round == plan.publicity_round)))


def comments(session: Session, plan: Plan, current_round_only: bool = True) -> list[PlanComment]:
    query = select(PlanComment).where(PlanComment.plan_id == plan.id)
    if current_round_only:
        query = query.where(PlanComment.publicity_round == plan.publicity_round)
    return list(session.scalars(query.order_by(PlanComment.publicity_round, PlanComment.created_at,
                                               PlanComment.id)))


def comments_by(session: Session, organization_id: int, page: int, per_page: int = 20):
    """对标标准 → 修订意见: what this organisation filed, newest first, with each plan; (rows, total)."""
    query = select(PlanComment, Plan).join(Plan, Plan.id == PlanComment.plan_id).where(
        PlanComment.organization_id == organization_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.execute(query.order_by(PlanComment.created_at.desc(), PlanComment.id.desc())
                           .offset((page - 1) * per_page).limit(per_page)).all()
    return [(comment, plan) for comment, plan in rows], total


def close_round(session: Session, plan_id: int) -> int:
    """End of publicity: lock the plan first, so a racing comment is either counted or refused."""
    plan = _locked_plan(session, plan_id)
    plan.updated_at = clock.now()
    session.flush()
    return session.scalar(select(func.count(PlanComment.id)).where(
        PlanComment.plan_id == plan.id, PlanComment.publicity_round == plan.publicity_round)) or 0


def resolve(context: ServiceContext, resolutions: list[dict]) -> dict:
    """Handler of resolve_comments: every comment of the round marked 采纳 or 不采纳, with a reply."""
    session = context.session
    plan = session.get(Plan, int(context.data["plan_id"]))
    by_id = {c.id: c for c in comments(session, plan)}
    given = {int(r["comment_id"]): r for r in resolutions}
    if set(given) != set(by_id):
        raise InputError("resolutions", N_("请逐条处理本轮公示的全部修订意见"))
    now = clock.now()
    for comment_id, row in given.items():
        comment = by_id[comment_id]
        comment.resolution, comment.reply = row["resolution"], row["reply"]
        comment.resolved_at, comment.resolved_by_id = now, context.actor_id
    upheld = sum(1 for c in by_id.values() if c.resolution == "adopt")
    context.decided(None, upheld_count=upheld, comment_count=len(by_id))
    return {"upheld_count": upheld}


def publish(session: Session, plan: Plan) -> None:
    now = clock.now()
    plan.published_at, plan.updated_at = now, now
    notify(session, plan.organization_id, N_("对标方案已发布"),
           N_("您编制的对标方案“%(plan)s”（%(standard)s）公示期满，已正式发布。", plan=plan.name,
              standard=plan.standard_number), plans.plans_page(plan)[0])
    for organization_id in {c.organization_id for c in comments(session, plan)}:
        notify(session, organization_id, N_("您提出修订意见的对标方案已发布"),
               N_("对标方案“%(plan)s”（%(standard)s）已正式发布。", plan=plan.name, standard=plan.standard_number),
               f"/plans/{plan.id}")


def send_back(session: Session, plan: Plan) -> None:
    plan.updated_at = clock.now()
    adopted = [c for c in comments(session, plan) if c.resolution == "adopt"]
    adopted_lines = [N_("%(n)s. %(text)s（答复：%(reply)s）", n=n, text=c.text, reply=c.reply)
                     for n, c in enumerate(adopted, start=1)]
    link, page = plans.plans_page(plan)
    notify(session, plan.organization_id, N_("公示期修订意见被采纳，请修改方案"),
           lines(N_("对标方案“%(plan)s”公示期间的以下修订意见已被采纳，请在“%(page)s”中修改后重新提交：",
                    plan=plan.name, page=page), *adopted_lines), link)
