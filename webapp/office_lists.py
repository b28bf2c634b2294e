"""试点管理, 内容管理 and 报名情况 with the record lists' tools (webapp.records.render_list): search, filters,
sorting, the pager and 导出 CSV / 导出 Excel of the filtered rows (engine.office_lists selects them).

Their pages keep their own tables and actions (编辑, 结束招募, 发布 / 撤下, 审核); the columns below are
what they export, and their sortable headers. Only the office reaches them (the views' ``roles_required``).
"""
from __future__ import annotations

from flask import url_for
from flask_babel import lazy_gettext as _l

from engine import office_lists
from engine.domain import articles, pilots
from engine.text import localized as engine_localized
from forms.articles import COLUMN_LABELS, GROUP_LABELS, STATUS_LABELS
from forms.dictionary_lists import Labels
from storage.models import Pilot
from webapp import code_names, records, work_lists
from webapp.records import Column, Shown

PILOT_STATES = {office_lists.RECRUITING: _l("招募中"), office_lists.ENDED: _l("已结束")}


def _text(value) -> str:
    return str(engine_localized(value)) if value is not None else ""


def _pilot_state(pilot: Pilot) -> str:
    return _text(pilots.status_label(pilot))


def pilots_list() -> tuple[Shown, dict[str, str]]:
    """试点管理; 试点领域's words read once (the 数据字典), not per row of an export."""
    fields = dict(Labels("pilot_field"))
    return Shown(
        _l("试点管理"), office_lists.PILOTS,
        (Column(_l("标题"), lambda r: r[0].title, "title"), Column(_l("产品名称"), lambda r: r[0].product_name),
         Column(_l("招募类型"), lambda r: _text(pilots.RECRUIT_TYPE_LABELS.get(r[0].recruit_type))),
         Column(_l("试点领域"), lambda r: _text(fields.get(r[0].field, r[0].field))),
         Column(_l("报名截止"), lambda r: r[0].deadline, "deadline"),
         Column(_l("当前状态"), lambda r: _pilot_state(r[0])),
         Column(_l("发布时间"), lambda r: r[0].published_at, "published"),
         Column(_l("报名数"), lambda r: r.enrolled), Column(_l("待审核"), lambda r: r.pending)),
        lambda r: url_for("pilots.detail", pilot_id=r[0].id), _l("标题或产品名称"),
        (("recruit_type", _l("招募类型")), ("field", _l("试点领域")), ("state", _l("当前状态"))),
        (("published", _l("发布时间")),)), fields


def _column_label(key: str) -> str:
    return f"{_text(GROUP_LABELS.get(articles.group_of(key)))} · {_text(COLUMN_LABELS.get(key))}"


ARTICLES = Shown(
    _l("内容管理"), office_lists.ARTICLES,
    (Column(_l("标题"), lambda a: a.title, "title"), Column(_l("栏目"), lambda a: _column_label(a.column_key)),
     Column(_l("状态"), lambda a: _text(STATUS_LABELS.get(a.status))),
     Column(_l("发布时间"), lambda a: a.published_at, "published"),
     Column(_l("更新时间"), lambda a: a.updated_at, "updated")),
    lambda a: url_for("articles.preview", article_id=a.id), _l("标题"),
    (("column", _l("栏目")), ("status", _l("状态"))), (("published", _l("发布时间")), ("updated", _l("更新时间"))))


def _enrollment_columns() -> tuple[Column, ...]:
    return (Column(_l("单位名称"), lambda r: r[1].name, "name"),
            Column(_l("单位类型"), lambda r: _text(records.KIND_LABELS.get(r[1].kind))),
            Column(_l("所在省份"), lambda r: code_names.region_label(r[1].province_code)),
            Column(_l("报名时间"), lambda r: r[0].created_at, "created"),
            Column(_l("提交时间"), lambda r: r.submitted_at),
            Column(_l("当前状态"), lambda r: work_lists.bpmn_text(r.stage_label)))


def enrollments(pilot: Pilot) -> Shown:
    """报名情况 of ``pilot`` (its export named after it)."""
    return Shown(
        _l("报名情况-%(title)s", title=pilot.title), office_lists.pilot_enrollments(pilot.id), _enrollment_columns(),
        lambda r: url_for("organizations.detail", organization_id=r[1].id), _l("单位名称"),
        (("kind", _l("单位类型")), ("stage", _l("当前状态"))), (("created", _l("报名时间")),))


def pilot_options(fields: dict[str, str]) -> dict[str, dict[str, str]]:
    return {"recruit_type": {kind: _text(label) for kind, label in pilots.RECRUIT_TYPE_LABELS.items()},
            "field": fields, "state": {key: str(label) for key, label in PILOT_STATES.items()}}


def article_options() -> dict[str, dict[str, str]]:
    return {"column": {key: _column_label(key) for key in articles.COLUMNS},
            "status": {key: _text(STATUS_LABELS.get(key)) for key in articles.STATUSES}}


def enrollment_options() -> dict[str, dict[str, str]]:
    """报名记录's choices (records.choice_options) without its record-status query."""
    options = records.choice_options(records.KINDS["enrollments"])
    return {name: options[name] for name in ("province", "kind", "stage")}
