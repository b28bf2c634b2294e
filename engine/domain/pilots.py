"""试点招募 and 报名参与: publishing pilots, enrolling, reviewing enrolments."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock, runtime
from engine.domain import plans
from engine.domain.reviews import next_sequence, record_decision
from engine.services import ServiceContext
from engine.text import N_
from storage.models import (
    Enrollment,
    EnrollmentFile,
    EnrollmentSubmission,
    HumanTask,
    Pilot,
    PilotFile,
    Plan,
    ProcessInstance,
    StoredFile,
    User,
)

PROCESS_KEY = "pilot_enrollment"
RECRUIT_TYPE_LABELS = {"institution": N_("第三方技术机构"), "enterprise": N_("企业")}
FIELD_LABELS = {"product": N_("产品"), "organization": N_("组织"), "region": N_("区域")}


class EnrollmentError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def today() -> date:
    return clock.to_china(clock.now()).date()


def is_recruiting(pilot: Pilot) -> bool:
    """招募中 until the end of the 报名截止 day, China time; computed, never stored."""
    return today() <= pilot.deadline


def status_label(pilot: Pilot) -> str:
    return N_("招募中") if is_recruiting(pilot) else N_("已结束")


def create_pilot(session: Session, user: User, fields: dict, files: list[StoredFile]) -> Pilot:
    pilot = Pilot(**fields, published_at=clock.now(), created_by_id=user.id)
    session.add(pilot)
    session.flush()
    for stored in files:
        session.flush()
        session.add(PilotFile(pilot_id=pilot.id, file_id=stored.id))
    return pilot


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def _counted_page(session: Session, query, page: int, per_page: int):
    """(rows of ``page``, total); a page past the end reads the last one (the caller shows it as
    ``min(page, last_page(total, per_page))``)."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = min(max(1, page), last_page(total, per_page))
    return session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all(), total


def list_pilots(session: Session, page: int, per_page: int = 20, recruiting_only: bool = False):
    query = select(Pilot)
    if recruiting_only:
        query = query.where(Pilot.deadline >= today())
    return _counted_page(session, query.order_by(Pilot.published_at.desc(), Pilot.id.desc()), page, per_page)


def enrollment_of(session: Session, pilot_id: int, organization_id: int) -> Enrollment | None:
    return session.scalars(select(Enrollment).where(
        Enrollment.pilot_id == pilot_id, Enrollment.organization_id == organization_id)).first()


# Why an organisation may not enrol (the 试点 page, 报名参与) and the same, shortly (正在招募 list).
REFUSALS = {"inactive": N_("帐号审核通过后才能报名"), "closed": N_("该试点报名已截止"),
            "enrolled": N_("您的单位已报名该试点，请在“我参与的”中查看")}
LIST_REFUSALS = {"inactive": N_("帐号审核通过后才能报名"), "closed": N_("报名已截止"), "enrolled": N_("已报名")}


def _refusal_code(organization, pilot: Pilot, is_enrolled: Callable[[], bool]) -> str | None:
    if not organization.is_active:
        return "inactive"
    if organization.kind != pilot.recruit_type:
        return "other_type"
    if not is_recruiting(pilot):
        return "closed"
    return "enrolled" if is_enrolled() else None


def refusal(session: Session, user: User, pilot: Pilot) -> str | None:
    """Why this user's organisation may not enrol in this pilot (None: it may)."""
    organization = user.organization
    code = _refusal_code(organization, pilot,
                         lambda: enrollment_of(session, pilot.id, organization.id) is not None)
    if code == "other_type":
        return N_("该试点招募%(who)s，您的单位不能报名", who=RECRUIT_TYPE_LABELS[pilot.recruit_type])
    return REFUSALS.get(code)


def list_refusals(session: Session, user: User, rows: list[Pilot]) -> dict[int, tuple[str, str] | None]:
    """正在招募 for a member: per pilot id, None when it may 报名参与, else (code, short label).

    One query for the page (which of its pilots the organisation enrolled in)."""
    organization = user.organization
    enrolled = set(session.scalars(select(Enrollment.pilot_id).where(
        Enrollment.organization_id == organization.id, Enrollment.pilot_id.in_([p.id for p in rows]))))
    result: dict[int, tuple[str, str] | None] = {}
    for pilot in rows:
        code = _refusal_code(organization, pilot, lambda pilot_id=pilot.id: pilot_id in enrolled)
        if code == "other_type":
            result[pilot.id] = (code, N_("仅限%(who)s报名", who=RECRUIT_TYPE_LABELS[pilot.recruit_type]))
        else:
            result[pilot.id] = (code, LIST_REFUSALS[code]) if code else None
    return result


