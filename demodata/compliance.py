"""Demo applications (参与达标) at five points of their way, and the certificate (idempotent).

Each goes through the real compliance_review process: applied by a demo enterprise, evaluated
by the plan's institution, filed by the office, as far as the demo's outcome for it needs, one
step a day. The one that ends in a certificate is filed at the moment of the load, so its
number carries the current year: DBDB-<year>-000001 on an empty database.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from demodata import timeline
from demodata.accounts import OFFICE
from demodata.files import demo_pdf
from demodata.pilots import open_task
from engine import clock, runtime
from engine.domain import compliance
from engine.domain.auth import find_user
from engine.domain.compliance import ApplicationInput, EvaluationInput
from storage.files import FileStore
from storage.models import Application, Plan


class DemoApplication(NamedTuple):
    enterprise: str  # e-mail
    plan: str
    model: str  # 产品型号
    outcome: str  # a key of STEPS: how far the demo takes it
    applied_days_ago: int  # then one step a day


DEMO_APPLICATIONS = [  # in the order they were applied for
    DemoApplication("ent2@demo.duibiao.cn", "电动汽车交流充电桩对标方案", "YD-AC22K", "failed", 6),
    DemoApplication("ent2@demo.duibiao.cn", "电动汽车交流充电桩对标方案", "YD-AC11K", "returned", 5),
    DemoApplication("ent1@demo.duibiao.cn", "房间空气调节器对标方案", "LY-KFR26", "office_review", 3),
    DemoApplication("ent1@demo.duibiao.cn", "电动汽车交流充电桩对标方案", "LY-AC7K", "issued", 2),
    DemoApplication("ent2@demo.duibiao.cn", "房间空气调节器对标方案", "YD-KFR35", "institution_review", 1),
]
RETURN_OPINION = "检测报告未涵盖低碳指标，请补充后重新提交"


def _evaluation(application: Application, conclusion: str) -> EvaluationInput:
    failing = 1 if conclusion == "fail" else None  # the second indicator misses its value
    items = [{"verdict": "fail" if n == failing else "pass",
              "remark": "未达到指标值" if n == failing else "达到国际先进水平"}
             for n, _row in enumerate(application.plan_version.data["indicators"])]
    return EvaluationInput("evaluate", conclusion=conclusion, items=items,
                           explanation="第 2 项指标检测值未达到对标方案要求" if failing is not None else "")


def _steps(application: Application, outcome: str, office) -> list[tuple[str, object, object]]:
    """(form key of the task that must be open, who completes it, what they submit), in order."""
    institution = application.institution.users[0]
    conclusion = "fail" if outcome == "failed" else "pass"
    evaluate = ("evaluate_application", institution,
                lambda ctx: compliance.evaluate(ctx, _evaluation(application, conclusion)))
    file = ("file_evaluation", office, lambda ctx: compliance.file(ctx, "approve", ""))
    return {
        "institution_review": [],
        "returned": [("evaluate_application", institution, lambda ctx: compliance.evaluate(
            ctx, EvaluationInput("return", opinion=RETURN_OPINION)))],
        "office_review": [evaluate],
        "failed": [evaluate, file],
        "issued": [evaluate, file],
    }[outcome]


def _drive(session: Session, application: Application, spec: DemoApplication, office, applied: datetime) -> None:
    for day, (form_key, actor, submit) in enumerate(_steps(application, spec.outcome, office), start=1):
        task = open_task(session, application.instance_id)
        if task.form_key != form_key:
            raise RuntimeError(f"demo: {spec.model} waits at {task.form_key}, not {form_key}")
        with timeline.at(applied + timedelta(days=day)):
            runtime.complete_task(session, task, actor.id, submit)


def _apply(session: Session, store: FileStore, spec: DemoApplication) -> Application:
    plan = session.scalars(select(Plan).where(Plan.name == spec.plan)).one()
    version = compliance.published_version(session, plan)
    if version is None:
        raise RuntimeError(f"demo: {spec.plan} is not published")
    measured = [row["value"] for row in compliance.indicators(version)]
    report = store.save(session, demo_pdf(f"test report {spec.model}"), f"{spec.model}检测报告.pdf",
                        "application/pdf")
    return compliance.apply(session, find_user(session, spec.enterprise), plan.id, ApplicationInput(
        spec.model, plan.organization_id, measured, "演示数据", [report]))


def load_applications(session: Session, store: FileStore, base: datetime | None = None) -> None:
    """Apply, evaluate and file each missing demo application as far as its outcome."""
    base = base or clock.now()
    office = find_user(session, OFFICE)
    for spec in DEMO_APPLICATIONS:
        if session.scalars(select(Application.id).where(Application.product_model == spec.model)).first():
            continue
        applied = timeline.before(base, days=spec.applied_days_ago)
        with timeline.at(applied):
            application = _apply(session, store, spec)
        _drive(session, application, spec, office, applied)
        session.commit()
