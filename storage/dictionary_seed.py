"""数据字典 as shipped: the option lists the code fixed until migration 0023 (which seeded a snapshot of
them). ``seed`` puts back every list that has no entries at all (a wiped database). Entry labels are
data the office edits, in Chinese; the shipped labels are marked ``N_`` (babel.cfg extracts them) so that
the English catalogue translates them where they are shown (engine.domain.dictionaries), while a label
the office adds or changes shows as typed."""
from __future__ import annotations

from sqlalchemy import Connection, insert, select

from storage.models import DictionaryEntry


def N_(label: str) -> str:  # noqa: N802 — marks a shipped label for extraction (storage imports no engine)
    return label


SEED = {
    "pilot_field": (("product", N_("产品")), ("organization", N_("组织")), ("region", N_("区域"))),
    "enterprise_scale": (("large", N_("大型企业")), ("medium", N_("中型企业")), ("small", N_("小型企业")),
                         ("micro", N_("微型企业"))),
    "enterprise_ownership": (("state", N_("国有企业")), ("collective", N_("集体企业")), ("cooperative", N_("股份合作")),
                             ("private", N_("私营企业")), ("foreign", N_("外资企业")), ("other", N_("其它"))),
    "sector": (("primary", N_("一产")), ("secondary", N_("二产")), ("tertiary", N_("三产"))),
    "standardization_body": (("dedicated", N_("设有专门的标准化管理部门")), ("shared", N_("由其他部门兼管")),
                             ("none", N_("未设立"))),
    "standardization_need": (("drafting", N_("标准制修订")), ("benchmarking", N_("对标达标咨询")),
                             ("testing", N_("检验检测")), ("training", N_("标准化培训")),
                             ("information", N_("标准信息服务")), ("other", N_("其它"))),
    "institution_type": (("testing", N_("检验检测机构")), ("certification", N_("认证机构")),
                         ("standardization", N_("标准化技术机构")), ("association", N_("行业协会/学会")),
                         ("research", N_("科研院所/高校")), ("other", N_("其它"))),
    "accreditation": (("cma", N_("检验检测机构资质认定（CMA）")),
                      ("cnas", N_("中国合格评定国家认可（CNAS）")),
                      ("cnca", N_("认证机构批准（CNCA）")), ("other", N_("其它"))),
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
