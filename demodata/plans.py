"""Demo plans driven through the real processes: two 发布, one 公示中 (idempotent).

Each plan goes through enrolment, 比对分析报告, 平台备案及形式审核, 提交正式版 and its review, one
step every day or so. The two published ones had their 7-day 公示 weeks before the load and were
published by the 公示 timer when it fell due; inst2's 两轮电动自行车对标方案 entered 公示 the day
before the load and stays there (``duibiao engine tick --in P8D`` ends it).
"""
from __future__ import annotations

from contextlib import nullcontext
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from demodata import timeline
from demodata.accounts import OFFICE
from demodata.files import demo_pdf
from demodata.pilots import open_task
from engine import clock, runtime, timers
from engine.domain import compliance, formal_plans, pilots, plans, publicity
from engine.domain.auth import find_user
from engine.domain.formal_plans import Draft
from storage.files import FileStore
from storage.models import HumanTask, Pilot, Plan


class DemoPlan(NamedTuple):
    pilot_title: str
    product: str
    institution: str  # e-mail of the drafting institution's user
    name: str
    number: str  # 标准号
    standard_name: str
    published: bool  # False: left in 公示
    started_days_ago: int  # when the institution enrolled
    indicators: list[tuple[str, str, str, str, str]]


DEMO_PLANS = [
    DemoPlan("电动汽车充电桩产品试点第三方技术机构招募", "电动汽车交流充电桩", "inst1@demo.duibiao.cn",
             "电动汽车交流充电桩对标方案", "T/CSTM 00123-2025", "电动汽车交流充电桩对标达标评价规范", True, 30, [
                 ("safety", "漏电保护动作时间", "≤0.1s", "IEC 61851-1:2017", "GB/T 18487.1-2023"),
                 ("performance", "充电效率", "≥95%", "UL 2594-2016", "GB/T 34657.1-2017"),
                 ("low_carbon", "待机功耗", "≤3W", "EU 2019/1782", "GB/T 40432-2021"),
                 ("smart", "远程故障诊断", "支持", "OCPP 2.0.1", "T/CEC 102-2016")]),
    DemoPlan("家用空调产品试点第三方技术机构招募", "房间空气调节器", "inst2@demo.duibiao.cn",
             "房间空气调节器对标方案", "T/CAS 456-2025", "房间空气调节器能效与舒适性评价", True, 28, [
                 ("safety", "泄漏电流", "≤0.75mA", "IEC 60335-2-40:2022", "GB 4706.32-2012"),
                 ("performance", "全年能源消耗效率", "≥5.4", "ISO 16358-1:2013", "GB 21455-2019"),
                 ("low_carbon", "制冷剂全球变暖潜值", "≤750", "EU 517/2014", "GB/T 7778-2017")]),
    DemoPlan("电动自行车产品试点第三方技术机构招募", "两轮电动自行车", "inst2@demo.duibiao.cn",
             "两轮电动自行车对标方案", "T/ABC 001-2025", "两轮电动自行车对标达标评价标准", False, 11, [
                 ("safety", "防撞击", "10N", "ISO 12345-2020", "GB/T 1234-2020"),
                 ("performance", "转速", "650", "JIS 12345-2021", "GB/T 1234-2020"),
                 ("low_carbon", "百公里耗电", "4度", "GB 2233-2022", "GB/T 1234-2020"),
                 ("smart", "定位误差", "5米", "GB 2233-2022", "GB/T 1234-2020")]),
]
# Days after enrolling: 报名审核, 比对分析报告, its review, 提交正式版, its review (公示 starts).
STEP_DAYS = (1, 3, 4, 8, 10)


def _pilot_for(session: Session, office, spec: DemoPlan, started: datetime) -> Pilot:
    """The demo pilot named by ``spec`` (one of the recruiting ones, or a new one whose 招募 ended)."""
    pilot = session.scalars(select(Pilot).where(Pilot.title == spec.pilot_title)).first()
    if pilot is not None:
        return pilot
    with timeline.at(started - timedelta(days=2)):
        return pilots.create_pilot(session, office, {
            "title": spec.pilot_title, "product_name": spec.product, "recruit_type": "institution",
            "field": "product", "deadline": clock.to_china(started).date() + timedelta(days=3),
            "description": f"招募承担{spec.product}对标方案编制的第三方技术机构。"}, [])


