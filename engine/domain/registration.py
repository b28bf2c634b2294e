"""Registration of organisations and their vetting by the programme office."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from engine import clock, inbox, runtime
from engine.domain import sms
from engine.domain.auth import find_user, hash_password
from engine.domain.errors import InputError
from engine.domain.reviews import next_sequence, record_decision
from engine.services import ServiceContext
from engine.text import N_
from storage.models import (
    Organization,
    ProcessInstance,
    RegistrationSubmission,
    StoredFile,
    SubmissionFile,
    User,
)

PROCESS_KEY = "registration_vetting"
USER_TYPES = {"institution": N_("机构用户（第三方技术机构）"), "enterprise": N_("企业用户")}
DOCUMENT_KINDS = {"business_license": N_("营业执照"), "qualification": N_("资质文件")}
# Fields whose change of an approved organisation needs vetting again.
VETTED_FIELDS = ("name", "credit_code")
REGISTRATION_FIELDS = ("province_code", "city_code", "name", "contact", "phone")
# Decisions after which a 信息变更 is dropped and the organisation keeps its approved values.
DROPPED_CHANGE_DECISIONS = ("withdrawn", "reject")


class RegistrationError(Exception):
    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class Documents:
    """Uploaded documents by kind; a kind left out keeps the previous submission's file."""

    files: dict[str, StoredFile] = field(default_factory=dict)


def business_key(organization_id: int) -> str:
    return f"organization:{organization_id}"


def register(session: Session, user_type: str, email: str, password: str, fields: dict,
             documents: Documents) -> tuple[User, ProcessInstance]:
    if user_type not in USER_TYPES:
        raise RegistrationError("user_type", N_("请选择用户类型"))
    email = email.strip().lower()
    if find_user(session, email) is not None:
        raise RegistrationError("email", N_("该用户名已被注册"))
    now = clock.now()
    organization = Organization(kind=user_type, status="pending", created_at=now,
                                **{k: fields.get(k) for k in REGISTRATION_FIELDS})
    session.add(organization)
    session.flush()
    user = User(email=email, password_hash=hash_password(password), roles=user_type,
                organization_id=organization.id, created_at=now)
    session.add(user)
    session.flush()
    submission = _add_submission(session, organization, "registration", fields, documents,
                                 user.id)
    instance = runtime.start_instance(
        session, PROCESS_KEY, subject=organization.name, business_key=business_key(organization.id),
        actor_id=user.id, org_id=organization.id,
        data={"organization_id": organization.id, "submission_id": submission.id},
    )
    return user, instance


def _add_submission(session, organization, kind, fields, documents: Documents, actor_id,
                    previous: RegistrationSubmission | None = None) -> RegistrationSubmission:
    sequence = next_sequence(session, RegistrationSubmission.sequence,
                             RegistrationSubmission.organization_id == organization.id)
    submission = RegistrationSubmission(
        organization_id=organization.id, sequence=sequence, kind=kind,
        data={**fields, "user_type": organization.kind}, created_at=clock.now(),
        created_by_id=actor_id,
    )
    session.add(submission)
    session.flush()
    kept = {f.kind: f.file for f in previous.files} if previous else {}
    for kind_key, stored in {**kept, **documents.files}.items():
        session.flush()
        session.add(SubmissionFile(submission_id=submission.id, kind=kind_key, file_id=stored.id))
    session.flush()
    return submission


def required_documents(kind: str) -> tuple[str, ...]:
    return ("business_license", "qualification") if kind == "institution" else ("business_license",)


def current_submission(session: Session, organization_id: int) -> RegistrationSubmission | None:
    """The newest submission that counts: a 信息变更 withdrawn or not approved is left out (the
    organisation kept its earlier values and documents)."""
    return session.scalars(
        select(RegistrationSubmission)
        .where(RegistrationSubmission.organization_id == organization_id,
               or_(RegistrationSubmission.kind != "change", RegistrationSubmission.decision.is_(None),
                   RegistrationSubmission.decision.not_in(DROPPED_CHANGE_DECISIONS)))
        .order_by(RegistrationSubmission.sequence.desc()).limit(1)
    ).first()


def history(session: Session, organization_id: int) -> list[RegistrationSubmission]:
    return list(session.scalars(
        select(RegistrationSubmission)
        .where(RegistrationSubmission.organization_id == organization_id)
        .order_by(RegistrationSubmission.sequence.desc())
    ))


def latest_vetting(session: Session, organization_id: int) -> ProcessInstance | None:
    return session.scalars(
        select(ProcessInstance)
        .where(ProcessInstance.business_key == business_key(organization_id),
               ProcessInstance.process_key == PROCESS_KEY)
        .order_by(ProcessInstance.id.desc()).limit(1)
    ).first()


