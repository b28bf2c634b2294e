"""参与达标 and 查看 (enterprise), 达标产品评价 and 证书 (institution), 证书管理 (office)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from engine import inbox as task_queries
from engine.domain import catalog, certificates, compliance, compliance_lists, directory, formal_plans, profiles
from engine.domain.errors import InputError
from engine.domain.keys import clean_query
from forms.compliance import ApplicationForm, CertificateUploadForm, RevokeForm
from forms.compliance_tasks import describe
from forms.profiles import ACCREDITATION_LABELS, INSTITUTION_TYPE_LABELS
from storage.models import Application, Certificate, Plan, PlanSubmission, ProcessInstance, User
from webapp import db, records
from webapp.auth import roles_required
from webapp.i18n import localized
from webapp.views_util import Pager, show_at_fields
from webapp.views_util import withdraw as withdraw_submission

bp = Blueprint("compliance", __name__)


def init_app(app: Flask) -> None:
    from webapp import compliance_public

    app.register_blueprint(bp)
    compliance_public.init_app(app)
    app.jinja_env.globals.update(verdict_label=compliance.VERDICT_LABELS.get, level1_label=formal_plans.level1_label,
                                 indicator_required=compliance.is_required)


def _published_plan(plan_id: int) -> Plan:
    plan = db.session().get(Plan, plan_id)
    if plan is None or plan.status not in catalog.PUBLIC_STATUSES:
        abort(404)
    return plan


@dataclass
class ApplicationPage:
    """The 申请达标 form and what it is built from (read once per request)."""

    form: ApplicationForm
    version: PlanSubmission | None  # the published formal plan
    rows: list[dict]  # its indicators, one 检测值 each
    institutions: list  # the pilot's enrolled institutions
    institution_info: dict  # their 服务机构信息 by organisation id (机构详情)
    directory_ids: set  # those with a page in 机构名录 (机构详情 links it)


def application_form(plan: Plan, formdata=None) -> ApplicationPage:
    """The 申请达标 form with the pilot's institutions and the published plan's indicators."""
    session = db.session()
    version = compliance.published_version(session, plan)
    rows = compliance.indicators(version) if version is not None else []
    institutions = compliance.institutions_for(session, plan)
    form = ApplicationForm(formdata, data=None if formdata else {"measurements": [{"measured": ""} for _row in rows]})
    form.set_institutions(institutions)
    form.set_rows(rows)
    ids = [o.id for o in institutions]
    info = profiles.institution_profiles(session, ids)
    return ApplicationPage(form, version, rows, institutions, info, directory.published_ids(session, ids))


def submit_application(plan: Plan, form: ApplicationForm, user: User) -> Application | None:
    """Store the application and start its process; None (rolled back) with errors on the form."""
    session = db.session()
    reports = [db.file_store().save(session, data, name, "application/pdf", user.id)
               for data, name in form.reports.uploads]
    try:
        application = compliance.apply(session, user, plan.id, form.given(reports))
    except InputError as exc:
        db.rollback()
        show_at_fields(form, exc, fallback=form.product_model)
        return None
    db.commit()
    return application


@bp.get("/plans/<int:plan_id>/apply/model-check")
@roles_required("enterprise")
def model_check(plan_id: int):
    """申请达标 第一步 asks before 下一步 whether the 产品型号 is free (the submission checks again)."""
    plan = _published_plan(plan_id)
    model = clean_query(request.args.get("model"), 100)
    refusal = compliance.model_refusal(db.session(), plan.id, current_user.organization_id, model) if model else None
    return jsonify({"message": localized(refusal) if refusal else None})


@bp.route("/plans/<int:plan_id>/apply", methods=["GET", "POST"])
@roles_required("enterprise")
def apply(plan_id: int):
    """申请达标: step one (产品型号, 第三方技术机构, 产品检测报告), step two (检测值, 备注)."""
    session = db.session()
    plan = _published_plan(plan_id)
    refusal = compliance.refusal(session, current_user.row, plan)
    if refusal:
        flash(localized(refusal), "warning")
        return redirect(url_for("catalog.detail", plan_id=plan.id))
    posted = CombinedMultiDict((request.files, request.form)) if request.method == "POST" else None
    shown = application_form(plan, posted)
    if posted is not None and shown.form.validate():
        if submit_application(plan, shown.form, current_user.row) is not None:
            flash(_("达标申请已提交，请等待第三方技术机构审核"), "success")
            return redirect(url_for("pilots.mine"))
    return render_template("compliance/apply.html", plan=plan, form=shown.form, rows=shown.rows,
                           institutions=shown.institutions, institution_info=shown.institution_info,
                           directory_ids=shown.directory_ids,
                           type_labels=INSTITUTION_TYPE_LABELS, accreditation_labels=ACCREDITATION_LABELS,
                           version=shown.version), (422 if posted else 200)


def _application(application_id: int) -> Application:
    application = db.session().get(Application, application_id)
    if application is None or not compliance.may_view(current_user.row, application):
        abort(404)  # another organisation's application does not exist for this user
    return application


@bp.route("/my/applications/<int:application_id>")
@roles_required("enterprise", "institution", "office")
def application_detail(application_id: int):
    """查看: the application, its history, the evaluations and the certificate."""
    session = db.session()
    application = _application(application_id)
    instance = session.get(ProcessInstance, application.instance_id)
    return render_template("compliance/detail.html", shown=describe(session, application), instance=instance)


@bp.route("/my/applications/<int:application_id>/withdraw", methods=["POST"])
@roles_required("enterprise")
def withdraw(application_id: int):
    application = _application(application_id)
    if application.enterprise_id != current_user.organization_id:
        abort(404)
    withdraw_submission(
        task_queries.withdrawable(db.session(), instance_ids=[application.instance_id]),
        refused=_("第三方技术机构已处理该达标申请，无法撤回"),
                        done=_("达标申请已撤回，您可以修改后重新提交"))
    return redirect(url_for("pilots.mine"))


@bp.route("/my/evaluations")
@roles_required("institution")
def evaluations():
    """达标产品评价: the applications addressed to this institution, pending and reviewed."""
    which = request.args.get("show", "all")
    which = which if which in ("pending", "reviewed") else "all"
    pager = Pager(lambda page, per_page: compliance_lists.for_institution(
        db.session(), current_user.organization_id, which, page, per_page), compliance_lists.PER_PAGE)
    return render_template("compliance/evaluations.html", rows=pager.items, which=which, pager=pager)


@bp.route("/my/evaluations/<int:application_id>/certificate", methods=["GET", "POST"])
@roles_required("institution")
def certificate_upload(application_id: int):
    """证书: the institution uploads its own certificate (PDF) beside the platform's."""
    session = db.session()
    application = _application(application_id)
    certificate = certificates.for_application(session, application.id)
    if application.institution_id != current_user.organization_id or certificate is None:
        abort(404)
    form = CertificateUploadForm(CombinedMultiDict((request.files, request.form)) if request.method == "POST"
                                 else None)
    if request.method == "POST" and form.validate():
        data, name = form.certificate_file.upload
        try:
            certificates.attach_upload(session, certificate, db.file_store().save(
                session, data, name, "application/pdf", current_user.id))
        except InputError as exc:
            db.rollback()
            form.certificate_file.errors = [exc.message]
        else:
            db.commit()
            flash(_("证书已保存"), "success")
            return redirect(url_for("compliance.evaluations"))
    return render_template("compliance/certificate_upload.html", application=application,
                           certificate=certificate, form=form), (422 if request.method == "POST" else 200)


