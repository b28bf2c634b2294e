"""Service tasks of pilot_enrollment."""
from __future__ import annotations

from engine.domain.messages import notify
from engine.domain.reviews import record_decision, record_review
from engine.services import ServiceContext, inputs, service
from engine.text import N_, lines
from storage.models import EnrollmentSubmission

_LINK = "/my/enrollments"

inputs("pilot_enrollment", "enrollment_id", "submission_id", "recruit_type")


def _submission(context: ServiceContext, task) -> EnrollmentSubmission:
    return context.get(EnrollmentSubmission, task.data["submission_id"])


@service("enrollment.approve")
def approve(context: ServiceContext, task) -> dict:
    submission = _submission(context, task)
    record_review(context, submission, "approve")
    enrollment = submission.enrollment
    notify(context.session, enrollment.organization_id, N_("试点报名审核通过"),
           N_("您报名的试点“%(pilot)s”已审核通过。", pilot=enrollment.pilot.title), _LINK)
    return {"enrollment_id": enrollment.id}


@service("enrollment.return")
def return_for_revision(context: ServiceContext, task) -> dict:
    submission = _submission(context, task)
    record_review(context, submission, "return")
    enrollment = submission.enrollment
    notify(context.session, enrollment.organization_id, N_("试点报名被退回"),
           lines(N_("试点：%(pilot)s", pilot=enrollment.pilot.title),
                 N_("退回原因：%(reason)s", reason=context.reason_given(submission.reason)),
                 N_("请在“我参与的”中修改后重新提交。")), _LINK)
    return {"returned_submission_id": submission.id}


@service("enrollment.reject")
def reject(context: ServiceContext, task) -> dict:
    submission = _submission(context, task)
    record_review(context, submission, "reject")
    enrollment = submission.enrollment
    notify(context.session, enrollment.organization_id, N_("试点报名不予通过"),
           lines(N_("试点：%(pilot)s", pilot=enrollment.pilot.title),
                 N_("原因：%(reason)s", reason=context.reason_given(submission.reason))), _LINK)
    return {"enrollment_id": enrollment.id}


@service("enrollment.withdraw")
def withdraw(context: ServiceContext, task) -> dict:
    submission = _submission(context, task)
    record_decision(submission, "withdrawn", None, context.actor_id)
    return {"withdrawn_submission_id": submission.id}
