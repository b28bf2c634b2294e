"""Other parties' steps in the role journeys, taken through the same domain services the app uses.

A journey drives its own role through the browser; what another organisation does in between (the
office's approval in the institution's journey, the institution's drafting in the office's) runs here,
through ``runtime.complete_task`` and the domain services, in the live server's app and database.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import select

from engine import clock, runtime, timers
from engine.domain import compliance, declarations, formal_plans, pilots, plans, publicity, registration
from engine.domain.auth import find_user
from engine.domain.compliance import ApplicationInput, EvaluationInput
from engine.domain.formal_plans import Draft
from storage.models import ApplicationSubmission, HumanTask, Pilot, Plan

OFFICE_EMAIL = "office@demo.duibiao.cn"
ENROLMENT_PILOT = "电动自行车产品试点第三方技术机构招募"
INDICATORS = [
    ("safety", "防撞击", "10N", "ISO 12345-2020", "GB/T 1234"),
    ("performance", "转速", "650", "JIS 12345-2021", "GB/T 1234"),
    ("low_carbon", "百公里耗电", "4度", "GB 2233-2022", "GB/T 1234"),
    ("smart", "定位误差", "5米", "GB 2233-2022", "GB/T 1234"),
]
# How the office approves each step it owns (the 通过 of its form).
APPROVALS = {
    "注册审核": lambda ctx: registration.decide(ctx, "approve", ""),
    "报名审核": lambda ctx: pilots.decide(ctx, "approve", ""),
    "平台备案及形式审核": lambda ctx: plans.decide(ctx, "approve", ""),
    "正式版方案审核": lambda ctx: plans.decide(ctx, "approve", ""),
    "达标结果形式审核及备案": lambda ctx: compliance.file(ctx, "approve", ""),
}


@contextmanager
def app_session(live_server):
    """A session of the live server's database, committed at the end."""
    from webapp import db

    with live_server.app.app_context():
        session = db.session()
        yield session
        session.commit()


def _pdf(session, name: str):
    from tests.factories import PDF_BYTES
    from webapp import db

    return db.file_store().save(session, PDF_BYTES, name, "application/pdf")


def ready_task(session, step: str, subject_part: str = "") -> HumanTask:
    """The one READY task of the BPMN step named ``step`` (whose subject contains ``subject_part``)."""
    query = select(HumanTask).where(HumanTask.state == "ready", HumanTask.title == step)
    tasks = [t for t in session.scalars(query) if subject_part in (t.instance.subject or "")]
    assert len(tasks) == 1, f"{len(tasks)} ready {step} tasks matching {subject_part!r}"
    return tasks[0]


def complete(live_server, step: str, email: str, apply, subject_part: str = "") -> None:
    with app_session(live_server) as session:
        task = ready_task(session, step, subject_part)
        runtime.complete_task(session, task, find_user(session, email).id, apply)


def office_approves(live_server, step: str, subject_part: str = "") -> None:
    complete(live_server, step, OFFICE_EMAIL, APPROVALS[step], subject_part)


def enrol(live_server, email: str, pilot_title: str = ENROLMENT_PILOT) -> None:
    with app_session(live_server) as session:
        pilot = session.scalars(select(Pilot).where(Pilot.title == pilot_title)).one()
        pilots.enroll(session, find_user(session, email), pilot, "", [_pdf(session, "资质文件.pdf")])


def submit_report(live_server, email: str, plan_name: str, subject_part: str = "") -> None:
    def apply(ctx):
        return plans.submit_report(ctx, plan_name, _pdf(ctx.session, "比对分析报告.pdf"))

    complete(live_server, "编制方案（上传比对分析报告）", email, apply, subject_part)


def submit_formal_plan(live_server, email: str, number: str, standard_name: str, subject_part: str = "") -> None:
    def apply(ctx):
        documents = {kind: _pdf(ctx.session, f"{plans.DOCUMENT_LABELS[kind]}.pdf")
                     for kind in formal_plans.PLAN_DOCUMENTS}
        rows = [dict(zip(("level1", "level2", "value", "basis", "method"), row, strict=True)) for row in INDICATORS]
        return formal_plans.submit(ctx, Draft(number, standard_name, rows, [], documents))

    complete(live_server, "提交正式版", email, apply, subject_part)


def comment(live_server, email: str, plan_name: str, text: str) -> None:
    with app_session(live_server) as session:
        plan = session.scalars(select(Plan).where(Plan.name == plan_name)).one()
        publicity.file_comment(session, find_user(session, email), plan.id, text, None)


def end_publicity(live_server) -> None:
    """Seven days and a minute later: the sweep fires the 公示 timer (``duibiao engine tick``)."""
    factory = live_server.app.extensions["duibiao.sessions"].session_factory
    assert timers.fire_due(factory, clock.now() + timedelta(days=7, minutes=1)) >= 1


def apply_for(live_server, email: str, plan_name: str, model: str) -> None:
    """The enterprise applies (参与达标) against the published ``plan_name``, its measurements the plan's values."""
    with app_session(live_server) as session:
        plan = session.scalars(select(Plan).where(Plan.name == plan_name)).one()
        measured = [row["value"] for row in compliance.indicators(compliance.published_version(session, plan))]
        compliance.apply(session, find_user(session, email), plan.id, ApplicationInput(
            model, plan.organization_id, measured, "", [_pdf(session, f"{model}检测报告.pdf")]))


def institution_evaluates(live_server, email: str, model: str) -> None:
    def apply(ctx):
        submission = ctx.session.get(ApplicationSubmission, int(ctx.data["submission_id"]))
        items = [{"verdict": "pass", "remark": "达到国际先进水平"} for _ in submission.measurements]
        return compliance.evaluate(ctx, EvaluationInput("evaluate", conclusion="pass", items=items))

    complete(live_server, "达标产品评价", email, apply, model)


def declare(live_server, email: str, model: str) -> None:
    """A 自我声明 (我要对标) of the enterprise, waiting for the office's 自我声明核查."""
    draft = declarations.DeclarationDraft(
        "两轮电动自行车", model, [{"number": "GB 17761-2024", "name": "电动自行车安全技术规范"}],
        [{"name": "整车质量", "own_value": "≤55kg", "benchmark_value": "≤55kg",
          "benchmark_standard": "GB 17761-2024"}],
        "本企业该型号产品主要技术指标已对标国家标准。")
    with app_session(live_server) as session:
        declarations.declare(session, find_user(session, email), draft)
