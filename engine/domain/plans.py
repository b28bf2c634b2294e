"""对标方案: the comparison report (比对分析报告) and the formal plan (正式版) of an institution."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session, joinedload

from engine import clock, runtime
from engine.domain.errors import InputError
from engine.domain.reviews import next_sequence, record_decision
from engine.services import ServiceContext
from engine.text import N_
from storage.models import (
    Enrollment,
    HumanTask,
    Plan,
    PlanCoDrafter,
    PlanDocument,
    PlanSubmission,
    ProcessInstance,
    StoredFile,
)

DOCUMENT_LABELS = {"comparison_report": N_("比对分析报告"), "standard_text": N_("标准文本"),
                   "scheme": N_("对标方案"), "explanation": N_("编制说明")}
STATUS_LABELS = {"report_drafting": N_("待上传比对分析报告"), "report_review": N_("比对分析报告审核中"),
                 "drafting": N_("方案编制中"), "plan_review": N_("正式版审核中"),
                 "awaiting_publicity": N_("待公示"), "publicity": N_("公示中"), "publicity_closed": N_("公示结束"),
                 "published": N_("发布"), "rejected": N_("不予通过")}
# 当前状态 of the work in 我参与的 and 我的方案: the plan's status, told apart by its last submission.
WORK_LABELS = {**STATUS_LABELS, "report_drafting": N_("待编制方案"),
               "report_returned": N_("已退回（比对分析报告）"), "report_withdrawn": N_("已撤回（比对分析报告）"),
               "plan_returned": N_("已退回（正式版）"), "plan_withdrawn": N_("已撤回（正式版）")}


def open_report(session: Session, enrollment: Enrollment, actor_id: int | None) -> Plan:
    """Called when an institution's enrolment is approved: the plan row and its report process."""
    plan = Plan(pilot_id=enrollment.pilot_id, enrollment_id=enrollment.id,
                organization_id=enrollment.organization_id, status="report_drafting",
                created_at=clock.now(), updated_at=clock.now())
    session.add(plan)
    session.flush()
    runtime.start_instance(
        session, "comparison_report", subject=f"{enrollment.organization.name}：{enrollment.pilot.title}",
        business_key=f"enrollment:{enrollment.id}", actor_id=actor_id, org_id=enrollment.organization_id,
        data={"plan_id": plan.id, "institution_org_id": enrollment.organization_id},
    )
    return plan


def open_formal_plan(session: Session, plan: Plan, actor_id: int | None) -> ProcessInstance:
    plan.status, plan.updated_at = "drafting", clock.now()
    return runtime.start_instance(
        session, "formal_plan", subject=f"{plan.organization.name}：{plan.name}",
        business_key=f"enrollment:{plan.enrollment_id}", actor_id=actor_id,
        org_id=plan.organization_id,
        data={"plan_id": plan.id, "institution_org_id": plan.organization_id},
    )


def add_submission(session: Session, plan: Plan, stage: str, data: dict,
                   documents: dict[str, StoredFile], actor_id: int | None,
                   keep_from: PlanSubmission | None = None) -> PlanSubmission:
    sequence = next_sequence(session, PlanSubmission.sequence,
                             PlanSubmission.plan_id == plan.id, PlanSubmission.stage == stage)
    submission = PlanSubmission(plan_id=plan.id, stage=stage, sequence=sequence, data=data,
                                created_at=clock.now(), created_by_id=actor_id)
    session.add(submission)
    session.flush()
    kept = {d.kind: d.file for d in keep_from.documents} if keep_from is not None else {}
    for kind, stored in {**kept, **documents}.items():
        session.flush()
        session.add(PlanDocument(submission_id=submission.id, kind=kind, file_id=stored.id))
    return submission


def latest_submission(session: Session, plan_id: int, stage: str) -> PlanSubmission | None:
    return session.scalars(select(PlanSubmission).where(
        PlanSubmission.plan_id == plan_id, PlanSubmission.stage == stage)
        .order_by(PlanSubmission.sequence.desc()).limit(1)).first()


def history(session: Session, plan_id: int, stage: str) -> list[PlanSubmission]:
    return list(session.scalars(select(PlanSubmission).where(
        PlanSubmission.plan_id == plan_id, PlanSubmission.stage == stage)
        .order_by(PlanSubmission.sequence.desc())))


def submit_report(context: ServiceContext, name: str, report: StoredFile | None) -> dict:
    """Handler of draft_report: names the plan and files the 比对分析报告 for review."""
    session = context.session
    plan = session.get(Plan, int(context.data["plan_id"]))
    previous = latest_submission(session, plan.id, "report")
    if report is None and previous is None:
        raise InputError("comparison_report", N_("请上传比对分析报告（PDF）"))
    plan.name, plan.status, plan.updated_at = name, "report_review", clock.now()
    documents = {"comparison_report": report} if report is not None else {}
    submission = add_submission(session, plan, "report", {"name": name}, documents,
                                context.actor_id, keep_from=previous)
    return {"submission_id": submission.id, "decision": None}