def _steps(session: Session, store: FileStore, office, institution, spec: DemoPlan):
    """(form key of the plan's task to complete, who, what) of each step after enrolling, in order
    (None: the enrolment's own review, before the plan exists)."""
    def submit_report(ctx):
        report = store.save(session, demo_pdf("report"), "比对分析报告.pdf", "application/pdf")
        return plans.submit_report(ctx, spec.name, report)

    def submit_plan(ctx):
        documents = {kind: store.save(session, demo_pdf(kind), f"{plans.DOCUMENT_LABELS[kind]}.pdf",
                                      "application/pdf") for kind in formal_plans.PLAN_DOCUMENTS}
        rows = [dict(zip(("level1", "level2", "value", "basis", "method"), row, strict=True))
                for row in spec.indicators]
        return formal_plans.submit(ctx, Draft(spec.number, spec.standard_name, rows, [], documents))

    return [(None, office, lambda ctx: pilots.decide(ctx, "approve", "")),
            ("draft_report", institution, submit_report),
            ("review_report", office, lambda ctx: plans.decide(ctx, "approve", "")),
            ("draft_plan", institution, submit_plan),
            ("review_plan", office, lambda ctx: plans.decide(ctx, "approve", ""))]


def _drive_plan(session: Session, store: FileStore, office, spec: DemoPlan, base: datetime) -> Plan:
    """Enrol, then complete each open task of the chain a few days apart; the plan ends in 公示."""
    institution = find_user(session, spec.institution)
    started = timeline.before(base, days=spec.started_days_ago)
    pilot = _pilot_for(session, office, spec, started)
    with timeline.at(started):
        qualification = store.save(session, demo_pdf("qualification"), "资质证书.pdf", "application/pdf")
        enrollment = pilots.enroll(session, institution, pilot, "演示数据", [qualification])
    steps = _steps(session, store, office, institution, spec)
    for days, (form_key, actor, apply) in zip(STEP_DAYS, steps, strict=True):
        with timeline.at(started + timedelta(days=days)):
            task = open_task(session, enrollment.instance_id) if form_key is None else \
                _plan_task(session, enrollment.id, form_key)
            runtime.complete_task(session, task, actor.id, apply)
    return _plan_of(session, enrollment.id)


def _plan_of(session: Session, enrollment_id: int) -> Plan:
    return session.scalars(select(Plan).where(Plan.enrollment_id == enrollment_id)).one()


def _plan_task(session: Session, enrollment_id: int, form_key: str) -> HumanTask:
    task = plans.open_task_for(session, _plan_of(session, enrollment_id), (form_key,))
    if task is None:
        raise RuntimeError(f"demo: no open {form_key} task for enrolment {enrollment_id}")
    return task


def _publish(session: Session, session_factory, plan: Plan) -> None:
    """Fire the 公示 timer the moment it fell due, as the scheduler would have; the plan is 发布."""
    with timeline.at(plan.publicity_ends_at + timedelta(minutes=1)):
        timers.fire_due(session_factory)
    session.expire_all()  # the timer ran in its own session: read the plan again
    if compliance.published_version(session, plan) is None:
        raise RuntimeError(f"demo plan {plan.name} was not published by its 公示 timer")


def load_plans(session: Session, session_factory, store: FileStore, base: datetime | None = None) -> None:
    """Drive each missing demo plan into 公示 and publish the ones the demo wants published."""
    base = base or clock.now()
    office = find_user(session, OFFICE)
    for spec in DEMO_PLANS:
        if session.scalars(select(Plan).where(Plan.name == spec.name)).first() is not None:
            continue
        # A published plan had the standard 7 days whatever DUIBIAO_PUBLICITY_DURATION says now.
        with publicity.period(publicity.DEFAULT_DURATION) if spec.published else nullcontext():
            plan = _drive_plan(session, store, office, spec, base)
        session.commit()
        if spec.published:
            _publish(session, session_factory, plan)
