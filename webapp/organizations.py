"""单位管理 (programme office): registered enterprises and institutions, with their 信息填报,
and 停用 / 启用 of their accounts."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine import exports as engine_exports
from engine import record_lists
from engine.domain import organizations, profiles, registration
from engine.domain.errors import InputError
from engine.domain.keys import clean_query
from forms.profiles import NEED_LABELS, describe
from forms.registration_tasks import describe_submission
from webapp import code_names, db, export_columns, exports
from webapp.auth import roles_required
from webapp.i18n import localized
from webapp.views_util import Pager

bp = Blueprint("organizations", __name__, url_prefix="/office/organizations")
PER_PAGE = 20


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/")
@roles_required("office")
def index():
    kind = request.args.get("kind") if request.args.get("kind") in organizations.KINDS else None
    status = request.args.get("status") if request.args.get("status") in organizations.STATUSES else None
    query = clean_query(request.args.get("q"), 100)
    session = db.session()
    export = exports.wanted_format()
    if export is not None:  # 导出: the same filters (issue 17)
        rows = engine_exports.streamed(session, record_lists.organization_directory(kind, status, query))
        return exports.export_response(export, _("单位管理"), export_columns.organization_columns(), rows)
    pager = Pager(lambda page, per_page: organizations.directory(session, kind, status, query, page, per_page),
                  PER_PAGE)
    return render_template("organizations/list.html", rows=pager.items, kind=kind, status=status, q=query,
                           pager=pager, region_label=code_names.region_label,
                           needs=organizations.needs_summary(session), need_labels=NEED_LABELS)


@bp.route("/<int:organization_id>")
@roles_required("office")
def detail(organization_id: int):
    return _render_detail(_listed(organization_id))


def _listed(organization_id: int):
    organization = organizations.listed_organization(db.session(), organization_id)
    if organization is None:
        abort(404)
    return organization


def _render_detail(organization, reason: str = "", reason_errors: tuple = (), status: int = 200):
    session = db.session()
    if organization.kind == "enterprise":
        profile = profiles.enterprise_profile(session, organization.id)
    else:
        profile = profiles.institution_profile(session, organization.id)
    submission = registration.current_submission(session, organization.id)
    return render_template(
        "organizations/detail.html", organization=organization, profile=profile,
        sections=describe(organization.kind, profile) if profile else [],
        submission=describe_submission(submission) if submission else None,
        region=code_names.region_label(organization.province_code, organization.city_code),
        service_label=code_names.industry_label(organization.service_field),
        status_changes=organizations.status_changes(session, organization.id),
        suspension=organizations.current_suspension(session, organization),
        reason=reason, reason_errors=reason_errors, max_reason=organizations.MAX_REASON), status


@bp.route("/<int:organization_id>/disable", methods=["POST"])
@roles_required("office")
def disable(organization_id: int):
    """停用: with a required 停用原因; errors go back to the detail page at the field."""
    organization = _listed(organization_id)
    reason = request.form.get("reason", "")
    try:
        organizations.disable(db.session(), organization, current_user.row, reason)
    except InputError as exc:
        db.rollback()
        return _render_detail(organization, reason, (localized(exc.message),), 422)
    except organizations.StatusChangeRefused as exc:
        db.rollback()
        flash(localized(exc.message), "warning")
    else:
        db.commit()
        flash(_("“%(name)s”的帐号已停用", name=organization.name), "success")
    return redirect(url_for("organizations.detail", organization_id=organization_id))


@bp.route("/<int:organization_id>/enable", methods=["POST"])
@roles_required("office")
def enable(organization_id: int):
    """启用: a disabled organisation's users may use the platform again."""
    organization = _listed(organization_id)
    try:
        organizations.enable(db.session(), organization, current_user.row)
    except organizations.StatusChangeRefused as exc:
        db.rollback()
        flash(localized(exc.message), "warning")
    else:
        db.commit()
        flash(_("“%(name)s”的帐号已启用", name=organization.name), "success")
    return redirect(url_for("organizations.detail", organization_id=organization_id))
