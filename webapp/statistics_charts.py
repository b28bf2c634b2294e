"""统计分析's charts as tables: one definition each, drawn on the page (dashboard_charts.js plots the
table) and written by the export, so the chart, its table and the file always agree."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from engine.domain import operations, statistics
from engine.domain.statistics import Period
from engine.text import localized
from forms.dictionary_lists import Labels
from forms.profiles import SECTOR_LABELS
from webapp import code_names
from webapp.views_util import bpmn_text


@dataclass
class Column:
    title: str
    plotted: bool = True  # a series of the chart (its header carries data-series)


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # bar | line
    label_title: str
    columns: list[Column]
    rows: list[tuple[str, list]] = field(default_factory=list)
    horizontal: bool = False
    decimals: bool = False
    note: str = ""


def _monthly(key, title, period: Period, series: list[tuple[str, dict]], kind="line") -> Chart:
    rows = [(month, [counts.get(month, 0) for _name, counts in series]) for month in period.months()]
    return Chart(key, title, kind, _("月份"), [Column(name) for name, _counts in series], rows)


def registrations(session: Session, period: Period) -> Chart:
    counts = statistics.registrations_by_month(session, period)
    split = {kind: {month: n for (month, k), n in counts.items() if k == kind}
             for kind in ("enterprise", "institution")}
    return _monthly("registrations", _("注册单位（按月）"), period,
                    [(_("企业"), split["enterprise"]), (_("第三方技术机构"), split["institution"])], kind="bar")


def enrollments(session: Session, period: Period) -> Chart:
    return _monthly("enrollments", _("试点报名（按月）"), period,
                    [(_("报名"), statistics.enrollments_by_month(session, period))], kind="bar")


def applications(session: Session, period: Period) -> Chart:
    return _monthly("applications", _("达标申请与证书（按月）"), period,
                    [(_("达标申请"), statistics.applications_by_month(session, period)),
                     (_("颁发证书"), statistics.certificates_by_month(session, period))])


def pass_rates(session: Session, period: Period) -> Chart:
    rows = [(rate.month, [rate.evaluated, rate.passed, rate.percent if rate.percent is not None else ""])
            for rate in statistics.pass_rates(session, period)]
    return Chart("pass-rates", _("评价通过率（按月）"), "line", _("月份"),
                 [Column(_("评价数"), plotted=False), Column(_("达标"), plotted=False), Column(_("通过率（%）"))],
                 rows, decimals=True, note=_("通过率 = 评价结论为“达标”的评价数 ÷ 当月完成的评价数"))


def plans_by_stage(session: Session, period: Period) -> Chart:
    rows = [(bpmn_text(label) or code, [n]) for code, label, n in statistics.plans_by_stage(session)]
    return Chart("plans-by-stage", _("对标方案（按当前阶段）"), "bar", _("阶段"), [Column(_("方案数"))], rows,
                 horizontal=True, note=_("当前状态，不受统计期间限制"))


def plans_by_field(session: Session, period: Period) -> Chart:
    names = Labels("pilot_field")  # 数据字典 → 试点领域
    rows = [(str(localized(names.get(code, code))), [n, published])
            for code, n, published in statistics.plans_by_field(session)]
    return Chart("plans-by-field", _("对标方案（按试点领域）"), "bar", _("试点领域"),
                 [Column(_("方案数")), Column(_("已发布"))], rows, note=_("当前状态，不受统计期间限制"))


def by_region(session: Session, period: Period) -> Chart:
    found = statistics.by_province(session, period)
    rows = sorted(((code_names.region_label(code) if code else _("未填写"), counts) for code, counts in found.items()),
                  key=lambda row: (-row[1][1], -row[1][0], row[0]))
    return Chart("by-region", _("达标申请与证书（按地区，GB/T 2260）"), "bar", _("省份"),
                 [Column(_("达标申请")), Column(_("颁发证书"))], rows, horizontal=True)


def by_sector(session: Session, period: Period) -> Chart:
    found = statistics.by_sector(session, period)
    rows = [(str(localized(SECTOR_LABELS.get(code, _("未填写")))), counts) for code, counts in sorted(
        found.items(), key=lambda item: item[0] or "~")]
    return Chart("by-sector", _("达标申请与证书（按企业行业分类）"), "bar", _("行业分类"),
                 [Column(_("达标申请")), Column(_("颁发证书"))], rows,
                 note=_("行业分类取自企业信息填报（一产 / 二产 / 三产）"))


def by_industry(session: Session, period: Period) -> Chart:
    found = statistics.by_industry_section(session, period)
    rows = [(code_names.industry_label(letter) or letter if letter else _("未填写"), counts)
            for letter, counts in sorted(found.items(), key=lambda item: item[0] or "~")]
    return Chart("by-industry", _("达标申请与证书（按行业，GB/T 4754 门类）"), "bar", _("门类"),
                 [Column(_("达标申请")), Column(_("颁发证书"))], rows, horizontal=True,
                 note=_("行业取自企业信息填报的“所属行业（国民经济行业分类）”，按门类（A–T）统计"))


def by_institution(session: Session, period: Period) -> Chart:
    rows = [(name, [applied, passed, certified])
            for name, applied, passed, certified in statistics.by_institution(session, period)]
    return Chart("by-institution", _("达标申请与证书（按第三方技术机构）"), "bar", _("第三方技术机构"),
                 [Column(_("受理申请")), Column(_("评价达标")), Column(_("颁发证书"))], rows, horizontal=True)


def step_days(session: Session, period: Period) -> Chart:
    names = operations.process_names(session)
    rows = [(f"{bpmn_text(names.get(step.process_key)) or step.process_key} · "
             f"{bpmn_text(step.title) or step.task_name}",
             [step.completed, round(step.median_seconds / 86400, 2)]) for step in statistics.step_durations(session)]
    return Chart("step-days", _("各环节办理时长（中位数，天）"), "bar", _("环节"),
                 [Column(_("已办理"), plotted=False), Column(_("中位数（天）"))], rows, horizontal=True,
                 decimals=True, note=_("从任务到达至办理完成，全部已办理任务，不受统计期间限制"))


CHARTS: dict[str, Callable[[Session, Period], Chart]] = {
    "registrations": registrations, "enrollments": enrollments, "plans-by-stage": plans_by_stage,
    "plans-by-field": plans_by_field, "applications": applications, "pass-rates": pass_rates,
    "by-region": by_region, "by-sector": by_sector, "by-industry": by_industry, "by-institution": by_institution,
    "step-days": step_days,
}
EXPORT_TITLE = _l("统计分析")
