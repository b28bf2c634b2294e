"""记录查询 (office): every record list of the programme — 注册记录, 报名记录, 对标方案, 达标申请, 对标结果,
修订意见 — searched, filtered, sorted, paged and exportable, each row linking to its existing page. 证书管理
(webapp.compliance) is the certificates' list, with the same tools (``CERTIFICATES`` below)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, abort, render_template, url_for
from flask_babel import lazy_gettext as _l

from engine import clock, record_lists
from engine import exports as engine_exports
from engine.domain import catalog, operations, publicity
from engine.text import localized as engine_localized
from webapp import code_names, db, exports, work_lists
from webapp.auth import roles_required

bp = Blueprint("records", __name__, url_prefix="/office/records")
PER_PAGE = 20


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@dataclass(frozen=True)
class Column:
    header: object  # lazy text
    value: object  # row -> cell
    sort: str | None = None
    on_page: bool = True  # False: in the exports only
    note: object = None  # row -> a second line under the cell, on the page only


@dataclass(frozen=True)
class Shown:
    title: object
    record: record_lists.RecordList
    columns: tuple[Column, ...]  # the page's and the exports'
    link: object  # row -> URL of the record's page
    search_hint: object
    choices: tuple[tuple[str, object], ...]  # (filter name, label) besides the province
    dates: tuple[tuple[str, object], ...]


def _province(code) -> str:
    return code_names.region_label(code)  # one lookup per row (an export may have 100k)


def _stage(code) -> str:
    return str(engine_localized(catalog.STATUS_LABELS.get(code))) if code in catalog.STATUS_LABELS \
        else _stage_label(code)


def _stage_label(code) -> str:
    return work_lists.bpmn_text(operations.stage_labels().get(code or "")) or (code or "")


KIND_LABELS = {"enterprise": _l("企业"), "institution": _l("第三方技术机构")}
DECISION_LABELS = {record_lists.PENDING: _l("待审核"), "approve": _l("通过"), "return": _l("退回修改"),
                   "reject": _l("不予通过"), "withdrawn": _l("已撤回")}
RESOLUTION_LABELS = {record_lists.PENDING: _l("待处理"), **publicity.RESOLUTIONS}
STATE_LABELS = {"valid": _l("有效"), "revoked": _l("已撤销")}


def _org_columns(index: int = 1) -> tuple[Column, ...]:
    return (Column(_l("单位名称"), lambda r: r[index].name, "name"),
            Column(_l("所在省份"), lambda r: _province(r[index].province_code)))


KINDS: dict[str, Shown] = {
    "registrations": Shown(
        _l("注册记录"), record_lists.REGISTRATIONS,
        (*_org_columns(), Column(_l("单位类型"), lambda r: KIND_LABELS.get(r[1].kind, r[1].kind)),
         Column(_l("统一社会信用代码"), lambda r: r[1].credit_code),
         Column(_l("第几次提交"), lambda r: r[0].sequence),
         Column(_l("提交时间"), lambda r: r[0].created_at, "submitted"),
         Column(_l("审核结果"), lambda r: DECISION_LABELS.get(r[0].decision or record_lists.PENDING, r[0].decision)),
         Column(_l("审核意见"), lambda r: r[0].reason),
         Column(_l("审核时间"), lambda r: r[0].decided_at, "decided")),
        lambda r: url_for("organizations.detail", organization_id=r[1].id), _l("单位名称"),
        (("kind", _l("单位类型")), ("decision", _l("审核结果"))), (("submitted", _l("提交时间")),)),
    "enrollments": Shown(
        _l("报名记录"), record_lists.ENROLLMENTS,
        (Column(_l("试点名称"), lambda r: r[0].pilot.title), *_org_columns(),
         Column(_l("报名时间"), lambda r: r[0].created_at, "created"),
         Column(_l("当前状态"), lambda r: work_lists.bpmn_text(r[2]))),
        lambda r: url_for("pilots_office.enrollments", pilot_id=r[0].pilot_id), _l("单位名称或试点名称"),
        (("kind", _l("单位类型")), ("stage", _l("当前状态"))), (("created", _l("报名时间")),)),
    "plans": Shown(
        _l("对标方案"), record_lists.PLANS,
        (Column(_l("标准号"), lambda r: r[0].standard_number, "standard"),
         Column(_l("标准名称"), lambda r: r[0].standard_name),
         Column(_l("方案名称"), lambda r: r[0].name), Column(_l("编制机构"), lambda r: r[1].name),
         Column(_l("所在省份"), lambda r: _province(r[1].province_code)),
         Column(_l("状态"), lambda r: _stage(r[0].status)),
         Column(_l("创建时间"), lambda r: r[0].created_at, "created"),
         Column(_l("发布时间"), lambda r: r[0].published_at, "published")),
        lambda r: url_for("catalog.detail", plan_id=r[0].id) if r[0].status in catalog.PUBLIC_STATUSES
        else url_for("publicity.comments", plan_id=r[0].id), _l("标准号、标准名称或机构名称"),
        (("status", _l("状态")),), (("created", _l("创建时间")), ("published", _l("发布时间")))),
    "applications": Shown(
        _l("达标申请"), record_lists.APPLICATIONS,
        (Column(_l("申请编号"), lambda r: r[0].id), *_org_columns(),
         Column(_l("产品名称"), lambda r: r[0].product_name), Column(_l("产品型号"), lambda r: r[0].product_model),
         Column(_l("第三方技术机构"), lambda r: r[2]), Column(_l("状态"), lambda r: _stage(r[0].status)),
         Column(_l("申请时间"), lambda r: r[0].created_at, "created"),
         Column(_l("更新时间"), lambda r: r[0].updated_at, "updated")),
        lambda r: url_for("compliance.application_detail", application_id=r[0].id),
        _l("产品、企业、机构、标准号或申请编号"), (("status", _l("状态")),), (("created", _l("申请时间")),)),
    "declarations": Shown(
        _l("对标结果"), record_lists.DECLARATIONS,
        (*_org_columns(), Column(_l("产品名称"), lambda r: r[0].product_name),
         Column(_l("产品型号"), lambda r: r[0].product_model), Column(_l("状态"), lambda r: _stage(r[0].status)),
         Column(_l("提交时间"), lambda r: r[0].created_at, "created"),
         Column(_l("公布时间"), lambda r: r[0].published_at, "published")),
        lambda r: url_for("declarations.detail", declaration_id=r[0].id), _l("企业、产品或标准"),
        (("status", _l("状态")),), (("created", _l("提交时间")),)),
    "comments": Shown(
        _l("修订意见"), record_lists.COMMENTS,
        (Column(_l("标准号"), lambda r: r[1].standard_number), Column(_l("提出单位"), lambda r: r[0].organization.name),
         Column(_l("意见内容"), lambda r: r[0].text), Column(_l("提出时间"), lambda r: r[0].created_at, "created"),
         Column(_l("处理结果"), lambda r: RESOLUTION_LABELS.get(r[0].resolution or record_lists.PENDING)),
         Column(_l("回复"), lambda r: r[0].reply), Column(_l("处理时间"), lambda r: r[0].resolved_at, "resolved")),
        lambda r: url_for("publicity.comments", plan_id=r[1].id), _l("意见内容、标准号或单位名称"),
        (("resolution", _l("处理结果")),), (("created", _l("提出时间")),)),
}


def _labels(mapping) -> dict[str, str]:
    return {key: str(engine_localized(label)) for key, label in mapping.items()}


def choice_options(shown: Shown) -> dict[str, dict[str, str]]:
    """Each filter's choices: provinces (GB/T 2260), fixed lists, and the statuses the records are at."""
    operations.process_names(db.session())  # reads the stage labels
    options = {"province": work_lists.province_options(), "kind": _labels(KIND_LABELS),
               "decision": _labels(DECISION_LABELS), "resolution": _labels(RESOLUTION_LABELS),
               "state": _labels(STATE_LABELS), "stage": {code: work_lists.bpmn_text(label)
                                                         for code, label in operations.known_stages()}}
    options["status"] = {code: _stage(code) for code in record_lists.statuses(db.session(), shown.record)}
    return options


