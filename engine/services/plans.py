"""Service tasks of comparison_report and formal_plan, and the chain from pilot_enrollment."""
from __future__ import annotations

from engine import clock
from engine.domain import catalog, plans
from engine.domain.messages import notify
from engine.domain.reviews import record_decision, record_review
from engine.projection import project_onto
from engine.services import ServiceContext, inputs, service
from engine.text import N_, lines
from storage.models import Enrollment, EnrollmentSubmission, Plan, PlanSubmission

_WHAT = {"report": N_("比对分析报告"), "plan": N_("正式版方案")}

# ``drafter`` is the drafting organisation's kind (institution / enterprise): the BPMN's 编制单位
# gateways route the drafting steps to that lane, whose organisation is ``<drafter>_org_id``.
inputs("comparison_report", "plan_id", "drafter", "institution_org_id", "enterprise_org_id")
inputs("formal_plan", "plan_id", "drafter", "institution_org_id", "enterprise_org_id")
# A plan's status is the stage of its newest process (the report, then the formal plan with its 公示);
# the catalogue's search row follows it.
project_onto("comparison_report", Plan, "plan_id", after=catalog.refresh_search_entry)
project_onto("formal_plan", Plan, "plan_id", after=catalog.refresh_search_entry)


@service("enrollment.open_report")
def open_report(context: ServiceContext, task) -> dict:
    submission = context.get(EnrollmentSubmission, task.data["submission_id"])
    enrollment: Enrollment = submission.enrollment
    plan = plans.open_report(context.session, enrollment, context.actor_id)
    return {"plan_id": plan.id}


def _submission(context: ServiceContext, task) -> PlanSubmission:
    return context.get(PlanSubmission, task.data["submission_id"])


def _register(prefix: str) -> None:
    what = _WHAT[prefix]

    @service(f"{prefix}.approve")
    def approve(context: ServiceContext, task) -> dict:
        submission = _submission(context, task)
        record_review(context, submission, "approve")
        plan: Plan = submission.plan
        notify(context.session, plan.organization_id, N_("%(what)s审核通过", what=what),
               N_("对标方案“%(plan)s”的%(what)s已审核通过。", plan=plan.name, what=what), plans.plans_page(plan)[0])
        return {"plan_id": plan.id}

    @service(f"{prefix}.return")
    def return_for_revision(context: ServiceContext, task) -> dict:
        submission = _submission(context, task)
        record_review(context, submission, "return")
        plan = submission.plan
        link, page = plans.plans_page(plan)
        notify(context.session, plan.organization_id, N_("%(what)s被退回", what=what),
               lines(N_("对标方案：%(plan)s", plan=plan.name),
                     N_("退回原因：%(reason)s", reason=context.reason_given(submission.reason)),
                     N_("请在“%(page)s”中修改后重新提交。", page=page)), link)
        return {"returned_submission_id": submission.id}

    @service(f"{prefix}.reject")
    def reject(context: ServiceContext, task) -> dict:
        submission = _submission(context, task)
        record_review(context, submission, "reject")
        notify(context.session, submission.plan.organization_id, N_("%(what)s不予通过", what=what),
               lines(N_("对标方案：%(plan)s", plan=submission.plan.name),
                     N_("原因：%(reason)s", reason=context.reason_given(submission.reason))),
               plans.plans_page(submission.plan)[0])
        return {"plan_id": submission.plan_id}

    @service(f"{prefix}.withdraw")
    def withdraw(context: ServiceContext, task) -> dict:
        submission = _submission(context, task)
        record_decision(submission, "withdrawn", None, context.actor_id)
        return {"withdrawn_submission_id": submission.id}


_register("report")
_register("plan")


@service("report.open_formal_plan")
def open_formal_plan(context: ServiceContext, task) -> dict:
    plan = _submission(context, task).plan
    plans.open_formal_plan(context.session, plan, context.actor_id)
    return {"plan_id": plan.id}


@service("plan.await_publicity")
def await_publicity(context: ServiceContext, task) -> dict:
    plan = _submission(context, task).plan
    plan.updated_at = clock.now()
    return {"plan_id": plan.id}
