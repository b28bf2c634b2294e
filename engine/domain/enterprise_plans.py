"""方案编制 by an enterprise: a 对标方案 an enterprise drafts itself, through the same comparison_report →
formal_plan → publicity processes an institution's plan goes through (the BPMN's 编制单位 gateways give
the drafting steps to the enterprise lane).

An enterprise drafts in a pilot it is part of: one whose 报名参与 the office approved (审核通过, as
我参与的 shows it). Pending, returned, rejected or withdrawn enrolments do not count, nor do pilots it
never enrolled in. Like an institution, it drafts one plan per pilot (the plan belongs to its enrolment).
"""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine import clock
from engine.domain import plans
from engine.domain.errors import InputError
from engine.text import N_
from storage.models import Enrollment, EnrollmentSubmission, Pilot, Plan, User

FIELD = "pilot"
NOT_PART = N_("您的单位未参与该试点，不能在该试点编制方案（报名审核通过后方可编制，可在“我参与的”中查看报名情况）")
ALREADY = N_("您的单位已在该试点编制对标方案，请在“我编制的”中查看")


def _approved_enrollments(organization_id: int):
    """The organisation's enrolments whose latest submission the office approved (报名审核通过)."""
    latest = (select(func.max(EnrollmentSubmission.id)).join(Enrollment, Enrollment.id ==
                                                             EnrollmentSubmission.enrollment_id)
              .where(Enrollment.organization_id == organization_id).group_by(EnrollmentSubmission.enrollment_id))
    return (select(Enrollment).join(EnrollmentSubmission, EnrollmentSubmission.enrollment_id == Enrollment.id)
            .where(EnrollmentSubmission.id.in_(latest), EnrollmentSubmission.decision == "approve"))


def draftable(session: Session, organization_id: int) -> list[Pilot]:
    """方案编制 → 试点: the pilots the enterprise is part of and has no plan in yet, newest first."""
    query = (_approved_enrollments(organization_id)
             .where(~select(Plan.id).where(Plan.enrollment_id == Enrollment.id).exists())
             .order_by(Enrollment.created_at.desc(), Enrollment.id.desc()))
    return [enrollment.pilot for enrollment in session.scalars(query)]


def drafts_any(session: Session, organization_id: int) -> bool:
    """Whether the organisation drafts a plan of its own (then it may search 参编单位)."""
    return session.scalar(select(Plan.id).where(Plan.organization_id == organization_id).limit(1)) is not None


def refusal(session: Session, user: User, pilot_id: int | None) -> tuple[str, Enrollment | None]:
    """(why the user's organisation may not start a plan in this pilot, or "", and its enrolment)."""
    organization = user.organization
    if not organization.is_active or organization.kind != "enterprise" or not user.has_role("enterprise"):
        return N_("只有审核通过的企业可以编制方案"), None
    enrollment = session.scalars(_approved_enrollments(organization.id).where(
        Enrollment.pilot_id == pilot_id)).first() if pilot_id else None
    if enrollment is None:
        return NOT_PART, None
    if session.scalar(select(Plan.id).where(Plan.enrollment_id == enrollment.id)) is not None:
        return ALREADY, enrollment
    return "", enrollment


def open_plan(session: Session, user: User, pilot_id: int | None) -> Plan:
    """Start the enterprise's plan in the pilot: the plan row and comparison_report, whose 编制方案 opens
    for the enterprise. Refusals raise ``InputError`` at 试点 before anything is written."""
    problem, enrollment = refusal(session, user, pilot_id)
    if problem:
        raise InputError(FIELD, problem)
    plan = Plan(pilot_id=enrollment.pilot_id, enrollment_id=enrollment.id, organization_id=user.organization_id,
                created_at=clock.now(), updated_at=clock.now())
    try:
        with session.begin_nested():  # two clicks at once: the enrolment's one plan is made once
            session.add(plan)
            session.flush()
    except IntegrityError:
        raise InputError(FIELD, ALREADY) from None
    plans.start_report(session, plan, user.id)
    return plan
