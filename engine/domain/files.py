"""Who may download a stored file: decided by what refers to it, on the server."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from storage.models import (
    Enrollment,
    EnrollmentFile,
    EnrollmentSubmission,
    PilotFile,
    Plan,
    PlanDocument,
    PlanSubmission,
    RegistrationSubmission,
    SubmissionFile,
    User,
)


def is_public(session: Session, file_id: int) -> bool:
    """Attachments of a published pilot recruitment are public."""
    return bool(session.scalar(select(exists().where(PilotFile.file_id == file_id))))


def owner_organizations(session: Session, file_id: int) -> set[int]:
    registration = select(RegistrationSubmission.organization_id).join(
        SubmissionFile, SubmissionFile.submission_id == RegistrationSubmission.id
    ).where(SubmissionFile.file_id == file_id)
    enrollment = select(Enrollment.organization_id).join(
        EnrollmentSubmission, EnrollmentSubmission.enrollment_id == Enrollment.id
    ).join(EnrollmentFile, EnrollmentFile.submission_id == EnrollmentSubmission.id
           ).where(EnrollmentFile.file_id == file_id)
    plan = select(Plan.organization_id).join(
        PlanSubmission, PlanSubmission.plan_id == Plan.id
    ).join(PlanDocument, PlanDocument.submission_id == PlanSubmission.id
           ).where(PlanDocument.file_id == file_id)
    return set(session.scalars(registration.union(enrollment, plan)))


def may_download(session: Session, user: User | None, file_id: int) -> bool:
    if is_public(session, file_id):
        return True
    if user is None:
        return False
    return user.has_role("office") or user.organization_id in owner_organizations(session, file_id)
