"""How a process begins is the platform's code, not BPMN: the named starters (``given:``) make a fresh
subject in the sandbox and start its process, driving the processes upstream of it the way their
users would (approving, filing) until the process under test opens.

| given | what it does |
|---|---|
| registration_vetting | an enterprise registers (applicant: the new account) |
| registration_change | the active enterprise asks to change its 单位名称 (信息变更) |
| pilot_enrollment | the institution applies to an institution pilot (报名参与) |
| pilot_enrollment_enterprise | the enterprise applies to an enterprise pilot |
| comparison_report | pilot_enrollment, approved: 编制方案 opens |
| enterprise_comparison_report | the enterprise's enrolment approved, it starts a plan (方案编制): 编制方案 opens |
| enterprise_formal_plan | enterprise_comparison_report, report filed and approved: 提交正式版 opens |
| formal_plan | comparison_report, report filed and approved: 提交正式版 opens |
| publicity | formal_plan, formal version filed and approved: 公示 opens |
| compliance_review | publicity, 公示 ends without comments: the enterprise applies (参与达标) |
| self_declaration | the enterprise self-declares (我要对标) |

certificate_issuance has no starter of its own: it is called by compliance_review, so its scenarios
start from ``given: compliance_review`` and drive to it.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select

from engine import clock
from engine.domain import compliance, declarations, enterprise_plans, pilots, registration
from engine.domain.compliance import ApplicationInput
from engine.domain.registration import Documents
from engine.text import N_, listing
from forms.scenarios.formfill import StepFailed
from forms.scenarios.play import Play, Subject
from forms.scenarios.sandbox import PASSWORD, sample_pdf
from storage.models import Application, Declaration, Enrollment, Organization, Plan, ProcessInstance

PUBLICITY_OVER = timedelta(days=8)  # longer than the standard 7-day 公示
MAX_DRIVEN_STEPS = 40
APPROVE = {"decision": "approve"}
# What the users upstream of a process under test fill in, by form key (through the real forms).
UPSTREAM_INPUT: dict[str, dict] = {
    "vet_registration": APPROVE, "review_enrollment": APPROVE, "review_report": APPROVE,
    "review_plan": APPROVE, "file_evaluation": APPROVE, "generic_review": APPROVE,
    "generic_opinion": {"opinion": "同意"},
    "draft_report": {"name": "场景测试对标方案", "comparison_report": "pdf"},
    "draft_plan": {
        "standard_number": "T/CSTM 00123-2025", "standard_name": "电动自行车对标达标评价规范",
        "standard_text": "pdf", "scheme": "pdf", "explanation": "pdf",
        "indicators": [
            {"level1": "safety", "level2": "制动距离", "value": "≤6m", "basis": "EN 15194:2017",
             "method": "GB 17761-2024"},
            {"level1": "performance", "level2": "续驶里程", "value": "≥60km", "basis": "EN 15194:2017",
             "method": "GB/T 24158-2018"},
            {"level1": "low_carbon", "level2": "百公里耗电", "value": "≤1.2kWh", "basis": "GB 17761-2024",
             "method": "GB/T 24158-2018"}]},
    "resolve_comments": {"resolutions": {"resolution": "dismiss", "reply": "已研究，不予采纳"}},
    "evaluate_application": {"decision": "evaluate", "items": {"verdict": "pass"}, "conclusion": "pass"},
    "check_declaration": {"decision": "confirm"},
}


def _file(play: Play, name: str):
    return play.copy.store.save(play.session, sample_pdf(name), f"{name}.pdf", "application/pdf")


def start_registration(play: Play) -> Subject:
    documents = Documents({"business_license": _file(play, "business_license")})
    user, instance = registration.register(play.session, "enterprise", "applicant@scenario.test", PASSWORD, {
        "province_code": "440000", "city_code": "440300", "name": "场景测试注册科技有限公司",
        "contact": "李四", "phone": "13912345678"}, documents)
    play.users["applicant"] = user
    return Subject(instance.id, (Organization, user.organization_id))


def start_registration_change(play: Play) -> Subject:
    user = play.user("enterprise")
    instance = registration.request_change(play.session, user, {"name": "场景测试电动车（集团）有限公司"})
    play.users["applicant"] = user
    return Subject(instance.id, (Organization, user.organization_id))


def _enroll(play: Play, role: str) -> Enrollment:
    pilot = pilots.create_pilot(play.session, play.user("office"), {
        "title": "电动自行车产品试点招募", "product_name": "两轮电动自行车", "recruit_type": role,
        "field": "product", "description": "场景测试的试点招募。",
        "deadline": clock.to_china(clock.now()).date() + timedelta(days=30)}, [])
    user = play.user(role)
    play.users["applicant"] = user
    return pilots.enroll(play.session, user, pilot, "具备检验检测资质。", [_file(play, "qualification")])


def start_enrollment(play: Play) -> Subject:
    enrollment = _enroll(play, "institution")
    return Subject(enrollment.instance_id, (Enrollment, enrollment.id))


def start_enterprise_enrollment(play: Play) -> Subject:
    enrollment = _enroll(play, "enterprise")
    return Subject(enrollment.instance_id, (Enrollment, enrollment.id))


def drive(play: Play, subject: Subject, until: Callable[[], bool]) -> None:
    """Complete the open tasks upstream with UPSTREAM_INPUT until ``until()`` holds."""
    for _ in range(MAX_DRIVEN_STEPS):
        play.session.commit()
        if until():
            return
        open_tasks = play.open_tasks(play.session.get(ProcessInstance, subject.instance_id))
        if not open_tasks:
            break
        task = open_tasks[0]
        play.pause()
        play.complete(task, UPSTREAM_INPUT.get(task.form_key, {}))
    raise StepFailed(N_("没能走到场景的起点：上游流程停在 %(stage)s", stage=str(
        play.session.get(ProcessInstance, subject.instance_id).stage_label or "")))


def _chained(play: Play, subject: Subject, key: str, submitter: str = "institution") -> Subject:
    """Drive the enrolment until ``key`` has started under its business key; that instance is the subject."""
    business_key = play.session.get(ProcessInstance, subject.instance_id).business_key

    def started():
        return play.session.scalars(select(ProcessInstance.id).where(
            ProcessInstance.business_key == business_key, ProcessInstance.process_key == key)
            .order_by(ProcessInstance.id.desc())).first()

    drive(play, subject, lambda: started() is not None)
    plan_id = play.session.scalars(select(Plan.id).where(
        Plan.enrollment_id == int(business_key.split(":", 1)[1]))).first()
    return Subject(started(), (Plan, plan_id) if plan_id else None, submitter=submitter)


def start_report(play: Play) -> Subject:
    return _chained(play, start_enrollment(play), "comparison_report")


def start_formal_plan(play: Play) -> Subject:
    return _chained(play, start_report(play), "formal_plan")


def start_enterprise_report(play: Play) -> Subject:
    """The enterprise drafts a plan itself (方案编制) in the pilot its enrolment was approved in."""
    enrollment_subject = start_enterprise_enrollment(play)
    instance = play.session.get(ProcessInstance, enrollment_subject.instance_id)
    drive(play, enrollment_subject, lambda: instance.status == "completed")
    enrollment = play.session.get(Enrollment, enrollment_subject.row[1])
    play.pause()
    plan = enterprise_plans.open_plan(play.session, play.user("enterprise"), enrollment.pilot_id)
    report = play.session.get(Plan, plan.id).status_instance_id
    return Subject(report, (Plan, plan.id), submitter="enterprise")


def start_enterprise_formal_plan(play: Play) -> Subject:
    return _chained(play, start_enterprise_report(play), "formal_plan", submitter="enterprise")


def start_publicity(play: Play) -> Subject:
    subject = start_formal_plan(play)
    drive(play, subject, lambda: play.session.get(ProcessInstance, subject.instance_id).status == "waiting")
    return subject


def start_compliance(play: Play) -> Subject:
    plan_subject = start_publicity(play)
    play.advance(PUBLICITY_OVER)
    plan = play.session.get(Plan, plan_subject.row[1])
    version = compliance.published_version(play.session, plan)
    if version is None:
        raise StepFailed(N_("没能走到场景的起点：方案没有在公示期满后发布"))
    measured = [row["value"] for row in compliance.indicators(version)]
    play.pause()
    application = compliance.apply(play.session, play.user("enterprise"), plan.id, ApplicationInput(
        "LY-TDR2026", plan.organization_id, measured, "场景测试", [_file(play, "test_report")]))
    return Subject(application.instance_id, (Application, application.id), submitter="enterprise")


def start_declaration(play: Play) -> Subject:
    declaration = declarations.declare(play.session, play.user("enterprise"), declarations.DeclarationDraft(
        "两轮电动自行车", "LY-TDR2026", [{"number": "GB 17761-2024", "name": "电动自行车安全技术规范"}],
        [{"name": "整车质量", "own_value": "≤55kg", "benchmark_value": "≤55kg",
          "benchmark_standard": "GB 17761-2024"}],
        "本企业 LY-TDR2026 型两轮电动自行车主要技术指标已对标国家标准。"))
    return Subject(declaration.instance_id, (Declaration, declaration.id), submitter="enterprise")


STARTERS: dict[str, Callable[[Play], Subject]] = {
    "registration_vetting": start_registration,
    "registration_change": start_registration_change,
    "pilot_enrollment": start_enrollment,
    "pilot_enrollment_enterprise": start_enterprise_enrollment,
    "comparison_report": start_report,
    "formal_plan": start_formal_plan,
    "enterprise_comparison_report": start_enterprise_report,
    "enterprise_formal_plan": start_enterprise_formal_plan,
    "publicity": start_publicity,
    "compliance_review": start_compliance,
    "self_declaration": start_declaration,
}


def start(play: Play, given: str) -> Subject:
    starter = STARTERS.get(given)
    if starter is None:
        raise StepFailed(N_("没有名为 %(given)s 的起点（可用：%(known)s）", given=given,
                            known=listing(sorted(STARTERS))))
    subject = starter(play)
    play.session.commit()
    return subject