def decide(context: ServiceContext, decision: str, reason: str) -> dict:
    submission = context.get(PlanSubmission, context.data["submission_id"])
    record_decision(submission, decision, reason, context.actor_id)
    return {"decision": decision}


def plans_of(session: Session, organization_id: int) -> list[Plan]:
    return list(session.scalars(select(Plan).where(Plan.organization_id == organization_id)
                                .order_by(Plan.created_at.desc())))


DRAFT_TASKS = ("draft_report", "draft_plan")  # the institution's 编制方案 / 提交正式版
REVIEW_TASKS = ("review_report", "review_plan")  # the office's, which the institution may 撤回


class WorkState(NamedTuple):
    """Where a plan's work stands: ``code`` (a WORK_LABELS key), its label, the office's 退回原因."""
    code: str
    label: str
    reason: str | None = None


def _work_state(plan: Plan, latest: dict[str, tuple[str | None, str | None]]) -> WorkState:
    """``latest``: stage (report / plan) -> (decision, reason) of the plan's last submission."""
    code, reason = plan.status, None
    stage = {"report_drafting": "report", "drafting": "plan"}.get(plan.status)
    decision, last_reason = latest.get(stage, (None, None)) if stage else (None, None)
    if decision == "return":
        code, reason = f"{stage}_returned", last_reason
    elif decision == "withdrawn":
        code = f"{stage}_withdrawn"
    return WorkState(code, WORK_LABELS.get(code, code), reason)


def work_states(session: Session, rows: list[Plan]) -> dict[int, WorkState]:
    """当前状态 of each plan (by id), in one query whatever the number of plans: the decision and
    reason of each plan's last 比对分析报告 and last formal plan submission."""
    ids = [plan.id for plan in rows]
    latest: dict[int, dict[str, tuple[str | None, str | None]]] = {plan_id: {} for plan_id in ids}
    if ids:
        last = (select(PlanSubmission.plan_id, PlanSubmission.stage,
                       func.max(PlanSubmission.sequence).label("sequence"))
                .where(PlanSubmission.plan_id.in_(ids), PlanSubmission.stage.in_(("report", "plan")))
                .group_by(PlanSubmission.plan_id, PlanSubmission.stage).subquery())
        for plan_id, stage, decision, reason in session.execute(
            select(PlanSubmission.plan_id, PlanSubmission.stage, PlanSubmission.decision, PlanSubmission.reason)
            .join(last, and_(PlanSubmission.plan_id == last.c.plan_id, PlanSubmission.stage == last.c.stage,
                             PlanSubmission.sequence == last.c.sequence))
        ):
            latest[plan_id][stage] = (decision, reason)
    return {plan.id: _work_state(plan, latest[plan.id]) for plan in rows}


class MyPlan(NamedTuple):
    plan: Plan
    draft_task: HumanTask | None
    review_task: HumanTask | None
    state: WorkState


def plans_with_tasks(session: Session, organization_id: int) -> list[MyPlan]:
    """我的方案: the organisation's plans, each with its open draft and review task.

    Three queries whatever the number of plans: the plans, their last submissions' decisions
    (the 当前状态), then the READY tasks of all of them.
    """
    rows = plans_of(session, organization_id)
    if not rows:
        return []
    business_keys = {plan.id: f"enrollment:{plan.enrollment_id}" for plan in rows}  # shared by its processes
    open_tasks: dict[tuple[str, str], HumanTask] = {}
    for business_key, task in session.execute(
        select(ProcessInstance.business_key, HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(ProcessInstance.business_key.in_(list(business_keys.values())),
               HumanTask.state == "ready", HumanTask.form_key.in_(DRAFT_TASKS + REVIEW_TASKS))
        .order_by(HumanTask.id)
    ):
        kind = "draft" if task.form_key in DRAFT_TASKS else "review"
        open_tasks.setdefault((business_key, kind), task)
    states = work_states(session, rows)
    return [MyPlan(plan, open_tasks.get((business_keys[plan.id], "draft")),
                   open_tasks.get((business_keys[plan.id], "review")), states[plan.id]) for plan in rows]


def open_task_for(session: Session, plan: Plan, form_keys: tuple[str, ...]) -> HumanTask | None:
    """The plan's READY task with one of ``form_keys`` (found through the shared business key)."""
    return session.scalars(
        select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(ProcessInstance.business_key == f"enrollment:{plan.enrollment_id}",
               HumanTask.state == "ready", HumanTask.form_key.in_(form_keys))
    ).first()


def co_drafted_by(session: Session, organization_id: int) -> list[Plan]:
    """我参编的: plans naming this enterprise among their 参编单位."""
    return list(session.scalars(select(Plan).join(PlanCoDrafter, PlanCoDrafter.plan_id == Plan.id)
                                .options(joinedload(Plan.organization))
                                .where(PlanCoDrafter.organization_id == organization_id)
                                .order_by(Plan.updated_at.desc())))
