"""对标方案: the comparison report (比对分析报告) and the formal plan (正式版) of its drafting organisation
(an institution enrolled in an institution pilot, or an enterprise: engine.domain.enterprise_plans)."""
from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from engine import clock, progress, runtime
from engine import history as task_history
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
    ProcessEvent,
    ProcessInstance,
    StoredFile,
)

DOCUMENT_LABELS = {"comparison_report": N_("比对分析报告"), "standard_text": N_("标准文本"),
                   "scheme": N_("对标方案"), "explanation": N_("编制说明")}

def start_data(plan: Plan) -> dict:
    """What comparison_report and formal_plan start with: the plan, the drafting organisation's kind
    (``drafter``: the BPMN's 编制单位 gateways route the drafting steps to that role's lane) and the
    organisation that lane goes to (``institution_org_id`` / ``enterprise_org_id``)."""
    kind = plan.organization.kind
    return {"plan_id": plan.id, "drafter": kind, f"{kind}_org_id": plan.organization_id}


def start_report(session: Session, plan: Plan, actor_id: int | None) -> ProcessInstance:
    """编制方案 opens for the plan's drafting organisation (an institution or an enterprise)."""
    return runtime.start_instance(
        session, "comparison_report", subject=f"{plan.organization.name}：{plan.pilot.title}",
        business_key=business_key(plan), actor_id=actor_id, org_id=plan.organization_id, data=start_data(plan))


def open_report(session: Session, enrollment: Enrollment, actor_id: int | None) -> Plan:
    """Called when an institution's enrolment is approved: the plan row and its report process."""
    plan = Plan(pilot_id=enrollment.pilot_id, enrollment_id=enrollment.id,
                organization_id=enrollment.organization_id,
                created_at=clock.now(), updated_at=clock.now())
    session.add(plan)
    session.flush()
    start_report(session, plan, actor_id)
    return plan


def open_formal_plan(session: Session, plan: Plan, actor_id: int | None) -> ProcessInstance:
    plan.updated_at = clock.now()
    return runtime.start_instance(
        session, "formal_plan", subject=f"{plan.organization.name}：{plan.name}",
        business_key=business_key(plan), actor_id=actor_id, org_id=plan.organization_id, data=start_data(plan))


# Where the drafting organisation finds its plans: 我的方案 (an institution) or 我编制的 (an enterprise).
PLANS_PAGES = {"institution": ("/my/plans", N_("我的方案")), "enterprise": ("/my/drafted-plans", N_("我编制的"))}


def plans_page(plan: Plan) -> tuple[str, str]:
    """(link, words) of the page where the plan's drafting organisation continues its work."""
    return PLANS_PAGES.get(plan.organization.kind, PLANS_PAGES["institution"])


def add_submission(session: Session, plan: Plan, kind: str, data: dict,
                   documents: dict[str, StoredFile], actor_id: int | None,
                   keep_from: PlanSubmission | None = None) -> PlanSubmission:
    sequence = next_sequence(session, PlanSubmission.sequence,
                             PlanSubmission.plan_id == plan.id, PlanSubmission.kind == kind)
    submission = PlanSubmission(plan_id=plan.id, kind=kind, sequence=sequence, data=data,
                                created_at=clock.now(), created_by_id=actor_id)
    session.add(submission)
    session.flush()
    kept = {d.kind: d.file for d in keep_from.documents} if keep_from is not None else {}
    for kind, stored in {**kept, **documents}.items():
        session.flush()
        session.add(PlanDocument(submission_id=submission.id, kind=kind, file_id=stored.id))
    return submission


def latest_submission(session: Session, plan_id: int, kind: str) -> PlanSubmission | None:
    return session.scalars(select(PlanSubmission).where(
        PlanSubmission.plan_id == plan_id, PlanSubmission.kind == kind)
        .order_by(PlanSubmission.sequence.desc()).limit(1)).first()


def history(session: Session, plan_id: int, kind: str) -> list[PlanSubmission]:
    return list(session.scalars(select(PlanSubmission).where(
        PlanSubmission.plan_id == plan_id, PlanSubmission.kind == kind)
        .order_by(PlanSubmission.sequence.desc())))


def submit_report(context: ServiceContext, name: str, report: StoredFile | None) -> dict:
    """Handler of draft_report: names the plan and files the 比对分析报告 for review."""
    session = context.session
    plan = session.get(Plan, int(context.data["plan_id"]))
    previous = latest_submission(session, plan.id, "report")
    if report is None and previous is None:
        raise InputError("comparison_report", N_("请上传比对分析报告（PDF）"))
    plan.name, plan.updated_at = name, clock.now()
    documents = {"comparison_report": report} if report is not None else {}
    submission = add_submission(session, plan, "report", {"name": name}, documents,
                                context.actor_id, keep_from=previous)
    return {"submission_id": submission.id, "decision": None}


def decide(context: ServiceContext, decision: str, reason: str) -> dict:
    submission = context.get(PlanSubmission, context.data["submission_id"])
    record_decision(submission, decision, reason, context.actor_id)
    context.decided(reason)
    return {"decision": decision}