def enroll(session: Session, user: User, pilot: Pilot, note: str,
           files: list[StoredFile]) -> Enrollment:
    problem = refusal(session, user, pilot)
    if problem:
        raise EnrollmentError(problem)
    enrollment = Enrollment(pilot_id=pilot.id, organization_id=user.organization_id,
                            created_at=clock.now())
    session.add(enrollment)
    session.flush()
    submission = _add_submission(session, enrollment, note, files, user.id)
    instance = runtime.start_instance(
        session, PROCESS_KEY, subject=f"{user.organization.name}：{pilot.title}",
        business_key=f"enrollment:{enrollment.id}", actor_id=user.id, org_id=user.organization_id,
        data={"enrollment_id": enrollment.id, "submission_id": submission.id,
              "recruit_type": pilot.recruit_type},
    )
    enrollment.instance_id = instance.id
    return enrollment


def _add_submission(session, enrollment, note, files, actor_id,
                    previous: EnrollmentSubmission | None = None) -> EnrollmentSubmission:
    sequence = next_sequence(session, EnrollmentSubmission.sequence,
                             EnrollmentSubmission.enrollment_id == enrollment.id)
    submission = EnrollmentSubmission(enrollment_id=enrollment.id, sequence=sequence,
                                      note=note or "", created_at=clock.now(),
                                      created_by_id=actor_id)
    session.add(submission)
    session.flush()
    kept = [f.file for f in previous.files] if previous is not None and not files else []
    for stored in [*kept, *files]:
        session.flush()
        session.add(EnrollmentFile(submission_id=submission.id, file_id=stored.id))
    return submission


def current_submission(session: Session, enrollment_id: int) -> EnrollmentSubmission:
    return session.scalars(select(EnrollmentSubmission).where(
        EnrollmentSubmission.enrollment_id == enrollment_id)
        .order_by(EnrollmentSubmission.sequence.desc()).limit(1)).one()


def resubmit(context: ServiceContext, note: str, files: list[StoredFile]) -> dict:
    """Handler of correct_enrollment: a new submission; no new files keeps the earlier ones."""
    previous = context.get(EnrollmentSubmission, context.data["submission_id"])
    submission = _add_submission(context.session, previous.enrollment, note, files,
                                 context.actor_id, previous=previous)
    return {"submission_id": submission.id, "decision": None}


def decide(context: ServiceContext, decision: str, reason: str) -> dict:
    submission = context.get(EnrollmentSubmission, context.data["submission_id"])
    record_decision(submission, decision, reason, context.actor_id)
    return {"decision": decision}


@dataclass
class MyEnrollment:
    enrollment: Enrollment
    instance: ProcessInstance | None
    open_task: HumanTask | None
    plan_task: HumanTask | None = None  # 编制方案 / 提交正式版, once the enrolment is approved
    work: plans.WorkState | None = None  # 当前状态 of the plan an approved institution works on


def enrollments_of(session: Session, organization_id: int, page: int, per_page: int = 20):
    """我参与的: a page of the organisation's enrolments (a page past the end reads the last one).

    Seven queries whatever the number of rows: count, enrolments, their instances, their READY tasks,
    the open 编制方案 / 提交正式版 tasks, the plans, and the plans' last decisions (当前状态)."""
    query = select(Enrollment).where(Enrollment.organization_id == organization_id)
    rows, total = _counted_page(session, query.order_by(Enrollment.created_at.desc(), Enrollment.id.desc()),
                                page, per_page)
    instance_ids = [row.instance_id for row in rows if row.instance_id]
    instances = {i.id: i for i in session.scalars(
        select(ProcessInstance).where(ProcessInstance.id.in_(instance_ids)))}
    tasks = {t.instance_id: t for t in session.scalars(select(HumanTask).where(
        HumanTask.instance_id.in_(instance_ids), HumanTask.state == "ready"))}
    plan_tasks = dict(session.execute(  # the business key read along, not loaded once per task
        select(ProcessInstance.business_key, HumanTask)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(ProcessInstance.business_key.in_([f"enrollment:{row.id}" for row in rows]),
               HumanTask.state == "ready", HumanTask.form_key.in_(plans.DRAFT_TASKS))).all())
    work = _work_of(session, [row.id for row in rows])
    return [MyEnrollment(row, instances.get(row.instance_id), tasks.get(row.instance_id),
                         plan_tasks.get(f"enrollment:{row.id}"), work.get(row.id)) for row in rows], total


def _work_of(session: Session, enrollment_ids: list[int]) -> dict[int, plans.WorkState]:
    """The 当前状态 of the plan of each enrolment that has one (an approved institution's), by enrolment id."""
    rows = list(session.scalars(select(Plan).where(Plan.enrollment_id.in_(enrollment_ids)))) \
        if enrollment_ids else []
    states = plans.work_states(session, rows)
    return {plan.enrollment_id: states[plan.id] for plan in rows}
