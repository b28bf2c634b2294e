"""对标方案: the public catalogue of plans in 公示 or 发布 — the searchable list and one plan."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from engine import record_lists
from engine.domain import catalog, formal_plans, publicity
from engine.domain.keys import clean_query
from storage.models import Plan
from webapp import db, export_columns, exports
from webapp.views_util import Pager

bp = Blueprint("catalog", __name__)
PER_PAGE = 20


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/plans/")
def index():
    """对标方案: every plan in 公示 or 发布, searched by 标准号, 标准名称 or 机构名称 (``q``)."""
    query = clean_query(request.args.get("q"), catalog.MAX_QUERY)
    kind = exports.wanted_format()
    if kind is not None:  # 导出: the same search, what the public list shows
        return exports.export_response(kind, _("对标方案"), export_columns.plan_columns(),
                                       record_lists.public_plans(db.session(), query))
    pager = Pager(lambda page, per_page: catalog.search(db.session(), query, page, per_page), PER_PAGE)
    return render_template("catalog/list.html", rows=pager.items, q=query, may_apply=_may_apply(), pager=pager)


@bp.route("/plans/<int:plan_id>")
def detail(plan_id: int):
    """One public plan: its fields, 指标项 and downloadable documents (404 when not public)."""
    session = db.session()
    shown = catalog.detail(session, plan_id)
    if shown is None:
        abort(404)
    return render_template("catalog/detail.html", plan=shown, may_apply=_may_apply(),
                           may_comment=_may_comment(session, plan_id), level1_label=formal_plans.level1_label)


def _may_comment(session, plan_id: int) -> bool:
    """提出修订意见 only for whom the domain would let comment (not the plan's own institution)."""
    if not (current_user.is_authenticated and current_user.role_set & {"enterprise", "institution"}):
        return False
    return publicity.comment_refusal(session, current_user.row, session.get(Plan, plan_id)) is None


def _may_apply() -> bool:
    """参与达标 links are for logged-in, active enterprises (the server checks again on apply)."""
    return bool(current_user.is_authenticated and current_user.has_role("enterprise")
                and current_user.organization.is_active)
