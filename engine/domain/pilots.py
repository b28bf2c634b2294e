"""试点招募 and 报名参与: publishing pilots, enrolling, reviewing enrolments."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, distinct, func, select
from sqlalchemy.orm import Session

from engine import clock, progress, runtime
from engine.domain import plans
from engine.domain.errors import InputError
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


class EnrollmentError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def today() -> date:
    return clock.to_china(clock.now()).date()


def is_recruiting(pilot: Pilot) -> bool:
    """招募中 until the end of the 报名截止 day, China time, unless the office ended it early
    (结束招募); computed when read."""
    return pilot.closed_at is None and today() <= pilot.deadline


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


# --- 试点管理 (the office): 编辑, 结束招募, 报名情况 -------------------------------------------

MAX_ATTACHMENTS = 10
OFFICE_LANE = "office"


class PilotRefused(Exception):
    """A step of 试点管理 this user may not take, or not on this pilot now."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _require_office(user: User) -> None:
    if not user.has_role("office") or not user.organization.is_active:
        raise PilotRefused(N_("只有专项办可以管理试点招募"))


def enrollment_count(session: Session, pilot_id: int) -> int:
    return session.scalar(select(func.count(Enrollment.id)).where(Enrollment.pilot_id == pilot_id)) or 0


def _edit_problems(session: Session, pilot: Pilot, fields: dict, new_files: int,
                   removed: set[int]) -> list[tuple[str, str]]:
    """Every reason the edit is refused, at its field; nothing is written."""
    problems = []
    if fields["recruit_type"] != pilot.recruit_type:
        enrolled = enrollment_count(session, pilot.id)
        if enrolled:
            problems.append(("recruit_type", N_("已有 %(n)s 家单位报名该试点，招募类型不能修改", n=enrolled)))
    if fields["deadline"] != pilot.deadline:
        if pilot.closed_at is not None:
            problems.append(("deadline", N_("该试点已结束招募，报名截止不能再修改")))
        elif fields["deadline"] < today():
            problems.append(("deadline", N_("报名截止日期不能早于今天")))
    kept = sum(1 for f in pilot.files if f.file_id not in removed)
    if kept + new_files > MAX_ATTACHMENTS:
        problems.append(("attachments", N_("附件最多 %(n)s 个，请先删除不需要的附件", n=MAX_ATTACHMENTS)))
    return problems


def update_pilot(session: Session, user: User, pilot: Pilot, fields: dict, files: list[StoredFile],
                 remove_file_ids: list[int] | tuple = ()) -> Pilot:
    """编辑 a published recruitment: its fields, new attachments added, the chosen ones removed.

    The 报名截止 may stay as it was (even past) but not move into the past; the 招募类型 stays once
    anyone enrolled. Refusals raise ``InputError`` at their fields before anything is written."""
    _require_office(user)
    removed = set(remove_file_ids)
    problems = _edit_problems(session, pilot, fields, len(files), removed)
    if problems:
        raise InputError(*problems[0], more=problems[1:])
    for name, value in fields.items():
        setattr(pilot, name, value)
    pilot.updated_at, pilot.updated_by_id = clock.now(), user.id
    for attachment in [f for f in pilot.files if f.file_id in removed]:
        pilot.files.remove(attachment)
        session.delete(attachment)
    for stored in files:
        session.flush()
        pilot.files.append(PilotFile(pilot_id=pilot.id, file_id=stored.id))
    session.flush()
    return pilot


def close_pilot(session: Session, user: User, pilot: Pilot) -> Pilot:
    """结束招募 now: no new enrolments; the enrolments under review go on."""
    _require_office(user)
    if pilot.closed_at is not None:
        raise PilotRefused(N_("该试点已结束招募"))
    if not is_recruiting(pilot):
        raise PilotRefused(N_("该试点报名已截止，无需结束招募"))
    pilot.closed_at, pilot.closed_by_id = clock.now(), user.id
    session.flush()
    return pilot


@dataclass
class EnrollmentCounts:
    total: int = 0  # 报名数
    pending: int = 0  # 待审核: an office task open on the enrolment


