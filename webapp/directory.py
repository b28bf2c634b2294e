"""机构服务 → 服务信息 (the institution edits its public profile) and the public 机构名录."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from engine.domain import directory
from engine.domain.errors import InputError
from forms.directory import ServiceProfileForm
from webapp import code_names, db
from webapp.auth import roles_required
from webapp.views_util import Pager, show_at_fields

bp = Blueprint("directory", __name__)
PER_PAGE = 20


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


# --- 机构服务 → 服务信息 (the institution) ------------------------------------------------------


def _form(profile, organization) -> ServiceProfileForm:
    """The posted form, the saved profile, or for a first edit the account's particulars."""
    if request.method == "POST":
        return ServiceProfileForm(CombinedMultiDict((request.files, request.form)))
    if profile is None:
        return ServiceProfileForm(data={"fields": organization.service_field or "", "contact": organization.contact,
                                        "phone": organization.phone, "address": organization.address})
    return ServiceProfileForm(data={
        "fields": ", ".join(row.code for row in profile.fields), "summary": profile.summary,
        "qualifications": profile.qualifications, "contact": profile.contact, "phone": profile.phone,
        "email": profile.email, "address": profile.address, "published": profile.published})


@bp.route("/account/service-info", methods=["GET", "POST"])
@roles_required("institution")
def service_info():
    """服务信息: the institution's own public profile; 保存 with 公开 ticked puts it in 机构名录."""
    session, organization = db.session(), current_user.organization
    if directory.refusal(current_user.row):
        abort(403)
    profile = directory.own_profile(session, organization.id)
    form = _form(profile, organization)
    posted = request.method == "POST"
    if posted and form.validate() and _saved(form):
        return redirect(url_for("directory.service_info"))
    return render_template("directory/edit.html", form=form, profile=profile, organization=organization,
                           field_labels=_field_labels(profile)), (422 if posted else 200)


def _saved(form: ServiceProfileForm) -> bool:
    """Store the PDF and the profile in one transaction; False: the errors are at the fields."""
    session, user = db.session(), current_user.row
    upload = form.qualification.upload
    stored = db.file_store().save(session, upload[0], upload[1], "application/pdf", user.id) if upload else None
    try:
        profile = directory.save(session, user, form.draft(stored))
    except InputError as exc:
        db.rollback()
        show_at_fields(form, exc)
        return False
    db.commit()
    flash(_("服务信息已保存，已在机构名录中公开") if profile.published else _("服务信息已保存（未公开）"), "success")
    return True


def _field_labels(profile) -> list[str]:
    return [code_names.industry_label(row.code) or row.code for row in profile.fields] if profile else []


# --- 机构名录 (public) -------------------------------------------------------------------------


@bp.route("/institutions/")
def index():
    """机构名录: published profiles of active institutions, searched by 名称, 服务领域 and 所在地 (省)."""
    session = db.session()
    filters = directory.Filters.parse(request.args)
    pager = Pager(lambda page, per_page: directory.search(session, filters, page, per_page), PER_PAGE)
    provinces = code_names.province_options()
    return render_template(
        "directory/list.html", rows=pager.items, pager=pager, filters=filters,
        field_options=[(code, code_names.industry_label(code) or code) for code in directory.field_options(session)],
        province_options=[(code, provinces.get(code, code)) for code in directory.province_options(session)])


@bp.route("/institutions/<int:institution_id>")
def detail(institution_id: int):
    """One institution's page: its profile, its public 对标方案 and the 达标结果 it evaluated."""
    shown = directory.public_page(db.session(), institution_id)
    if shown is None:
        abort(404)  # unpublished, 停用 or not an institution: not in the directory
    return render_template("directory/detail.html", page=shown, field_labels=_field_labels(shown.profile))
