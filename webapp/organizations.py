"""单位管理 (programme office): registered enterprises and institutions, with their 信息填报."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template, request

from engine.domain import organizations, profiles, registration
from forms import industries, regions
from forms.profiles import NEED_LABELS, describe
from forms.registration_tasks import describe_submission
from webapp import db
from webapp.auth import roles_required
from webapp.views_util import Pager, page_argument

bp = Blueprint("organizations", __name__, url_prefix="/office/organizations")
PER_PAGE = 20


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/")
@roles_required("office")
def index():
    page = page_argument()
    kind = request.args.get("kind") if request.args.get("kind") in organizations.KINDS else None
    status = request.args.get("status") if request.args.get("status") in organizations.STATUSES else None
    query = " ".join((request.args.get("q") or "").split())[:100]
    session = db.session()
    rows, total = organizations.directory(session, kind, status, query, page, PER_PAGE)
    return render_template("organizations/list.html", rows=rows, kind=kind, status=status, q=query,
                           pager=Pager(page, PER_PAGE, total), region_label=regions.label,
                           needs=organizations.needs_summary(session), need_labels=NEED_LABELS)


@bp.route("/<int:organization_id>")
@roles_required("office")
def detail(organization_id: int):
    session = db.session()
    organization = organizations.listed_organization(session, organization_id)
    if organization is None:
        abort(404)
    if organization.kind == "enterprise":
        profile = profiles.enterprise_profile(session, organization.id)
    else:
        profile = profiles.institution_profile(session, organization.id)
    submission = registration.current_submission(session, organization.id)
    return render_template(
        "organizations/detail.html", organization=organization, profile=profile,
        sections=describe(organization.kind, profile) if profile else [],
        submission=describe_submission(submission) if submission else None,
        region=regions.label(organization.province_code or "", organization.city_code),
        service_label=industries.label(organization.service_field or ""))
