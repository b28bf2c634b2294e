"""数据字典 as shipped: the option lists the code fixed until migration 0023 (which seeded a snapshot of
them). ``seed`` puts back every list that has no entries at all (a wiped database). Entry labels are
data the office edits, in Chinese."""
from __future__ import annotations

from sqlalchemy import Connection, insert, select

from storage.models import DictionaryEntry

SEED = {
    "pilot_field": (("product", "产品"), ("organization", "组织"), ("region", "区域")),
    "enterprise_scale": (("large", "大型企业"), ("medium", "中型企业"), ("small", "小型企业"), ("micro", "微型企业")),
    "enterprise_ownership": (("state", "国有企业"), ("collective", "集体企业"), ("cooperative", "股份合作"),
                             ("private", "私营企业"), ("foreign", "外资企业"), ("other", "其它")),
    "sector": (("primary", "一产"), ("secondary", "二产"), ("tertiary", "三产")),
    "standardization_body": (("dedicated", "设有专门的标准化管理部门"), ("shared", "由其他部门兼管"),
                             ("none", "未设立")),
    "standardization_need": (("drafting", "标准制修订"), ("benchmarking", "对标达标咨询"), ("testing", "检验检测"),
                             ("training", "标准化培训"), ("information", "标准信息服务"), ("other", "其它")),
    "institution_type": (("testing", "检验检测机构"), ("certification", "认证机构"),
                         ("standardization", "标准化技术机构"), ("association", "行业协会/学会"),
                         ("research", "科研院所/高校"), ("other", "其它")),
    "accreditation": (("cma", "检验检测机构资质认定（CMA）"), ("cnas", "中国合格评定国家认可（CNAS）"),
                      ("cnca", "认证机构批准（CNCA）"), ("other", "其它")),
}


def seed(connection: Connection) -> int:
    """Insert the shipped entries of every list that has none; the number inserted."""
    present = set(connection.scalars(select(DictionaryEntry.dictionary).distinct()))
    rows = [{"dictionary": key, "code": code, "label": label, "position": position, "enabled": True}
            for key, pairs in SEED.items() if key not in present
            for position, (code, label) in enumerate(pairs, start=1)]
    if rows:
        connection.execute(insert(DictionaryEntry.__table__), rows)
    return len(rows)
