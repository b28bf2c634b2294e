"""Demo applications (参与达标) at several stages, and issued certificates (idempotent).

Each goes through the real compliance_review process: applied by a demo enterprise,
evaluated by the plan's institution, filed by the office, as far as its stage needs.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import runtime
from engine.domain import compliance
from engine.domain.auth import find_user
from engine.domain.compliance import ApplicationInput, EvaluationInput
from storage.files import FileStore
from storage.models import Application, HumanTask, Plan
from webapp.demo_plans import demo_pdf

# (enterprise, plan name, 产品型号, how far it goes)
DEMO_APPLICATIONS = [
    ("ent1@demo.duibiao.cn", "电动汽车交流充电桩对标方案", "LY-AC7K", "issued"),
    ("ent2@demo.duibiao.cn", "电动汽车交流充电桩对标方案", "YD-AC11K", "returned"),
    ("ent2@demo.duibiao.cn", "电动汽车交流充电桩对标方案", "YD-AC22K", "failed"),
    ("ent1@demo.duibiao.cn", "房间空气调节器对标方案", "LY-KFR26", "office_review"),
    ("ent2@demo.duibiao.cn", "房间空气调节器对标方案", "YD-KFR35", "institution_review"),
]
OFFICE = "office@demo.duibiao.cn"


def _task(session: Session, application: Application) -> HumanTask:
    return session.scalars(select(HumanTask).where(HumanTask.instance_id == application.instance_id,
                                                   HumanTask.state == "ready")).one()


def _evaluate(session: Session, application: Application, conclusion: str) -> None:
    rows = application.plan_version.data["indicators"]
    items = [{"verdict": "fail" if conclusion == "fail" and n == 1 else "pass",
              "remark": "未达到指标值" if conclusion == "fail" and n == 1 else "达到国际先进水平"}
             for n, _row in enumerate(rows)]
    given = EvaluationInput("evaluate", conclusion=conclusion, items=items,
                            explanation="第 2 项指标检测值未达到对标方案要求" if conclusion == "fail" else "")
    institution = application.institution.users[0]
    runtime.complete_task(session, _task(session, application), institution.id,
                          lambda ctx: compliance.evaluate(ctx, given))


def _drive(session: Session, application: Application, stage: str) -> None:
    office = find_user(session, OFFICE)
    if stage == "returned":
        institution = application.institution.users[0]
        runtime.complete_task(session, _task(session, application), institution.id, lambda ctx: compliance.evaluate(
            ctx, EvaluationInput("return", opinion="检测报告未涵盖低碳指标，请补充后重新提交")))
    elif stage in ("office_review", "issued", "failed"):
        _evaluate(session, application, "fail" if stage == "failed" else "pass")
        if stage != "office_review":
            runtime.complete_task(session, _task(session, application), office.id,
                                  lambda ctx: compliance.file(ctx, "approve", ""))


def load_applications(session: Session, store: FileStore) -> None:
    """Apply, evaluate and file the demo applications up to their stage."""
    for email, plan_name, model, stage in DEMO_APPLICATIONS:
        enterprise = find_user(session, email)
        plan = session.scalars(select(Plan).where(Plan.name == plan_name)).first()
        if enterprise is None or plan is None or plan.status != "published":
            continue
        if session.scalars(select(Application).where(Application.plan_id == plan.id,
                                                     Application.product_model == model)).first():
            continue
        version = compliance.published_version(session, plan)
        measured = [row["value"] for row in compliance.indicators(version)]
        report = store.save(session, demo_pdf(f"test report {model}"), f"{model}检测报告.pdf", "application/pdf")
        application = compliance.apply(session, enterprise, plan.id, ApplicationInput(
            model, plan.organization_id, measured, "演示数据", [report]))
        _drive(session, application, stage)
        session.commit()
