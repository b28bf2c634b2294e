"""The lists of applications: 我参与的 (enterprise) and 达标产品评价 (institution).

Each row carries the process instance (its ``stage`` is the 当前状态 shown), the READY task
of the application and the time of its latest (re)submission (提交时间). A page past the end
reads the last page.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from storage.models import Application, ApplicationSubmission, Certificate, HumanTask, ProcessInstance

PER_PAGE = 20
# 达标产品评价 tabs: applications waiting for the institution, and the ones it has passed on.
PENDING = ("institution_review", "evaluation_returned")


@dataclass
class ApplicationRow:
    application: Application
    instance: ProcessInstance | None
    open_task: HumanTask | None
    certificate: Certificate | None
    submitted_at: datetime | None = None  # the latest (re)submission's, for 提交时间


def _page(session: Session, query, page: int, per_page: int) -> tuple[list[ApplicationRow], int]:
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    page = max(1, page)
    # What the list shows of each application comes with the page, not one query per row.
    rows = session.scalars(query.order_by(Application.updated_at.desc(), Application.id.desc())
                           .options(selectinload(Application.plan_version), selectinload(Application.institution),
                                    selectinload(Application.enterprise))
                           .offset((page - 1) * per_page).limit(per_page)).all()
    ids = [row.id for row in rows]
    instances = {i.id: i for i in session.scalars(select(ProcessInstance).where(
        ProcessInstance.id.in_([row.instance_id for row in rows if row.instance_id])))}
    tasks = {t.instance_id: t for t in session.scalars(select(HumanTask).where(
        HumanTask.instance_id.in_(list(instances)), HumanTask.state == "ready"))}
    certificates = {c.application_id: c for c in session.scalars(
        select(Certificate).where(Certificate.application_id.in_(ids)))}
    submitted = dict(session.execute(
        select(ApplicationSubmission.application_id, func.max(ApplicationSubmission.created_at))
        .where(ApplicationSubmission.application_id.in_(ids)).group_by(ApplicationSubmission.application_id)).all())
    return [ApplicationRow(row, instances.get(row.instance_id), tasks.get(row.instance_id),
                           certificates.get(row.id), submitted.get(row.id, row.created_at)) for row in rows], total


def of_enterprise(session: Session, organization_id: int, page: int = 1, per_page: int = PER_PAGE):
    """我参与的: the enterprise's own applications, newest activity first."""
    return _page(session, select(Application).where(Application.enterprise_id == organization_id),
                 page, per_page)


def for_institution(session: Session, organization_id: int, which: str = "all", page: int = 1,
                    per_page: int = PER_PAGE):
    """达标产品评价: applications addressed to this institution (``pending``, ``reviewed`` or ``all``)."""
    query = select(Application).where(Application.institution_id == organization_id)
    if which == "pending":
        query = query.where(Application.status.in_(PENDING))
    elif which == "reviewed":  # what it decided (a withdrawal it never saw is not among them)
        query = query.where(Application.status.not_in((*PENDING, "withdrawn")))
    return _page(session, query, page, per_page)
