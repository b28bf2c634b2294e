"""参与达标: an enterprise applies against a published plan; the institution evaluates; the office files.

An application is measured against the formal version of the plan that was public
when the enterprise applied (``Application.plan_submission_id``): its indicators
are copied into each submission's ``measurement`` rows, so a later revision of the
plan never changes what an application was judged against.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine import clock, runtime
from engine.domain.errors import InputError
from engine.domain.formal_plans import REQUIRED_LEVEL1
from engine.domain.plans import latest_submission
from engine.domain.reviews import next_sequence, record_decision
from engine.services import ServiceContext
from engine.text import N_, listing
from storage.models import (
    Application,
    ApplicationReport,
    ApplicationSubmission,
    Certificate,
    Evaluation,
    Measurement,
    Organization,
    Plan,
    PlanSubmission,
    StoredFile,
    User,
)

PROCESS_KEY = "compliance_review"
# Statuses after which an application is over; any other status counts as open.
# Stages of compliance_review after which the model may apply again (as after a revoked certificate).
ENDED_WITHOUT_CERTIFICATE = ("failed", "rejected")
VERDICT_LABELS = {"pass": N_("达标"), "fail": N_("未达标")}
CONCLUSION_LABELS = {"pass": N_("达标，该型号产品各项指标达到对标方案要求"), "fail": N_("未达标")}


class ApplicationError(InputError):
    pass


def model_key(model: str) -> str:
    """产品型号 as compared for duplicates: NFKC, no spaces, case-insensitive."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", model or "")).lower()


def is_required(level1: str) -> bool:
    return level1 in REQUIRED_LEVEL1


@dataclass
class ApplicationInput:
    """What the enterprise fills in: step one (型号, 机构, 报告) and step two (检测值, 备注)."""

    product_model: str
    institution_id: int | None
    measured: list[str] = field(default_factory=list)  # 检测值, in the plan's indicator order
    note: str = ""
    reports: list[StoredFile] = field(default_factory=list)


# --- what may be applied for --------------------------------------------------------------


def published_version(session: Session, plan: Plan) -> PlanSubmission | None:
    """The formal version a new application is measured against (None unless 发布)."""
    if plan.status != "published":
        return None
    return latest_submission(session, plan.id, "plan")


def indicators(version: PlanSubmission) -> list[dict]:
    return sorted(version.data.get("indicators", []), key=lambda row: row.get("position") or 0)


def institutions_for(session: Session, plan: Plan) -> list[Organization]:
    """The active institutions enrolled (and approved) in the plan's pilot: they may evaluate. A plan an
    enterprise drafted (an enterprise pilot, which no institution enrols in): any active institution."""
    statement = select(Organization).where(Organization.kind == "institution", Organization.status == "active")
    if plan.organization.kind == "institution":
        statement = statement.where(Organization.id.in_(
            select(Plan.organization_id).where(Plan.pilot_id == plan.pilot_id)))
    return list(session.scalars(statement.order_by(Organization.name)))


def refusal(session: Session, user: User, plan: Plan) -> str | None:
    """Why this user may not apply against this plan (None: it may)."""
    organization = user.organization
    if organization.kind != "enterprise" or not user.has_role("enterprise"):
        return N_("只有企业用户可以申请达标")
    if not organization.is_active:
        return N_("帐号审核通过后才能申请达标")
    if published_version(session, plan) is None:
        return N_("该对标方案尚未发布，不能申请达标")
    return None


def open_duplicate(session: Session, plan_id: int, enterprise_id: int, key: str,
                   ignore_id: int | None = None) -> Application | None:
    """An application of the same enterprise, plan and 产品型号 that is open or holds a certificate."""
    query = select(Application).where(
        Application.plan_id == plan_id, Application.enterprise_id == enterprise_id,
        Application.model_key == key, Application.status.not_in(ENDED_WITHOUT_CERTIFICATE),
        ~exists().where(Certificate.application_id == Application.id, Certificate.revoked_at.is_not(None)))
    if ignore_id is not None:
        query = query.where(Application.id != ignore_id)
    return session.scalars(query.limit(1)).first()


def model_refusal(session: Session, plan_id: int, enterprise_id: int, product_model: str):
    """Why this 产品型号 cannot be applied for again under this plan (None: it can)."""
    if open_duplicate(session, plan_id, enterprise_id, model_key(product_model)):
        return N_("该型号已有进行中的达标申请或已获证书，请在“我参与的”中查看")
    return None


# --- applying and correcting ----------------------------------------------------------------


