"""Who sees which task and instance: plain indexed queries, never the workflow state."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, joinedload

from engine import history
from engine.counting import capped_count
from engine.projection import APPLICANT_LANE
from storage.models import Certificate, HumanTask, ProcessInstance, User

PER_PAGE = 20


def _offered_to(user: User):
    """A task an operator assigned to one user (转办) is offered to that user only."""
    roles = sorted(user.role_set)
    return or_(HumanTask.assignee_id == user.id, and_(HumanTask.assignee_id.is_(None), or_(
        and_(HumanTask.role.in_(roles), HumanTask.organization_id.is_(None)),
        and_(
            HumanTask.organization_id == user.organization_id,
            or_(HumanTask.role == APPLICANT_LANE, HumanTask.role.in_(roles)),
        ),
    )))


def may_act(user: User, task: HumanTask) -> bool:
    if task.assignee_id is not None:
        return task.assignee_id == user.id
    if task.organization_id is None:
        return task.role in user.role_set
    return task.organization_id == user.organization_id and (
        task.role == APPLICANT_LANE or task.role in user.role_set
    )


def inbox_query(user: User, where=()):
    """待办's SELECT: READY tasks offered to the user's roles and organisation, narrowed by ``where``
    (the list's filters, engine.list_filters)."""
    return select(HumanTask).where(HumanTask.state == "ready", _offered_to(user), *where)


def inbox(session: Session, user: User, page: int = 1, per_page: int = PER_PAGE, where=(), order=None):
    """待办: READY tasks offered to the user's roles and organisation, newest first (or ``order``)."""
    return _page(session, inbox_query(user, where), page, per_page,
                 order or (HumanTask.created_at.desc(), HumanTask.id.desc()))


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


def done_query(user: User, where=()):
    """已办's SELECT: tasks this user completed, narrowed by ``where``."""
    return select(HumanTask).where(HumanTask.completed_by_id == user.id, HumanTask.state == "completed", *where)


def done(session: Session, user: User, page: int = 1, per_page: int = PER_PAGE, where=(), order=None):
    """已办: tasks this user completed, newest first (or ``order``), each with its decision (DoneRow).

    A bounded number of indexed queries per page, whatever its length; never the workflow state."""
    tasks, total = _page(session, done_query(user, where), page, per_page,
                         order or (HumanTask.completed_at.desc(), HumanTask.id.desc()))
    rows = [DoneRow(task) for task in tasks]
    if rows:
        _add_outcomes(session, rows)
        _add_revocations(session, rows)
    return rows, total


def completed(session: Session, user: User, task: HumanTask) -> DoneRow:
    """One task of the user's 已办 with its decision, for its read-only page."""
    row = DoneRow(task)
    _add_outcomes(session, [row])
    _add_revocations(session, [row])
    return row


def _page(session, query, page, per_page, order):
    total = capped_count(session, query.with_only_columns(HumanTask.id), (page - 1) * per_page)
    rows = session.scalars(
        query.options(joinedload(HumanTask.instance))
        .order_by(*order).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return rows, total


def _add_outcomes(session: Session, rows: list[DoneRow]) -> None:
    """Each row's decision, reason and outcomes: its own history record (engine.history), by task."""
    decided = history.of_tasks(session, [row.task.id for row in rows])
    for row in rows:
        record = decided.get(row.task.id)
        if record is not None:
            row.outcome = {**(record.summary or {}), "decision": record.decision}
            row.reason, row.conclusion = record.reason, (record.summary or {}).get("conclusion")


def _object_id(business_key: str | None, prefix: str) -> int | None:
    kind, _, number = (business_key or "").partition(":")
    return int(number) if kind == prefix and number.isdigit() else None


def _add_revocations(session: Session, rows: list[DoneRow]) -> None:
    """The instance of an application whose certificate was revoked is no longer 已发证."""
    by_application = defaultdict(list)
    for row in rows:
        application_id = _object_id(row.task.instance.business_key, "application")
        if application_id is not None:
            by_application[application_id].append(row)
    if not by_application:
        return
    for (application_id,) in session.execute(select(Certificate.application_id).where(
            Certificate.application_id.in_(sorted(by_application)), Certificate.revoked_at.is_not(None))):
        for row in by_application[application_id]:
            row.revoked = True


def withdrawable(session: Session, *, instance_ids=(), business_key: str | None = None) -> HumanTask | None:
    """The open task of these instances (or of every instance under ``business_key``) that a
    withdrawal can interrupt now: one with a message boundary event, as the BPMN draws it."""
    where = [ProcessInstance.id.in_(list(instance_ids))] if instance_ids else []
    if business_key is not None:
        where.append(ProcessInstance.business_key == business_key)
    if not where:
        return None
    return session.scalars(
        select(HumanTask).join(ProcessInstance, ProcessInstance.id == HumanTask.instance_id)
        .where(or_(*where), HumanTask.state == "ready", HumanTask.withdraw_message.is_not(None))
        .order_by(HumanTask.id)).first()


def may_view_instance(session: Session, user: User, instance: ProcessInstance) -> bool:
    """The office (it oversees every process of the programme, as on its pages), operators, and the
    participants: the starting organisation, anyone offered or completing one of its tasks."""
    if user.has_role("operator") or user.has_role("office"):
        return True
    if instance.started_by_org_id == user.organization_id:
        return True
    offered = exists().where(HumanTask.instance_id == instance.id, or_(
        _offered_to(user), HumanTask.completed_by_id == user.id))
    return bool(session.scalar(select(offered)))
