"""The columns of the exports of 达标结果 and 对标方案 (public: what their pages show, nothing more) and of
单位管理 (the office's)."""
from __future__ import annotations

from flask_babel import gettext as _

from engine import clock, exports
from webapp import code_names
from webapp.i18n import localized


def result_columns() -> exports.Columns:
    """达标结果: a valid certificate's frozen facts (engine.domain.certificates.facts_of)."""
    def fact(name):
        return lambda certificate: certificate.facts.get(name, "")

    return [(_("企业名称"), fact("enterprise")), (_("产品名称"), fact("product_name")),
            (_("产品型号"), fact("product_model")), (_("标准号"), fact("standard_number")),
            (_("标准名称"), fact("standard_name")), (_("评价机构"), fact("institution")),
            (_("证书编号"), lambda certificate: certificate.number),
            (_("发证日期"), lambda certificate: clock.to_china(certificate.issued_at).date())]


def plan_columns() -> exports.Columns:
    """对标方案: engine.domain.catalog.CatalogRow's public fields; 发布时间 only once published."""
    return [(_("试点名称"), lambda row: row.pilot_title), (_("产品名称"), lambda row: row.product_name),
            (_("发布机构"), lambda row: row.institution), (_("标准号"), lambda row: row.standard_number),
            (_("标准名称"), lambda row: row.standard_name), (_("状态"), lambda row: localized(row.status_label)),
            (_("发布时间"), lambda row: clock.to_china(row.public_at).date() if row.status == "published" else None)]


def organization_columns() -> exports.Columns:
    """单位管理: the list's columns (its labels as organizations/list.html words them)."""
    kinds = {"enterprise": _("企业用户"), "institution": _("第三方技术机构")}
    statuses = {"pending": _("待审核"), "active": _("审核通过"), "rejected": _("不予通过"), "disabled": _("已停用")}
    return [(_("单位名称"), lambda o: o.name), (_("统一社会信用代码"), lambda o: o.credit_code),
            (_("用户类型"), lambda o: kinds.get(o.kind, o.kind)),
            (_("所在地"), lambda o: code_names.region_label(o.province_code, o.city_code)),
            (_("联系人"), lambda o: o.contact), (_("联系电话"), lambda o: o.phone),
            (_("帐号状态"), lambda o: statuses.get(o.status, o.status)), (_("注册时间"), lambda o: o.created_at)]
