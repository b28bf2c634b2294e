"""Service tasks of registration_vetting."""
from __future__ import annotations

from engine.domain import catalog
from engine.domain.messages import notify
from engine.domain.reviews import record_decision
from engine.services import ServiceContext, inputs, service
from engine.text import N_, lines
from storage.models import Organization, RegistrationSubmission

_LINK = "/account/status"

inputs("registration_vetting", "organization_id", "submission_id")


def _submission(context: ServiceContext, task) -> RegistrationSubmission:
    return context.get(RegistrationSubmission, task.data["submission_id"])


@service("registration.approve")
def approve(context: ServiceContext, task) -> dict:
    submission = _submission(context, task)
    organization: Organization = submission.organization
    if submission.kind == "change":
        for key, value in submission.data.items():
            if key in ("name", "credit_code"):
                setattr(organization, key, value)
        catalog.refresh_organization(context.session, organization.id)  # 机构名称 is searchable
        notify(context.session, organization.id, N_("信息变更审核通过"),
               N_("您提交的单位信息变更已审核通过，新的单位信息已生效。"), _LINK)
    else:
        organization.status = "active"
        notify(context.session, organization.id, N_("注册审核通过"),
               N_("您的注册申请已审核通过，帐号已激活，欢迎使用全国对标达标信息服务平台。"), _LINK)
    return {"organization_id": organization.id, "status": organization.status}


@service("registration.return")
def return_for_revision(context: ServiceContext, task) -> dict:
    submission = _submission(context, task)
    title = N_("信息变更被退回") if submission.kind == "change" else N_("注册申请被退回")
    notify(context.session, submission.organization_id, title,
           lines(N_("退回原因：%(reason)s", reason=context.reason_given(submission.reason)),
                 N_("请在“注册状态”中修改后重新提交。")), _LINK)
    return {"returned_submission_id": submission.id}


@service("registration.reject")
def reject(context: ServiceContext, task) -> dict:
    submission = _submission(context, task)
    organization = submission.organization
    if submission.kind == "change":
        notify(context.session, organization.id, N_("信息变更不予通过"),
               lines(N_("原因：%(reason)s", reason=context.reason_given(submission.reason)), N_("单位信息保持不变。")),
               _LINK)
    else:
        organization.status = "rejected"
        notify(context.session, organization.id, N_("注册申请不予通过"),
               lines(N_("原因：%(reason)s", reason=context.reason_given(submission.reason)),
                     N_("帐号不能使用平台功能。如有疑问请联系专项办。")), _LINK)
    return {"organization_id": organization.id, "status": organization.status}


@service("registration.withdraw")
def withdraw(context: ServiceContext, task) -> dict:
    submission = _submission(context, task)
    record_decision(submission, "withdrawn", None, context.actor_id)
    # The BPMN routes on the kind: a withdrawn 信息变更 ends (the approved values stay), a withdrawn
    # registration waits for the applicant to resubmit it.
    return {"withdrawn_submission_id": submission.id, "kind": submission.kind}
