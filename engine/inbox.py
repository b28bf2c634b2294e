"""Who sees which task and instance: plain indexed queries, never the workflow state."""
from __future__ import annotations

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload

from engine.projection import APPLICANT_LANE
from storage.models import HumanTask, ProcessInstance, User

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


def done(session: Session, user: User, page: int = 1, per_page: int = PER_PAGE):
    """已办: tasks this user completed, newest first."""
    query = select(HumanTask).where(HumanTask.completed_by_id == user.id,
                                    HumanTask.state == "completed")
    return _page(session, query, page, per_page,
                 (HumanTask.completed_at.desc(), HumanTask.id.desc()))


def _page(session, query, page, per_page, order):
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.options(joinedload(HumanTask.instance))
        .order_by(*order).offset((page - 1) * per_page).limit(per_page)
    ).all()
    return rows, total


def may_view_instance(session: Session, user: User, instance: ProcessInstance) -> bool:
    """Participants: the starting organisation, anyone offered or completing one of its tasks."""
    if user.has_role("operator"):
        return True
    if instance.started_by_org_id == user.organization_id:
        return True
    offered = exists().where(HumanTask.instance_id == instance.id, or_(
        _offered_to(user), HumanTask.completed_by_id == user.id))
    return bool(session.scalar(select(offered)))