def is_pending(instance: ProcessInstance | None) -> bool:
    """A vetting still under way (a withdrawn 信息变更 has ended: see withdraw)."""
    return instance is not None and instance.status not in ("completed", "cancelled")


def withdraw(session: Session, instance: ProcessInstance, actor_id: int | None) -> None:
    """撤回 while the office has not decided (runtime.AlreadyHandled when it has).

    A withdrawn registration waits for the applicant to resubmit it. A withdrawn 信息变更 is
    dropped: its instance ends as cancelled, the organisation keeps its approved values, and
    用户信息 takes a new change.
    """
    runtime.withdraw(session, inbox.withdrawable(session, instance_ids=[instance.id]), actor_id)


def resubmit(context: ServiceContext, fields: dict, documents: Documents, sms_code: str = "") -> dict:
    """Handler of the applicant's correct_registration task: a new submission, kept beside the old.
    A new 手机号 needs its 手机验证码, as at registration; the number on record needs none."""
    session = context.session
    data_submission = session.get(RegistrationSubmission, _instance_submission_id(context))
    organization = data_submission.organization
    if data_submission.kind == "change":  # only the vetted values change; 联系人 and 手机号 live in 用户信息
        fields = {**data_submission.data, **{k: fields[k] for k in VETTED_FIELDS if fields.get(k)}}
    phone = (fields.get("phone") or "").strip()
    if data_submission.kind == "registration" and phone and phone != (organization.phone or ""):
        problem = sms.check_code(session, phone, sms_code) if sms_code else N_("更换手机号须填写手机验证码")
        if problem:
            keep = (lambda session: sms.count_wrong_code(session, phone)) if problem is sms.WRONG_CODE else None
            raise InputError("sms_code", problem, keep=keep)
    submission = _add_submission(session, organization, data_submission.kind, fields, documents,
                                 context.actor_id, previous=data_submission)
    if data_submission.kind == "registration":
        for key in REGISTRATION_FIELDS:
            setattr(organization, key, fields.get(key))
        context.instance.subject = organization.name  # the office's inbox shows the new name
    else:
        requested = fields.get("name")
        context.instance.subject = _change_subject(
            organization.name, requested if requested != organization.name else None)
    return {"submission_id": submission.id, "decision": None}


def decide(context: ServiceContext, decision: str, reason: str) -> dict:
    """Handler of the office's vet_registration task; every decision field is set each time."""
    submission = context.get(RegistrationSubmission, _instance_submission_id(context))
    record_decision(submission, decision, reason, context.actor_id)
    context.decided(reason)
    return {"decision": decision}


def _instance_submission_id(context: ServiceContext) -> int:
    # Ids in workflow data are the only link from the engine to the domain rows.
    return int(context.data["submission_id"])


def _change_subject(current: str, requested: str | None) -> str:
    """What 待办 and 注册状态 call a change: the name asked for, with the one in force (stored as the
    instance's subject, in the source language)."""
    if requested:
        return N_("%(requested)s（信息变更，原名称：%(current)s）", requested=requested, current=current)
    return N_("%(current)s（信息变更）", current=current)


def request_change(session: Session, user: User, fields: dict,
                   documents: Documents | None = None) -> ProcessInstance | None:
    """Save a profile. Changing 单位名称 or 统一社会信用代码 (once set) or replacing a document
    of an active organisation is vetted first; the account keeps working on the old values."""
    organization = user.organization
    documents = documents or Documents()
    changed = {
        k: fields[k] for k in VETTED_FIELDS
        if k in fields and getattr(organization, k) and fields[k] != getattr(organization, k)
    }
    if (changed or documents.files) and organization.status != "active":
        raise RegistrationError("name", N_("帐号审核通过后才能变更单位名称、统一社会信用代码或证明文件"))
    if (changed or documents.files) and is_pending(latest_vetting(session, organization.id)):
        raise RegistrationError("name", N_("上一次信息变更正在审核中，请审核完成后再修改"))
    for key, value in fields.items():
        if key not in changed:
            setattr(organization, key, value)
    if not changed and not documents.files:
        return None
    previous = current_submission(session, organization.id)
    snapshot = {k: getattr(organization, k) for k in (*REGISTRATION_FIELDS, "credit_code")}
    submission = _add_submission(session, organization, "change", {**snapshot, **changed},
                                 documents, user.id, previous=previous)
    return runtime.start_instance(
        session, PROCESS_KEY, subject=_change_subject(organization.name, changed.get("name")),
        business_key=business_key(organization.id), actor_id=user.id, org_id=organization.id,
        data={"organization_id": organization.id, "submission_id": submission.id},
    )
