"""Demo 企业信息填报 / 服务机构信息填报 (idempotent): ent1 and inst1 have filled theirs in,
ent2 and inst2 have not (so their 用户信息 asks for it)."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from demodata import timeline
from demodata.files import demo_pdf
from engine import clock
from engine.domain import profiles
from engine.domain.auth import find_user
from storage.files import FileStore

ENTERPRISE = ("ent1@demo.duibiao.cn", {"contact": "陈经理", "phone": "13900000003",
                                       "address": "天津市北辰区京津路 88 号",
                                       "founded_on": date(2008, 5, 20), "legal_rep": "陈立新"}, {
    "email": "service@lvyuan.example.cn", "business_info": "年产电动自行车 120 万辆，出口 30 余个国家和地区。",
    "scale": "large", "ownership": "private", "industry": "电动自行车制造", "industry_code": "C3761",
    "sector": "secondary",
    "main_products": "两轮电动自行车、电动自行车用锂离子蓄电池", "standardization_body": "dedicated",
    "full_time_staff": 4, "part_time_staff": 12, "international_standards": 0, "national_standards": 2,
    "industry_standards": 3, "local_standards": 0, "group_standards": 5, "enterprise_standards": 26,
    "management_notes": "设有标准化办公室，建立了覆盖设计、采购、生产、检验的企业标准体系。",
    "needs": ["benchmarking", "training"], "needs_detail": "希望获得欧洲电动自行车标准的对标咨询和标准化人员培训。"})
INSTITUTION = ("inst1@demo.duibiao.cn", {"contact": "刘工", "phone": "13900000001"}, {
    "institution_type": "testing", "accreditations": ["cma", "cnas"], "email": "bz@huabiao.example.cn",
    "staff": 86, "senior_staff": 21,
    "capabilities": "电动自行车整车及零部件安全、性能检测；锂离子蓄电池安全检测；团体标准起草与对标咨询。",
    "cases": "承担多家电动自行车企业的整车型式检验与对标评价。"})


FILLED_IN_DAYS_AGO = 60


def load_profiles(session: Session, store: FileStore, base: datetime | None = None) -> None:
    """ent1's and inst1's 信息填报, filled in two months before the load (each once)."""
    with timeline.at(timeline.before(base or clock.now(), days=FILLED_IN_DAYS_AGO)):
        email, shared, fields = ENTERPRISE
        user = find_user(session, email)
        profile = profiles.enterprise_profile(session, user.organization_id)
        if profile is None:
            profiles.save_enterprise(session, user, shared, dict(fields))
        elif profile.industry_code is None:  # loaded before 所属行业 was asked (migration 0029)
            profile.industry_code = fields["industry_code"]
        email, shared, fields = INSTITUTION
        user = find_user(session, email)
        if profiles.institution_profile(session, user.organization_id) is None:
            attachment = store.save(session, demo_pdf("CMA certificate"), "检验检测机构资质认定证书.pdf",
                                    "application/pdf", user.id)
            profiles.save_institution(session, user, shared, dict(fields), [attachment], set())