def render_list(shown: Shown, endpoint: str, template: str = "records/list.html", options=None, **context):
    """The list's page, or its export (``?export=csv|xlsx``) with the same filters; ``options``: the
    choices of its filters (default: the record lists', ``choice_options``)."""
    options = choice_options(shown) if options is None else options
    wanted = work_lists.parse(shown.record.spec, options)
    kind = exports.wanted_format()
    record = shown.record
    if kind is not None:
        rows = work_lists.export_rows(record.statement, wanted, record.id_column)
        return exports.export_response(kind, str(shown.title), [(str(c.header), c.value) for c in shown.columns],
                                       rows)
    pager = work_lists.paged(record.statement, wanted, record.id_column, PER_PAGE)
    return render_template(template, shown=shown, rows=pager.items, pager=pager, wanted=wanted, options=options,
                           endpoint=endpoint, cell=engine_exports.cell, **context)


@bp.route("/<listing>")
@roles_required("office")
def index(listing: str):
    shown = KINDS.get(listing)
    if shown is None:
        abort(404)
    return render_list(shown, "records.index", listing=listing, link_args={"listing": listing})


CERTIFICATES = Shown(
    _l("证书管理"), record_lists.CERTIFICATES,
    (Column(_l("证书编号"), lambda r: r[0].number, "number"),
     Column(_l("企业名称"), lambda r: r[0].facts.get("enterprise")),
     Column(_l("产品名称"), lambda r: r[0].facts.get("product_name")),
     Column(_l("产品型号"), lambda r: r[0].facts.get("product_model")),
     Column(_l("标准号"), lambda r: r[0].facts.get("standard_number"), on_page=False),
     Column(_l("评价机构"), lambda r: r[0].facts.get("institution")),
     Column(_l("申请编号"), lambda r: r[1].id, on_page=False),
     Column(_l("发证日期"), lambda r: clock.to_china(r[0].issued_at).date(), "issued"),
     Column(_l("状态"), lambda r: STATE_LABELS["revoked" if r[0].revoked_at else "valid"],
            note=lambda r: r[0].revoked_reason),
     Column(_l("撤销原因"), lambda r: r[0].revoked_reason, on_page=False)),
    lambda r: url_for("compliance.application_detail", application_id=r[1].id),
    _l("证书编号、企业、产品、标准号或申请编号"), (("state", _l("状态")),), (("issued", _l("发证日期")),))


REGISTER_ROWS = 1000  # a printed register longer than this is an export's job


def render_register(shown: Shown):
    """A list's rows (its filters, its order) on one page styled for printing, at most REGISTER_ROWS."""
    wanted = work_lists.parse(shown.record.spec, choice_options(shown))
    record = shown.record
    statement = record.statement.where(*wanted.conditions(work_lists.dialect())).order_by(
        *wanted.order(record.id_column)).limit(REGISTER_ROWS + 1)
    rows = db.session().execute(statement).all()
    return render_template("records/register.html", shown=shown, rows=rows[:REGISTER_ROWS],
                           truncated=len(rows) > REGISTER_ROWS, limit=REGISTER_ROWS, wanted=wanted,
                           cell=engine_exports.cell, printed_at=clock.now())
