"""Demo plans that went through the real processes: one in 公示, two 发布 (idempotent)."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock, runtime, timers
from engine.domain import formal_plans, pilots, plans, publicity
from engine.domain.auth import find_user
from engine.domain.formal_plans import Draft
from storage.files import FileStore
from storage.models import HumanTask, Pilot, Plan

# (pilot title, product, institution e-mail, plan name, 标准号, 标准名称, published?, indicators)
DEMO_PLANS = [
    ("电动汽车充电桩产品试点第三方技术机构招募", "电动汽车交流充电桩", "inst1@demo.duibiao.cn",
     "电动汽车交流充电桩对标方案", "T/CSTM 00123-2025", "电动汽车交流充电桩对标达标评价规范", True, [
         ("safety", "漏电保护动作时间", "≤0.1s", "IEC 61851-1:2017", "GB/T 18487.1-2023"),
         ("performance", "充电效率", "≥95%", "UL 2594-2016", "GB/T 34657.1-2017"),
         ("low_carbon", "待机功耗", "≤3W", "EU 2019/1782", "GB/T 40432-2021"),
         ("smart", "远程故障诊断", "支持", "OCPP 2.0.1", "T/CEC 102-2016")]),
    ("家用空调产品试点第三方技术机构招募", "房间空气调节器", "inst2@demo.duibiao.cn",
     "房间空气调节器对标方案", "T/CAS 456-2025", "房间空气调节器能效与舒适性评价", True, [
         ("safety", "泄漏电流", "≤0.75mA", "IEC 60335-2-40:2022", "GB 4706.32-2012"),
         ("performance", "全年能源消耗效率", "≥5.4", "ISO 16358-1:2013", "GB 21455-2019"),
         ("low_carbon", "制冷剂全球变暖潜值", "≤750", "EU 517/2014", "GB/T 7778-2017")]),
    ("电动自行车产品试点第三方技术机构招募", "两轮电动自行车", "inst2@demo.duibiao.cn",
     "两轮电动自行车对标方案", "T/ABC 001-2025", "两轮电动自行车对标达标评价标准", False, [
         ("safety", "防撞击", "10N", "ISO 12345-2020", "GB/T 1234-2020"),
         ("performance", "转速", "650", "JIS 12345-2021", "GB/T 1234-2020"),
         ("low_carbon", "百公里耗电", "4度", "GB 2233-2022", "GB/T 1234-2020"),
         ("smart", "定位误差", "5米", "GB 2233-2022", "GB/T 1234-2020")]),
]


def demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF (ASCII text; the demo files are placeholders)."""
    stream = f"BT /F1 14 Tf 72 720 Td (Duibiao demo document {title}) Tj ET".encode("ascii")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>"
               b" /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _complete(session: Session, instance_id: int, actor_id: int, apply) -> None:
    task = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance_id,
                                                   HumanTask.state == "ready")).one()
    runtime.complete_task(session, task, actor_id, apply)


def _task_of(session: Session, plan, form_key: str) -> HumanTask:
    return plans.open_task_for(session, plan, (form_key,))


def _drive_plan(session: Session, store: FileStore, office, institution, pilot: Pilot, spec) -> None:
    _title, _product, _email, name, number, standard_name, _published, rows = spec
    qualification = store.save(session, demo_pdf("qualification"), "资质证书.pdf", "application/pdf")
    enrollment = pilots.enroll(session, institution, pilot, "演示数据", [qualification])
    _complete(session, enrollment.instance_id, office.id, lambda ctx: pilots.decide(ctx, "approve", ""))
    plan = session.scalars(select(Plan).where(Plan.enrollment_id == enrollment.id)).one()
    report = store.save(session, demo_pdf("report"), "比对分析报告.pdf", "application/pdf")
    for form_key, actor, apply in (
        ("draft_report", institution, lambda ctx: plans.submit_report(ctx, name, report)),
        ("review_report", office, lambda ctx: plans.decide(ctx, "approve", "")),
    ):
        runtime.complete_task(session, _task_of(session, plan, form_key), actor.id, apply)
    documents = {kind: store.save(session, demo_pdf(kind), f"{plans.DOCUMENT_LABELS[kind]}.pdf", "application/pdf")
                 for kind in formal_plans.PLAN_DOCUMENTS}
    indicators = [dict(zip(("level1", "level2", "value", "basis", "method"), row, strict=True)) for row in rows]
    draft = Draft(number, standard_name, indicators, [], documents)
    runtime.complete_task(session, _task_of(session, plan, "draft_plan"), institution.id,
                          lambda ctx: formal_plans.submit(ctx, draft))
    runtime.complete_task(session, _task_of(session, plan, "review_plan"), office.id,
                          lambda ctx: plans.decide(ctx, "approve", ""))


def load_plans(session: Session, session_factory, store: FileStore) -> None:
    """Drive each demo plan through enrolment, report, formal plan and into 公示; publish two."""
    office = find_user(session, "office@demo.duibiao.cn")
    for spec in DEMO_PLANS:
        title, product, email, name, _number, _standard, published, _rows = spec
        if session.scalars(select(Plan).where(Plan.name == name)).first() is not None:
            continue
        pilot = session.scalars(select(Pilot).where(Pilot.title == title)).first()
        if pilot is None:
            pilot = pilots.create_pilot(session, office, {
                "title": title, "product_name": product, "recruit_type": "institution", "field": "product",
                "deadline": clock.to_china(clock.now()).date() + timedelta(days=60),
                "description": f"招募承担{product}对标方案编制的第三方技术机构。"}, [])
        with publicity.period("PT1S" if published else publicity.duration()):
            _drive_plan(session, store, office, find_user(session, email), pilot, spec)
        session.commit()
        if published:  # the one-second 公示 of demo data ends at once
            timers.fire_due(session_factory, clock.now() + timedelta(seconds=2))
