"""Form keys of comparison_report and formal_plan."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import inbox, runtime
from engine.domain import enterprise_plans, formal_plans, organizations, plans, publicity
from engine.services import ServiceContext
from forms.plans import DraftPlanForm, DraftReportForm, EnterprisePlanForm, ReviewPlanForm, ReviewReportForm
from forms.task_form import describe_reviewed, latest_and_history
from storage.files import FileStore
from storage.models import HumanTask, Plan, PlanSubmission, User


def plan_of(session: Session, task: HumanTask) -> Plan:
    enrollment_id = int(task.instance.business_key.split(":", 1)[1])
    return session.scalars(select(Plan).where(Plan.enrollment_id == enrollment_id)).one()


def describe(submission: PlanSubmission) -> dict:
    return describe_reviewed(
        submission, ((plans.DOCUMENT_LABELS.get(d.kind, d.kind), d.file) for d in submission.documents),
        data=submission.data)


def _context(session: Session, task: HumanTask, stage: str) -> dict:
    plan = plan_of(session, task)
    submissions = [describe(s) for s in plans.history(session, plan.id, stage)]
    return {
        "plan": {"id": plan.id, "name": plan.name, "status": plan.status,
                 "standard_number": plan.standard_number, "standard_name": plan.standard_name},
        "pilot": {"id": plan.pilot.id, "title": plan.pilot.title, "product_name": plan.pilot.product_name},
        "organization": {"id": plan.organization_id, "name": plan.organization.name},
        **latest_and_history(submissions),
        # 一级指标 as the manual writes them: 安全（必填）… 智能化（可填）.
        "level1_labels": {k: formal_plans.level1_label(k) for k in formal_plans.LEVEL1_LABELS},
    }


def report_context(session: Session, task: HumanTask) -> dict:
    return _context(session, task, "report")


def plan_context(session: Session, task: HumanTask) -> dict:
    context = _context(session, task, "plan")
    plan = plan_of(session, task)
    # After 公示, the 修订意见 the office adopted come with the plan back to the institution.
    context["adopted_comments"] = [
        {"text": c.text, "reply": c.reply} for c in publicity.comments(session, plan) if c.resolution == "adopt"
    ] if task.form_key == "draft_plan" and plan.publicity_round else []
    context["draft_files"] = [
        {"kind": kind, "label": plans.DOCUMENT_LABELS[kind], "id": stored.id, "name": stored.original_name}
        for kind, stored in formal_plans.current_documents(session, plan).items()]
    return context


def report_prefill(session: Session, task: HumanTask) -> dict:
    return {"name": plan_of(session, task).name}


def plan_prefill(session: Session, task: HumanTask) -> dict:
    plan = plan_of(session, task)
    return {"standard_number": plan.standard_number, "standard_name": plan.standard_name,
            "co_drafters": [o.id for o in formal_plans.co_drafters_of(session, plan)],
            "indicators": formal_plans.draft_rows(session, plan)}


def prepare_report_form(session: Session, task: HumanTask, form: DraftReportForm) -> None:
    previous = plans.latest_submission(session, plan_of(session, task).id, "report")
    filed = next((d.file for d in previous.documents if d.kind == "comparison_report"), None) if previous else None
    form.report_on_file = lambda: filed is not None
    if filed is not None:  # a correction: say which report goes on unless another is chosen
        form.comparison_report.description = _l("已上传：%(name)s（不上传则沿用）", name=filed.original_name)


def prepare_plan_form(session: Session, task: HumanTask, form: DraftPlanForm) -> None:
    # Only the chosen 参编单位 are choices (found by search, not listed): an id that is not an
    # active enterprise is then refused by the form.
    chosen = [value for value in form.co_drafters.data or [] if isinstance(value, int)]
    form.set_enterprise_choices(organizations.active_enterprises(session, ids=chosen))
    form.drafter_id = plan_of(session, task).organization_id
    # The PDFs the saved draft holds already need not be uploaded again (read only when needed).
    form.saved_documents = lambda: formal_plans.current_documents(session, plan_of(session, task))


def submit_report_form(context: ServiceContext, form: DraftReportForm, store: FileStore) -> dict:
    upload = form.comparison_report.upload
    report = store.save(context.session, upload[0], upload[1], "application/pdf",
                        context.actor_id) if upload else None
    return plans.submit_report(context, form.name.data.strip(), report)


def start_enterprise_plan(session: Session, user: User, form: EnterprisePlanForm, store: FileStore) -> Plan:
    """方案编制: the enterprise's plan in the chosen pilot, and its 编制方案 completed with the form's name and
    比对分析报告 (the same handler as the task's page), in one transaction. Refusals raise InputError."""
    plan = enterprise_plans.open_plan(session, user, form.pilot.data)
    task = plans.open_task_for(session, plan, ("draft_report",))
    if task is not None and inbox.may_act(user, task):  # else the plan waits in 我编制的 at its first step
        runtime.complete_task(session, task, user.id, lambda context: submit_report_form(context, form, store))
    return plan


def submit_review(context: ServiceContext, form, store: FileStore) -> dict:
    return plans.decide(context, form.decision.data, form.reason.data or "")


def _draft_with_files(session: Session, form: DraftPlanForm, store: FileStore, actor_id):
    draft = form.draft()
    draft.documents = {kind: store.save(session, data, name, "application/pdf", actor_id)
                       for kind, (data, name) in
                       ((k, v) for k, v in draft.documents.items() if v)}
    return draft


def submit_plan_form(context: ServiceContext, form: DraftPlanForm, store: FileStore) -> dict:
    return formal_plans.submit(context, _draft_with_files(context.session, form, store, context.actor_id))


def save_plan_draft(session: Session, task: HumanTask, actor_id: int, form: DraftPlanForm,
                    store: FileStore) -> None:
    """保存: the draft is kept on the plan and the task stays READY."""
    formal_plans.save_draft(session, plan_of(session, task), _draft_with_files(session, form, store, actor_id),
                            actor_id)


__all__ = ["DraftPlanForm", "DraftReportForm", "EnterprisePlanForm", "ReviewPlanForm", "ReviewReportForm"]
