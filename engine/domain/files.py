"""Who may download a stored file: decided by what refers to it, on the server."""
from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine import inbox
from engine.domain import articles, catalog, certificates, compliance, declarations, directory, profiles
from storage.models import (
    Enrollment,
    EnrollmentFile,
    EnrollmentSubmission,
    PilotFile,
    Plan,
    PlanComment,
    PlanDocument,
    PlanSubmission,
    ProcessEvent,
    ProcessInstance,
    RegistrationSubmission,
    SubmissionFile,
    User,
)


def is_public(session: Session, file_id: int) -> bool:
    """Attachments of a pilot recruitment, and the files of a plan in 公示 or 发布, are public."""
    if session.scalar(select(exists().where(PilotFile.file_id == file_id))):
        return True
    # The current version of a public plan, the attachment of a published self-declaration or article.
    return (catalog.is_public_file(session, file_id) or declarations.is_public_declaration_file(session, file_id)
            or articles.is_public_article_file(session, file_id)
            or directory.is_public_qualification_file(session, file_id))


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
    # A 修订意见's attachment: its author and the plan's institution (the office sees every file).
    commented = select(Plan.organization_id).join(PlanComment, PlanComment.plan_id == Plan.id).where(
        PlanComment.file_id == file_id)
    author = select(PlanComment.organization_id).where(PlanComment.file_id == file_id)
    owners = set(session.scalars(registration.union(enrollment, plan, commented, author)))
    # 产品检测报告 and an institution's uploaded 证书: the application's enterprise and institution.
    return (owners | compliance.report_owner_organizations(session, file_id)
            | declarations.declaration_owner(session, file_id)
            | certificates.uploaded_owner_organizations(session, file_id)
            | profiles.attachment_owner(session, file_id)
            | directory.qualification_owner(session, file_id))


def may_download(session: Session, user: User | None, file_id: int) -> bool:
    if is_public(session, file_id):
        return True
    if user is None:
        return False
    return user.has_role("office") or user.organization_id in owner_organizations(session, file_id) \
        or _attached_to_a_decision_seen_by(session, user, file_id)


def _attached_to_a_decision_seen_by(session: Session, user: User, file_id: int) -> bool:
    """An opinion's PDF (generic_opinion): whoever may see the instance whose history holds it."""
    instances = session.scalars(
        select(ProcessInstance).join(ProcessEvent, ProcessEvent.instance_id == ProcessInstance.id)
        .where(ProcessEvent.human_task_id.is_not(None), ProcessEvent.summary["file_id"].as_integer() == file_id))
    return any(inbox.may_view_instance(session, user, instance) for instance in instances)
