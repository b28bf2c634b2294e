"""Form keys of pilot_enrollment: review_enrollment (office), correct_enrollment (applicant)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from engine.domain import pilots
from engine.services import ServiceContext
from forms.pilots import CorrectEnrollmentForm, ReviewEnrollmentForm
from forms.task_form import describe_reviewed, latest_and_history
from storage.files import FileStore
from storage.models import Enrollment, EnrollmentSubmission, HumanTask


def _enrollment_of(session: Session, task: HumanTask) -> Enrollment:
    return session.get(Enrollment, int(task.instance.business_key.split(":", 1)[1]))


def describe_submission(submission: EnrollmentSubmission) -> dict:
    return describe_reviewed(submission, (("资质文件", f.file) for f in submission.files),
                             note=submission.note)


def review_context(session: Session, task: HumanTask) -> dict:
    enrollment = _enrollment_of(session, task)
    pilot = enrollment.pilot
    submissions = [describe_submission(s) for s in enrollment.submissions]
    return {
        "pilot": {"id": pilot.id, "title": pilot.title, "product_name": pilot.product_name,
                  "recruit_type": pilots.RECRUIT_TYPE_LABELS[pilot.recruit_type],
                  "deadline": pilot.deadline.isoformat(), "status": pilots.status_label(pilot)},
        "organization": {"id": enrollment.organization_id, "name": enrollment.organization.name},
        **latest_and_history(submissions),
    }


def correction_prefill(session: Session, task: HumanTask) -> dict:
    return {"note": pilots.current_submission(session, _enrollment_of(session, task).id).note}


def submit_review(context: ServiceContext, form: ReviewEnrollmentForm, store: FileStore) -> dict:
    return pilots.decide(context, form.decision.data, form.reason.data or "")


def submit_correction(context: ServiceContext, form: CorrectEnrollmentForm,
                      store: FileStore) -> dict:
    files = [store.save(context.session, data, name, "application/pdf", context.actor_id)
             for data, name in form.qualification.uploads]
    return pilots.resubmit(context, (form.note.data or "").strip(), files)