@bp.route("/office/certificates")
@roles_required("office")
def manage_certificates():
    """证书管理: every certificate, searched and filtered (webapp.records.CERTIFICATES), with 撤销 for the
    valid ones, 导出 and 打印登记簿."""
    return records.render_list(records.CERTIFICATES, "compliance.manage_certificates",
                               "compliance/manage_certificates.html", form=RevokeForm(), link_args={})


@bp.route("/office/certificates/register")
@roles_required("office")
def certificate_register():
    """打印登记簿: the filtered certificates on a page styled for printing (at most REGISTER_ROWS)."""
    return records.render_register(records.CERTIFICATES)


@bp.route("/office/certificates/<int:certificate_id>/revoke", methods=["GET", "POST"])
@roles_required("office")
def revoke(certificate_id: int):
    session = db.session()
    certificate = session.get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    form = RevokeForm(request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        try:
            certificates.revoke(session, certificate, form.reason.data, current_user.row)
        except InputError as exc:
            db.rollback()
            form.reason.errors = [exc.message]
        else:
            db.commit()
            flash(_("证书 %(number)s 已撤销", number=certificate.number), "success")
            return redirect(url_for("compliance.manage_certificates"))
    return render_template("compliance/revoke.html", certificate=certificate, form=form), (
        422 if request.method == "POST" else 200)
