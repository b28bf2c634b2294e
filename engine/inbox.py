"""Who sees which task and instance: plain indexed queries, never the workflow state."""
from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from engine.projection import APPLICANT_LANE
from storage.models import (
    Application,
    ApplicationSubmission,
    Declaration,
    EnrollmentSubmission,
    Evaluation,
    HumanTask,
    Plan,
    PlanSubmission,
    ProcessEvent,
    ProcessInstance,
    RegistrationSubmission,
    User,
)

PER_PAGE = 20


def _offered_to(user: User):
    roles = sorted(user.role_set)
    return or_(
        and_(HumanTask.role.in_(roles), HumanTask.organization_id.is_(None)),
        and_(
            HumanTask.organization_id == user.organization_id,
            or_(HumanTask.role == APPLICANT_LANE, HumanTask.role.in_(roles)),
        ),
    )


def may_act(user: User, task: HumanTask) -> bool:
    if task.organization_id is None:
        return task.role in user.role_set
    return task.organization_id == user.organization_id and (
        task.role == APPLICANT_LANE or task.role in user.role_set
    )


def inbox(session: Session, user: User, page: int = 1, per_page: int = PER_PAGE):
    """待办: READY tasks offered to the user's roles and organisation, newest first."""
    query = select(HumanTask).where(HumanTask.state == "ready", _offered_to(user))
    return _page(session, query, page, per_page,
                 (HumanTask.created_at.desc(), HumanTask.id.desc()))


@dataclass
class DoneRow:
    """One 已办 row: the task, what its completion decided and why, and what became of the object."""

    task: HumanTask
    outcome: dict = field(default_factory=dict)  # the completion's audit summary (decision, counts, ids)
    reason: str | None = None  # the reason given with the decision (退回 / 不予通过 / 撤下 / 评价说明)
    conclusion: str | None = None  # 评价结论 (pass / fail) of an institution's evaluation
    revoked: bool = False  # the certificate the instance issued has since been revoked

    @property
    def decision(self) -> str | None:
        return self.outcome.get("decision")


def done(session: Session, user: User, page: int = 1, per_page: int = PER_PAGE):
    """已办: tasks this user completed, newest first, each with its decision (DoneRow).

    A bounded number of indexed queries per page, whatever its length; never the workflow state."""
    query = select(HumanTask).where(HumanTask.completed_by_id == user.id,
                                    HumanTask.state == "completed")
    tasks, total = _page(session, query, page, per_page,
                         (HumanTask.completed_at.desc(), HumanTask.id.desc()))
    rows = [DoneRow(task) for task in tasks]
    if rows:
        _add_outcomes(session, user, rows)
        _add_revocations(session, rows)
    return rows, total


def completed(session: Session, user: User, task: HumanTask) -> DoneRow:
    """One task of the user's 已办 with its decision, for its read-only page."""
    row = DoneRow(task)
    _add_outcomes(session, user, [row])
    _add_revocations(session, [row])
    return row


def _page(session, query, page, per_page, order):
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(joinedload(HumanTask.instance))
        .order_by(*order).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return rows, total


# --- what a completed task decided -----------------------------------------------------------


@dataclass(frozen=True)
class _Mine:
    """A task the user completed on one of the page's business objects."""

    id: int
    instance_id: int
    task_name: str
    form_key: str
    business_key: str | None


@dataclass(frozen=True)
class _Source:
    """Where the reason of a kind of decision is kept: ``rows(user_id, object_ids)`` selects
    (object id, reason[, conclusion]) in the order the user decided them."""

    form_key: str
    prefix: str  # of the business key: ``<prefix>:<object id>``
    decisions: tuple[str, ...] | None  # the completions it applies to; None: all of the form key
    rows: Callable[[int, list[int]], object]


def _reviewed(model, object_column, *where, join=None):
    """Rows a user decided with the Reviewed columns (通过 / 退回修改 / 不予通过 and the reason)."""
    def rows(user_id: int, object_ids: list[int]):
        statement = select(object_column, model.reason).select_from(model)
        if join is not None:
            statement = statement.join(*join)
        return statement.where(model.decided_by_id == user_id, object_column.in_(object_ids), *where) \
            .order_by(model.decided_at, model.id)
    return rows


def _evaluations_made(user_id: int, object_ids: list[int]):
    return select(Evaluation.application_id, Evaluation.explanation, Evaluation.conclusion).where(
        Evaluation.created_by_id == user_id, Evaluation.application_id.in_(object_ids)
    ).order_by(Evaluation.sequence)


def _take_downs(user_id: int, object_ids: list[int]):
    return select(Declaration.id, Declaration.taken_down_reason).where(Declaration.id.in_(object_ids))