def plans_of(session: Session, organization_id: int) -> list[Plan]:
    return list(session.scalars(select(Plan).where(Plan.organization_id == organization_id)
                                .order_by(Plan.created_at.desc())))


def business_key(plan: Plan) -> str:
    """The key its chained processes (enrolment → report → formal plan) share."""
    return f"enrollment:{plan.enrollment_id}"


class WorkState(NamedTuple):
    """Where a plan's work stands: the stage (code and words, as the BPMN declares them) of the newest
    process under its business key, and the reason of a return the institution still has to act on."""
    code: str
    label: str
    reason: str | None = None
    instance: ProcessInstance | None = None  # that newest process (its step bar: engine.progress.bars)


def work_states(session: Session, rows: list[Plan]) -> dict[int, WorkState]:
    """当前状态 of each plan (by id), in two queries whatever the number of plans."""
    keys = {business_key(plan): plan.id for plan in rows}
    newest = (select(func.max(ProcessInstance.id)).where(ProcessInstance.business_key.in_(list(keys)))
              .group_by(ProcessInstance.business_key))
    instances = {row.business_key: row for row in session.scalars(
        select(ProcessInstance).where(ProcessInstance.id.in_(newest)))} if keys else {}
    reasons = _open_return_reasons(session, [i.id for i in instances.values()])
    states = {}
    for key, plan_id in keys.items():
        instance = instances.get(key)
        if instance is not None:
            states[plan_id] = WorkState(instance.stage or "", instance.stage_label or "", reasons.get(instance.id),
                                        instance)
    return states


def _open_return_reasons(session: Session, instance_ids: list[int]) -> dict[int, str]:
    """The reason of each instance's newest decision, where it returned the work and the returned
    task is still open (the institution has not resubmitted yet)."""
    if not instance_ids:
        return {}
    newest = (select(func.max(ProcessEvent.id)).where(ProcessEvent.instance_id.in_(instance_ids),
                                                      ProcessEvent.kind.in_(task_history.DECIDED))
              .group_by(ProcessEvent.instance_id))
    waiting = select(HumanTask.instance_id).where(HumanTask.instance_id.in_(instance_ids),
                                                  HumanTask.state == "ready", HumanTask.organization_id.is_not(None))
    return dict(session.execute(select(ProcessEvent.instance_id, ProcessEvent.reason).where(
        ProcessEvent.id.in_(newest), ProcessEvent.decision == "return", ProcessEvent.instance_id.in_(waiting))).all())


class MyPlan(NamedTuple):
    plan: Plan
    draft_task: HumanTask | None
    review_task: HumanTask | None  # the open task a 撤回 interrupts (None: nothing to withdraw now)
    state: WorkState
    bar: progress.Bar | None = None  # the step bar of its newest process


def plans_with_tasks(session: Session, organization_id: int) -> list[MyPlan]:
    """我的方案: the organisation's plans, each with its open task and the one it may withdraw from.

    Five queries whatever the number of plans: the plans, their newest instances, their open
    returns' reasons, the READY tasks of all of them, then the tasks their newest instances completed
    (their step bars; plus one for the BPMN of a version not read before).
    """
    rows = plans_of(session, organization_id)
    if not rows:
        return []
    keys = {plan.id: business_key(plan) for plan in rows}
    open_tasks: dict[tuple[str, str], HumanTask] = {}
    for key, task in session.execute(
        select(ProcessInstance.business_key, HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(ProcessInstance.business_key.in_(list(keys.values())), HumanTask.state == "ready")
        .order_by(HumanTask.id)
    ):
        if task.withdraw_message:
            open_tasks.setdefault((key, "review"), task)
        elif task.organization_id == organization_id:
            open_tasks.setdefault((key, "draft"), task)
    states = work_states(session, rows)
    bars = progress.bars(session, [state.instance for state in states.values()])
    return [MyPlan(plan, open_tasks.get((keys[plan.id], "draft")), open_tasks.get((keys[plan.id], "review")),
                   state, bars.get(state.instance.id) if state.instance else None)
            for plan in rows for state in [states.get(plan.id, WorkState("", ""))]]


def open_task_for(session: Session, plan: Plan, steps: tuple[str, ...]) -> HumanTask | None:
    """The plan's READY task at one of ``steps`` (BPMN task names, or form keys), found through the shared
    business key."""
    return session.scalars(
        select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(ProcessInstance.business_key == business_key(plan), HumanTask.state == "ready",
               or_(HumanTask.form_key.in_(steps), HumanTask.task_name.in_(steps)))
    ).first()


def co_drafted_by(session: Session, organization_id: int) -> list[Plan]:
    """我参编的: plans naming this enterprise among their 参编单位."""
    return list(session.scalars(select(Plan).join(PlanCoDrafter, PlanCoDrafter.plan_id == Plan.id)
                                .options(joinedload(Plan.organization))
                                .where(PlanCoDrafter.organization_id == organization_id)
                                .order_by(Plan.updated_at.desc())))