def _lock_plan(session: Session, plan_id: int) -> Plan:
    """Serialise applications per plan (PostgreSQL row lock; SQLite writes are serialised anyway)."""
    # OF plan: the eagerly joined pilot is on the nullable side of an outer join, which PostgreSQL won't lock.
    return session.scalars(select(Plan).where(Plan.id == plan_id).with_for_update(of=Plan)).one()


def _check_measurements(rows: list[dict], measured: list[str]) -> None:
    if len(measured) != len(rows):
        raise ApplicationError("measurements", N_("指标项与对标方案不一致，请刷新页面后重新填写"))
    missing = [N_("第 %(n)s 项（%(name)s）", n=n, name=row.get("level2", "")) for n, (row, value) in
               enumerate(zip(rows, measured, strict=True), start=1)
               if is_required(row.get("level1", "")) and not value.strip()]
    if missing:
        raise ApplicationError("measurements", N_("请填写必填指标的检测值：%(items)s", items=listing(missing)))


def apply(session: Session, user: User, plan_id: int, given: ApplicationInput) -> Application:
    """申请达标: validate against the published plan, store the application, start compliance_review."""
    plan = _lock_plan(session, plan_id)
    problem = refusal(session, user, plan)
    if problem:
        raise ApplicationError("plan", problem)
    version = published_version(session, plan)
    if given.institution_id not in {o.id for o in institutions_for(session, plan)}:
        raise ApplicationError("institution_id", N_("请选择参与该试点的第三方技术机构"))
    if not given.reports:
        raise ApplicationError("reports", N_("请上传产品检测报告（PDF）"))
    duplicate = model_refusal(session, plan.id, user.organization_id, given.product_model)
    if duplicate:
        raise ApplicationError("product_model", duplicate)
    _check_measurements(indicators(version), given.measured)
    now = clock.now()
    application = Application(
        plan_id=plan.id, plan_submission_id=version.id, enterprise_id=user.organization_id,
        institution_id=given.institution_id, product_name=plan.pilot.product_name,
        product_model=given.product_model.strip(), model_key=model_key(given.product_model),
        created_at=now, updated_at=now, created_by_id=user.id)
    session.add(application)
    session.flush()
    submission = _add_submission(session, application, version, given, user.id)
    instance = runtime.start_instance(
        session, PROCESS_KEY,
        subject=f"{user.organization.name}：{application.product_name} {application.product_model}",
        business_key=f"application:{application.id}", actor_id=user.id, org_id=user.organization_id,
        data={"application_id": application.id, "submission_id": submission.id,
              "enterprise_org_id": user.organization_id, "institution_org_id": given.institution_id})
    application.instance_id = instance.id
    return application


def _add_submission(session: Session, application: Application, version: PlanSubmission,
                    given: ApplicationInput, actor_id: int | None,
                    previous: ApplicationSubmission | None = None) -> ApplicationSubmission:
    sequence = next_sequence(session, ApplicationSubmission.sequence,
                             ApplicationSubmission.application_id == application.id)
    submission = ApplicationSubmission(
        application_id=application.id, sequence=sequence, product_model=given.product_model.strip(),
        note=(given.note or "").strip(), created_at=clock.now(), created_by_id=actor_id)
    session.add(submission)
    session.flush()
    # No new report on a resubmission keeps the earlier ones (history stays with each submission).
    reports = given.reports or ([r.file for r in previous.reports] if previous is not None else [])
    session.add_all(ApplicationReport(submission_id=submission.id, file_id=f.id) for f in reports)
    session.add_all(Measurement(
        submission_id=submission.id, position=n, level1=row.get("level1", ""), level2=row.get("level2", ""),
        value=row.get("value", ""), basis=row.get("basis", ""), method=row.get("method", ""),
        measured=value.strip()) for n, (row, value) in enumerate(zip(indicators(version), given.measured,
                                                                    strict=True), start=1))
    session.flush()
    return submission


def resubmit(context: ServiceContext, given: ApplicationInput) -> dict:
    """Handler of correct_application (after 退回 or 撤回): a new submission to the same institution."""
    session = context.session
    previous = session.get(ApplicationSubmission, int(context.data["submission_id"]))
    application = previous.application
    key = model_key(given.product_model)
    if open_duplicate(session, application.plan_id, application.enterprise_id, key, ignore_id=application.id):
        raise ApplicationError("product_model", N_("该型号已有进行中的达标申请或已获证书"))
    _check_measurements(indicators(application.plan_version), given.measured)
    submission = _add_submission(session, application, application.plan_version, given,
                                 context.actor_id, previous=previous)
    application.product_model, application.model_key = submission.product_model, key
    application.updated_at = clock.now()
    return {"submission_id": submission.id, "decision": None}


# --- evaluating and filing -------------------------------------------------------------------


