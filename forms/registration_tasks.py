"""Form keys of registration_vetting: vet_registration (office), correct_registration (applicant)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from engine.domain import registration
from engine.domain.registration import DOCUMENT_KINDS, USER_TYPES, Documents
from engine.services import ServiceContext
from forms import code_names, regions
from forms.registration import CorrectRegistrationForm, VetRegistrationForm  # noqa: F401
from forms.task_form import describe_reviewed, latest_and_history
from storage.files import FileStore
from storage.models import HumanTask, Organization, RegistrationSubmission


def _organization_id(task: HumanTask) -> int:
    return int(task.instance.business_key.split(":", 1)[1])


def _submission_of(session: Session, task: HumanTask) -> RegistrationSubmission:
    return registration.current_submission(session, _organization_id(task))


def describe_submission(submission: RegistrationSubmission) -> dict:
    data = submission.data
    return describe_reviewed(
        submission, ((DOCUMENT_KINDS.get(f.kind, f.kind), f.file) for f in submission.files),
        kind=submission.kind,
        kind_label=_l("信息变更") if submission.kind == "change" else _l("注册申请"),
        user_type=USER_TYPES.get(data.get("user_type"), ""),
        region=regions.label(data.get("province_code") or "", data.get("city_code"), english=code_names.english()),
        fields={k: data.get(k) for k in (*registration.REGISTRATION_FIELDS, "credit_code")
                if data.get(k) is not None},
    )


def vetting_context(session: Session, task: HumanTask) -> dict:
    organization = session.get(Organization, _organization_id(task))
    submissions = [describe_submission(s) for s in registration.history(session, organization.id)]
    return {
        "organization": {"id": organization.id, "name": organization.name,
                         "status": organization.status,
                         "email": ", ".join(u.email for u in organization.users)},
        **latest_and_history(submissions),
    }


def correction_prefill(session: Session, task: HumanTask) -> dict:
    data = _submission_of(session, task).data
    return {k: data.get(k) for k in (*registration.REGISTRATION_FIELDS, "credit_code")}


def prepare_correction(session: Session, task: HumanTask, form: CorrectRegistrationForm) -> None:
    submission = _submission_of(session, task)
    form.shape_for(submission.kind, submission.organization.kind)


def submit_vetting(context: ServiceContext, form: VetRegistrationForm, store: FileStore) -> dict:
    return registration.decide(context, form.decision.data, (form.reason.data or "").strip())


def submit_correction(context: ServiceContext, form: CorrectRegistrationForm,
                      store: FileStore) -> dict:
    documents = Documents({
        kind: store.save(context.session, data, name, "application/pdf", context.actor_id)
        for kind, (data, name) in form.documents().items()
    })
    return registration.resubmit(context, form.organization_fields(), documents,
                                 sms_code=(form.sms_code.data or "").strip() if form.sms_code else "")


