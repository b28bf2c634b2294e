"""Demo 机构服务 and 组织架构 (idempotent): inst1's public 服务信息 in 机构名录 (inst2 has none, so the
directory lists one institution), and the programme's structure published under 关于我们 → 组织架构."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from demodata import timeline
from demodata.accounts import OFFICE
from demodata.files import demo_pdf
from engine import clock
from engine.domain import directory, org_chart
from engine.domain.auth import find_user
from storage.files import FileStore
from storage.models import OrgChartNode

INSTITUTION = "inst1@demo.duibiao.cn"
PROFILE = {
    "fields": ["M7454", "M7452", "M7453"],  # 标准化服务, 检测服务, 计量服务
    "summary": "为电动自行车、充电桩等产品提供整车及零部件检验检测、对标比对分析和达标评价服务；"
               "参与起草团体标准，为企业提供标准化咨询与培训。",
    "qualifications": "检验检测机构资质认定（CMA）；中国合格评定国家认可委员会（CNAS）实验室认可。",
    "contact": "王工", "phone": "010-62345678", "email": "service@huabiao.example.cn",
    "address": "北京市昌平区科技园永安路36号",
}
# (名称, 职责, children): the programme's participants as the manual names them.
STRUCTURE = ("对标达标提升专项行动办公室（专项办）", "统筹组织专项行动，审核对标方案和达标结果，发布对标达标信息。", (
    ("技术支撑机构", "承担平台运行维护、政策研究和技术指导，组织标准比对分析方法的培训。", ()),
    ("第三方技术机构", "编制对标方案，开展产品检验检测和达标评价，出具评价结论。", (
        ("检验检测机构", "依据试验方法标准开展产品检测，出具检测报告。", ()),
        ("标准化技术机构", "开展国内外标准比对分析，提出对标指标。", ()),
    )),
    ("企业", "开展自我声明对标，参编对标方案，对照对标方案申请达标评价。", ()),
    ("社会公众", "查询对标方案和达标结果，查验达标证书，对公示中的对标方案提出修订意见。", ()),
))
FILLED_IN_DAYS_AGO = 30


def load_directory(session: Session, store: FileStore, base: datetime | None = None) -> None:
    """inst1's published 服务信息 and the published 组织架构 (each once)."""
    with timeline.at(timeline.before(base or clock.now(), days=FILLED_IN_DAYS_AGO)):
        user = find_user(session, INSTITUTION)
        if directory.own_profile(session, user.organization_id) is None:
            certificate = store.save(session, demo_pdf("CNAS accreditation"), "CNAS 认可证书.pdf",
                                     "application/pdf", user.id)
            directory.save(session, user, directory.ProfileDraft(
                published=True, qualification_file=certificate, **PROFILE))
        office = find_user(session, OFFICE)
        if not session.scalar(select(func.count(OrgChartNode.id))):
            _add(session, office, None, STRUCTURE)
            org_chart.set_published(session, office, True)


def _add(session: Session, office, parent_id: int | None, node: tuple) -> None:
    name, duty, children = node
    added = org_chart.add(session, office, parent_id, name, duty)
    for child in children:
        _add(session, office, added.id, child)