_PLAN = (Plan, Plan.id == PlanSubmission.plan_id)
SOURCES = (
    _Source("vet_registration", "organization", None,
            _reviewed(RegistrationSubmission, RegistrationSubmission.organization_id)),
    _Source("review_enrollment", "enrollment", None,
            _reviewed(EnrollmentSubmission, EnrollmentSubmission.enrollment_id)),
    _Source("review_report", "enrollment", None,
            _reviewed(PlanSubmission, Plan.enrollment_id, PlanSubmission.stage == "report", join=_PLAN)),
    _Source("review_plan", "enrollment", None,
            _reviewed(PlanSubmission, Plan.enrollment_id, PlanSubmission.stage == "plan", join=_PLAN)),
    _Source("evaluate_application", "application", ("return",),
            _reviewed(ApplicationSubmission, ApplicationSubmission.application_id)),
    _Source("evaluate_application", "application", ("evaluate",), _evaluations_made),
    _Source("file_evaluation", "application", None, _reviewed(Evaluation, Evaluation.application_id)),
    _Source("check_declaration", "declaration", ("take_down",), _take_downs),
)


def _object_id(business_key: str | None, prefix: str) -> int | None:
    kind, _, number = (business_key or "").partition(":")
    return int(number) if kind == prefix and number.isdigit() else None


def _add_outcomes(session: Session, user: User, rows: list[DoneRow]) -> None:
    """Each row's decision (its audit event) and reason (the domain row it decided).

    A user's completions of one task in one instance and the audit events they wrote pair up in
    order, as do a user's decisions on one object and the domain rows they decided; so every
    completion of the user on the page's objects is read (ids only), not just the page's."""
    keys = {row.task.instance.business_key for row in rows} - {None}
    mine = [_Mine(*values) for values in session.execute(
        select(HumanTask.id, HumanTask.instance_id, HumanTask.task_name, HumanTask.form_key,
               ProcessInstance.business_key)
        .join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(HumanTask.completed_by_id == user.id, HumanTask.state == "completed",
               or_(HumanTask.instance_id.in_({row.task.instance_id for row in rows}),
                   ProcessInstance.business_key.in_(keys)))
        .order_by(HumanTask.id))]
    events: dict[tuple[int, str], deque] = defaultdict(deque)
    for instance_id, task_name, summary in session.execute(
            select(ProcessEvent.instance_id, ProcessEvent.task_name, ProcessEvent.summary)
            .where(ProcessEvent.kind == "task_completed", ProcessEvent.actor_id == user.id,
                   ProcessEvent.instance_id.in_({m.instance_id for m in mine}))
            .order_by(ProcessEvent.instance_id, ProcessEvent.sequence)):
        events[(instance_id, task_name)].append(summary or {})
    outcomes = {m.id: events[(m.instance_id, m.task_name)].popleft()
                for m in mine if events[(m.instance_id, m.task_name)]}
    reasons = _reasons(session, user, mine, outcomes)
    for row in rows:
        row.outcome = outcomes.get(row.task.id, {})
        row.reason, row.conclusion = reasons.get(row.task.id, (None, None))


def _reasons(session: Session, user: User, mine: list[_Mine], outcomes: dict[int, dict]) -> dict:
    """Task id → (reason, conclusion), from the domain rows the user's decisions wrote."""
    found: dict[int, tuple] = {}
    for source in SOURCES:
        by_object: dict[int, list[int]] = defaultdict(list)
        for m in mine:
            object_id = _object_id(m.business_key, source.prefix)
            if m.form_key == source.form_key and object_id is not None and (
                    source.decisions is None or outcomes.get(m.id, {}).get("decision") in source.decisions):
                by_object[object_id].append(m.id)
        if not by_object:
            continue
        decided: dict[int, deque] = defaultdict(deque)
        for object_id, reason, *more in session.execute(source.rows(user.id, sorted(by_object))):
            decided[object_id].append((reason, more[0] if more else None))
        for object_id, task_ids in by_object.items():
            for task_id in task_ids:
                if decided[object_id]:
                    found[task_id] = decided[object_id].popleft()
    return found


def _add_revocations(session: Session, rows: list[DoneRow]) -> None:
    """The instance of an application whose certificate was revoked is no longer 已发证."""
    by_application = defaultdict(list)
    for row in rows:
        application_id = _object_id(row.task.instance.business_key, "application")
        if application_id is not None:
            by_application[application_id].append(row)
    if not by_application:
        return
    for (application_id,) in session.execute(select(Application.id).where(
            Application.id.in_(sorted(by_application)), Application.status == "revoked")):
        for row in by_application[application_id]:
            row.revoked = True


def may_view_instance(session: Session, user: User, instance: ProcessInstance) -> bool:
    """Participants: the starting organisation, anyone offered or completing one of its tasks."""
    if user.has_role("operator"):
        return True
    if instance.started_by_org_id == user.organization_id:
        return True
    offered = exists().where(HumanTask.instance_id == instance.id, or_(
        _offered_to(user), HumanTask.completed_by_id == user.id))
    return bool(session.scalar(select(offered)))
