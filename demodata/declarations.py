"""Demo self-declarations (我要对标) driven through the real process (idempotent).

One is left 待核查, one the office confirmed, one the office took down with a reason: declared
nine, eight and seven days before the load, checked the day after.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from demodata import timeline
from demodata.accounts import OFFICE
from demodata.pilots import open_task
from engine import clock, runtime
from engine.domain import declarations
from engine.domain.auth import find_user
from storage.models import Declaration

# (enterprise e-mail, 产品名称, 产品型号, 对比标准, 指标, 声明内容, 核查: None | ("confirm"|"take_down", reason))
DEMO_DECLARATIONS = [
    ("ent1@demo.duibiao.cn", "两轮电动自行车", "LY-TDR2025",
     [("GB 17761-2024", "电动自行车安全技术规范"), ("EN 15194:2017", "Cycles - Electrically power assisted cycles")],
     [("整车质量", "≤55kg", "≤55kg", "GB 17761-2024"), ("续驶里程", "85km", "≥60km", "EN 15194:2017"),
      ("制动距离（干态）", "≤6m", "≤7m", "GB 17761-2024")],
     "本企业 LY-TDR2025 型两轮电动自行车主要技术指标已对标国家标准及欧洲标准，"
     "整车质量、续驶里程和制动性能均达到或优于对标值。", None),
    ("ent2@demo.duibiao.cn", "电动自行车用锂离子蓄电池", "YD-48V20AH",
     [("GB 43854-2024", "电动自行车用锂离子蓄电池安全技术规范"), ("IEC 62133-2:2017", "Secondary cells and batteries")],
     [("循环寿命", "1200次", "≥1000次", "GB 43854-2024"), ("过充保护", "通过", "通过", "IEC 62133-2:2017")],
     "本企业 YD-48V20AH 型锂离子蓄电池的循环寿命与安全保护性能已对标国家标准及国际标准。",
     ("confirm", "")),
    ("ent2@demo.duibiao.cn", "电动自行车充电器", "YD-CH360",
     [("GB 42295-2022", "电动自行车电气安全要求")],
     [("充电效率", "≥95%", "≥85%", "GB 42295-2022")],
     "本企业 YD-CH360 型充电器充电效率达到国际先进水平。",
     ("take_down", "声明的充电效率缺少检测依据，请补充第三方检测报告后重新发布。")),
]
FIRST_DAYS_AGO = (9, 8, 7)  # when each was declared


def load_declarations(session: Session, base: datetime | None = None) -> None:
    """Self-declarations of the demo enterprises (idempotent)."""
    base = base or clock.now()
    office = find_user(session, OFFICE)
    for days_ago, (email, product, model, compared, rows, statement, check) in zip(
            FIRST_DAYS_AGO, DEMO_DECLARATIONS, strict=True):
        user = find_user(session, email)
        if session.scalars(select(Declaration.id).where(
                Declaration.enterprise_id == user.organization_id, Declaration.product_model == model)).first():
            continue
        draft = declarations.DeclarationDraft(
            product, model, [{"number": number, "name": name} for number, name in compared],
            [dict(zip(("name", "own_value", "benchmark_value", "benchmark_standard"), row, strict=True))
             for row in rows], statement)
        declared = timeline.before(base, days=days_ago)
        with timeline.at(declared):
            declaration = declarations.declare(session, user, draft)
        if check is not None:
            decision, reason = check
            with timeline.at(declared + timedelta(days=1)):
                runtime.complete_task(session, open_task(session, declaration.instance_id), office.id,
                                      lambda ctx, d=decision, r=reason: declarations.check(ctx, d, r))