@dataclass
class EvaluationInput:
    decision: str  # evaluate (审核 → 提交专项办) | return (退回 to the enterprise)
    opinion: str = ""  # 审核意见 of a 退回
    conclusion: str | None = None  # pass | fail
    explanation: str = ""
    items: list[dict] = field(default_factory=list)  # {"verdict", "remark"} per measurement


def check_evaluation(measurements: list[Measurement], given: EvaluationInput) -> list[tuple[str, str]]:
    """What is wrong with an evaluation, as (field, Chinese message); empty when it may be filed."""
    if given.decision == "return":
        return [] if given.opinion.strip() else [("opinion", N_("请填写审核意见"))]
    problems = []
    if len(given.items) != len(measurements):
        return [("items", N_("指标项与申请不一致，请刷新页面后重新填写"))]
    unjudged = [str(m.position) for m, item in zip(measurements, given.items, strict=True)
                if item.get("verdict") not in VERDICT_LABELS]
    if unjudged:
        problems.append(("items", N_("请对每项指标作出指标评价（第 %(numbers)s 项）", numbers=listing(unjudged))))
    if given.conclusion not in VERDICT_LABELS:
        problems.append(("conclusion", N_("请选择评价结论")))
    elif given.conclusion == "fail" and not given.explanation.strip():
        problems.append(("explanation", N_("评价结论为未达标时，请说明未达标情况")))
    elif given.conclusion == "pass":
        failed = [m.level2 for m, item in zip(measurements, given.items, strict=True)
                  if is_required(m.level1) and item.get("verdict") == "fail"]
        if failed:
            problems.append(("conclusion", N_("必填指标“%(items)s”未达标，评价结论不能为达标",
                                              items=listing(failed))))
    return problems


def evaluate(context: ServiceContext, given: EvaluationInput) -> dict:
    """Handler of evaluate_application / revise_evaluation."""
    session = context.session
    submission = session.get(ApplicationSubmission, int(context.data["submission_id"]))
    problems = check_evaluation(submission.measurements, given)
    if problems:
        raise ApplicationError(*problems[0], more=problems[1:])
    if given.decision == "return":
        record_decision(submission, "return", given.opinion, context.actor_id)
        context.decided(given.opinion)
        return {"decision": "return"}
    sequence = next_sequence(session, Evaluation.sequence, Evaluation.application_id == submission.application_id)
    evaluation = Evaluation(
        application_id=submission.application_id, submission_id=submission.id, sequence=sequence,
        conclusion=given.conclusion, explanation=given.explanation.strip(),
        items=[{"position": m.position, "verdict": item["verdict"], "remark": (item.get("remark") or "").strip()}
               for m, item in zip(submission.measurements, given.items, strict=True)],
        created_at=clock.now(), created_by_id=context.actor_id)
    session.add(evaluation)
    session.flush()
    context.decided(evaluation.explanation, conclusion=evaluation.conclusion)
    return {"decision": "evaluate", "evaluation_id": evaluation.id}


def file(context: ServiceContext, decision: str, reason: str) -> dict:
    """Handler of file_evaluation: the office's 通过 / 退回修改 / 不予通过 of the evaluation."""
    evaluation = context.get(Evaluation, context.data["evaluation_id"])
    record_decision(evaluation, decision, reason, context.actor_id)
    context.decided(reason)
    return {"decision": decision}


# --- reading -----------------------------------------------------------------------------------


def submissions(session: Session, application_id: int) -> list[ApplicationSubmission]:
    return list(session.scalars(select(ApplicationSubmission).where(
        ApplicationSubmission.application_id == application_id)
        .order_by(ApplicationSubmission.sequence.desc())))


def evaluations(session: Session, application_id: int) -> list[Evaluation]:
    return list(session.scalars(select(Evaluation).where(Evaluation.application_id == application_id)
                                .order_by(Evaluation.sequence.desc())))


def current_submission(session: Session, application_id: int) -> ApplicationSubmission:
    return submissions(session, application_id)[0]


def may_view(user: User, application: Application) -> bool:
    """The applicant enterprise, the chosen institution and the office; nobody else."""
    return user.has_role("office") or user.organization_id in (application.enterprise_id,
                                                               application.institution_id)


def report_owner_organizations(session: Session, file_id: int) -> set[int]:
    """Organisations that may download a 产品检测报告: its enterprise and the chosen institution."""
    rows = session.execute(select(Application.enterprise_id, Application.institution_id).join(
        ApplicationSubmission, ApplicationSubmission.application_id == Application.id).join(
        ApplicationReport, ApplicationReport.submission_id == ApplicationSubmission.id).where(
        ApplicationReport.file_id == file_id)).all()
    return {org for row in rows for org in row}
