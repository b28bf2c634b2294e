"""用户中心 → 企业信息填报 (enterprises) and 服务机构信息填报 (institutions)."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from engine.domain import profiles
from engine.domain.profiles import ProfileError
from forms.profiles import EnterpriseInfoForm, InstitutionInfoForm
from webapp import code_names, db
from webapp.auth import roles_required
from webapp.views_util import show_at_fields

bp = Blueprint("profiles", __name__, url_prefix="/account")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _form(form_class, organization, profile, fields: tuple):
    """The posted form, or one filled from the saved information and the organisation."""
    if request.method == "POST":
        return form_class(CombinedMultiDict((request.files, request.form)))
    data = {name: getattr(organization, name) for name in profiles.SHARED_FIELDS[organization.kind]}
    if profile is not None:
        data.update({name: getattr(profile, name) for name in fields})
    return form_class(data=data)


@bp.route("/enterprise-info", methods=["GET", "POST"])
@roles_required("enterprise")
def enterprise_info():
    session, organization = db.session(), current_user.organization
    profile = profiles.enterprise_profile(session, organization.id)
    form = _form(EnterpriseInfoForm, organization, profile, profiles.ENTERPRISE_FIELDS)
    if request.method == "POST" and form.validate() and _saved(form, lambda: profiles.save_enterprise(
            session, current_user.row, form.shared(), form.profile_fields())):
        return redirect(url_for("profiles.enterprise_info"))
    return render_template("account/enterprise_info.html", form=form, organization=organization, profile=profile,
                           industry_label=code_names.industry_label(form.industry_code.data)), (
        422 if request.method == "POST" else 200)


@bp.route("/institution-info", methods=["GET", "POST"])
@roles_required("institution")
def institution_info():
    session, organization = db.session(), current_user.organization
    profile = profiles.institution_profile(session, organization.id)
    form = _form(InstitutionInfoForm, organization, profile, profiles.INSTITUTION_FIELDS)
    if request.method == "POST" and form.validate() and _saved(form, lambda: profiles.save_institution(
            session, current_user.row, form.shared(), form.profile_fields(), _stored(form), _removed_ids())):
        return redirect(url_for("profiles.institution_info"))
    return render_template("account/institution_info.html", form=form, organization=organization,
                           profile=profile, removed=_removed_ids()), (422 if request.method == "POST" else 200)


def _saved(form, save) -> bool:
    """Run the domain save; on a refusal nothing is kept and the message goes to its field."""
    try:
        save()
    except ProfileError as exc:
        db.rollback()
        show_at_fields(form, exc)
        return False
    db.commit()
    flash(_("保存成功"), "success")
    return True


def _stored(form: InstitutionInfoForm) -> list:
    store = db.file_store()
    return [store.save(db.session(), data, name, "application/pdf", current_user.id)
            for data, name in form.attachments.uploads]


def _removed_ids() -> set[int]:
    return {int(value) for value in request.form.getlist("remove_file") if value.isdigit()}
