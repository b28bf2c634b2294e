"""Demo pilots (试点招募): two recruiting, and inst1 enrolled and approved in the first, so its
编制方案 is open under 我参与的 (idempotent)."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from demodata import timeline
from demodata.accounts import OFFICE
from engine import clock, runtime
from engine.domain import pilots
from engine.domain.auth import find_user
from storage.models import HumanTask, Pilot

DEMO_PILOT_TITLE = "电动自行车产品试点第三方技术机构招募"
ENTERPRISE_PILOT_TITLE = "电动自行车产品试点企业招募"
INSTITUTION = "inst1@demo.duibiao.cn"
PUBLISHED_DAYS_AGO = 20
RECRUITING_DAYS_LEFT = 40


def open_task(session: Session, instance_id: int) -> HumanTask:
    """The one READY task of an instance the demo drives."""
    return session.scalars(select(HumanTask).where(
        HumanTask.instance_id == instance_id, HumanTask.state == "ready")).one()


def load_pilots(session: Session, base: datetime | None = None) -> None:
    """Published 20 days before ``base``, recruiting for 40 more; inst1 enrolled two days later."""
    if session.scalars(select(Pilot).where(Pilot.title == DEMO_PILOT_TITLE)).first() is not None:
        return
    base = base or clock.now()
    office, institution = find_user(session, OFFICE), find_user(session, INSTITUTION)
    deadline = clock.to_china(base).date() + timedelta(days=RECRUITING_DAYS_LEFT)
    with timeline.at(timeline.before(base, days=PUBLISHED_DAYS_AGO)):
        pilot = pilots.create_pilot(session, office, {
            "title": DEMO_PILOT_TITLE, "product_name": "两轮电动自行车", "recruit_type": "institution",
            "field": "product", "deadline": deadline,
            "description": "为推动电动自行车产品质量提升，现招募承担对标方案编制的第三方技术机构。\n"
                           "报名单位须具备相关检验检测资质。"}, [])
        pilots.create_pilot(session, office, {
            "title": ENTERPRISE_PILOT_TITLE, "product_name": "两轮电动自行车", "recruit_type": "enterprise",
            "field": "product", "deadline": deadline, "description": "招募参与对标达标的电动自行车生产企业。"}, [])
    with timeline.at(timeline.before(base, days=PUBLISHED_DAYS_AGO - 2)):
        enrollment = pilots.enroll(session, institution, pilot, "我单位具备 CMA 检验检测资质。", [])
    with timeline.at(timeline.before(base, days=PUBLISHED_DAYS_AGO - 3)):
        runtime.complete_task(session, open_task(session, enrollment.instance_id), office.id,
                              lambda ctx: pilots.decide(ctx, "approve", ""))