def enrollment_counts(session: Session, pilot_ids: list[int]) -> dict[int, EnrollmentCounts]:
    """报名数 and 待审核 of each pilot (absent: none), in one query."""
    if not pilot_ids:
        return {}
    rows = session.execute(
        select(Enrollment.pilot_id, func.count(distinct(Enrollment.id)), func.count(HumanTask.id))
        .outerjoin(HumanTask, and_(HumanTask.instance_id == Enrollment.instance_id,
                                   HumanTask.state == "ready", HumanTask.role == OFFICE_LANE))
        .where(Enrollment.pilot_id.in_(pilot_ids)).group_by(Enrollment.pilot_id))
    return {pilot_id: EnrollmentCounts(total, pending) for pilot_id, total, pending in rows}


def _counted_page(session: Session, query, page: int, per_page: int):
    """(rows of ``page``, total); a page past the end has no rows (the web layer's pager then reads
    the last page)."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    return session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all(), total


def list_pilots(session: Session, page: int, per_page: int = 20, recruiting_only: bool = False):
    query = select(Pilot)
    if recruiting_only:
        query = query.where(Pilot.deadline >= today(), Pilot.closed_at.is_(None))
    return _counted_page(session, query.order_by(Pilot.published_at.desc(), Pilot.id.desc()), page, per_page)


def enrollment_of(session: Session, pilot_id: int, organization_id: int) -> Enrollment | None:
    return session.scalars(select(Enrollment).where(
        Enrollment.pilot_id == pilot_id, Enrollment.organization_id == organization_id)).first()


# Why an organisation may not enrol (the 试点 page, 报名参与) and the same, shortly (正在招募 list).
REFUSALS = {"inactive": N_("帐号审核通过后才能报名"), "disabled": N_("您单位的帐号已停用，不能报名"),
            "closed": N_("该试点报名已截止"),
            "ended": N_("专项办已结束该试点招募，不再接受报名"),
            "enrolled": N_("您的单位已报名该试点，请在“我参与的”中查看")}
LIST_REFUSALS = {"inactive": N_("帐号审核通过后才能报名"), "disabled": N_("帐号已停用"), "closed": N_("报名已截止"),
                 "ended": N_("招募已结束"),
                 "enrolled": N_("已报名")}


def _refusal_code(organization, pilot: Pilot, is_enrolled: Callable[[], bool]) -> str | None:
    if not organization.is_active:
        return "disabled" if organization.status == "disabled" else "inactive"
    if organization.kind != pilot.recruit_type:
        return "other_type"
    if not is_recruiting(pilot):
        return "ended" if pilot.closed_at is not None else "closed"
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
    context.decided(reason)
    return {"decision": decision}


@dataclass
class MyEnrollment:
    enrollment: Enrollment
    instance: ProcessInstance | None
    open_task: HumanTask | None
    plan_task: HumanTask | None = None  # 编制方案 / 提交正式版, once the enrolment is approved
    work: plans.WorkState | None = None  # 当前状态 of the plan an approved institution works on
    bar: progress.Bar | None = None  # the step bar of the plan's newest process, else of the enrolment's


def enrollments_of(session: Session, organization_id: int, page: int, per_page: int = 20):
    """我参与的: a page of the organisation's enrolments.

    The same queries whatever the number of rows: count, enrolments, their instances, their READY tasks,
    the open 编制方案 / 提交正式版 tasks, the plans, the plans' newest instances and last decisions
    (当前状态), and the tasks completed for the step bars (plus one for the BPMN of a version not read
    before)."""
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
               HumanTask.state == "ready", HumanTask.organization_id == organization_id,
               HumanTask.instance_id.not_in(instance_ids))  # the plan's steps, not the enrolment's own
        .order_by(HumanTask.id)).all())
    work = _work_of(session, [row.id for row in rows])
    shown = {row.id: work[row.id].instance if row.id in work else instances.get(row.instance_id) for row in rows}
    bars = progress.bars(session, list(shown.values()))
    return [MyEnrollment(row, instances.get(row.instance_id), tasks.get(row.instance_id),
                         plan_tasks.get(f"enrollment:{row.id}"), work.get(row.id),
                         bars.get(shown[row.id].id) if shown[row.id] else None) for row in rows], total


def _work_of(session: Session, enrollment_ids: list[int]) -> dict[int, plans.WorkState]:
    """The 当前状态 of the plan of each enrolment that has one (an approved institution's), by enrolment id."""
    rows = list(session.scalars(select(Plan).where(Plan.enrollment_id.in_(enrollment_ids)))) \
        if enrollment_ids else []
    states = plans.work_states(session, rows)
    return {plan.enrollment_id: states[plan.id] for plan in rows if plan.id in states}
