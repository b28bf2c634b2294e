"""用户中心: 注册状态, 用户信息, 修改密码, 我的消息."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy import select
from werkzeug.datastructures import CombinedMultiDict

from engine import history as task_history
from engine import runtime
from engine.domain import auth as accounts
from engine.domain import messages, organizations, profiles, registration
from engine.domain.registration import RegistrationError
from engine.projection import APPLICANT_LANE
from forms import industries
from forms.account import ChangePasswordForm, EnterpriseProfileForm, InstitutionProfileForm
from forms.registration_tasks import describe_submission
from storage.models import HumanTask
from webapp import code_names, db
from webapp.auth import WebUser, active_required
from webapp.views_util import Pager

bp = Blueprint("account", __name__, url_prefix="/account")
PROFILE_FORMS = {"institution": InstitutionProfileForm, "enterprise": EnterpriseProfileForm}


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/")
@login_required
def home():
    if not current_user.organization.is_active:
        return redirect(url_for("account.status"))
    if current_user.role_set & {"office", "designer", "operator"}:
        return redirect(url_for("tasks.inbox"))
    return redirect(url_for("account.profile"))


@bp.route("/status")
@login_required
def status():
    session = db.session()
    organization = current_user.organization
    instance = registration.latest_vetting(session, organization.id)
    open_task = None
    if instance is not None:
        open_task = session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.state == "ready")).first()
    history = [describe_submission(s) for s in registration.history(session, organization.id)]
    return render_template("account/status.html", organization=organization, instance=instance,
                           open_task=open_task, history=history,
                           waiting_for_applicant=_waiting_for_applicant(organization, open_task),
                           returned=_returned(session, instance, open_task),
                           suspension=organizations.current_suspension(session, organization))


def _waiting_for_applicant(organization, open_task) -> bool:
    """帐号状态 of a registration that waits for the applicant (退回 or 撤回) is its stage, like 当前状态."""
    return organization.status == "pending" and open_task is not None and open_task.role == APPLICANT_LANE


def _returned(session, instance, open_task) -> bool:
    """The applicant's open task follows a 退回修改 (not a 撤回): the newest decision returned it."""
    if instance is None or open_task is None or open_task.role != APPLICANT_LANE:
        return False
    return task_history.latest_decision(session, instance.id) == "return"


@bp.route("/status/withdraw", methods=["POST"])
@login_required
def withdraw():
    session = db.session()
    instance = registration.latest_vetting(session, current_user.organization_id)
    if instance is None or instance.started_by_org_id != current_user.organization_id:
        flash(_("没有可撤回的申请"), "warning")
        return redirect(url_for("account.status"))
    change = _is_change(session, current_user.organization_id)
    try:
        registration.withdraw(session, instance, current_user.id)
    except runtime.AlreadyHandled:
        db.rollback()
        flash(_("专项办已处理该申请，无法撤回"), "warning")
    else:
        db.commit()
        flash(_("信息变更已撤回，单位信息保持不变") if change else _("申请已撤回，您可以修改后重新提交"),
              "success")
    return redirect(url_for("account.status"))


def _is_change(session, organization_id: int) -> bool:
    submission = registration.current_submission(session, organization_id)
    return submission is not None and submission.kind == "change"


@bp.route("/profile", methods=["GET", "POST"])
@active_required
def profile():
    organization = current_user.organization
    form_class = PROFILE_FORMS.get(organization.kind)
    if form_class is None:
        return render_template("account/profile_readonly.html", organization=organization)
    session = db.session()
    if request.method == "POST":
        form = form_class(CombinedMultiDict((request.files, request.form)))
        if form.validate():
            try:
                change = registration.request_change(session, current_user.row,
                                                     form.profile_fields(), _documents(form))
            except RegistrationError as exc:
                db.rollback()
                getattr(form, exc.field).errors.append(exc.message)
            else:
                db.commit()
                flash(_("保存成功。单位名称、统一社会信用代码或证明文件的变更已提交专项办审核，审核通过前仍使用原信息")
                      if change else _("保存成功"), "success")
                return redirect(url_for("account.profile"))
        status = 422
    else:
        form = form_class(obj=organization)
        status = 200
    submission = registration.current_submission(session, organization.id)
    vetting = registration.latest_vetting(session, organization.id)
    pending_change = registration.is_pending(vetting)
    return render_template("account/profile.html", form=form, organization=organization,
                           pending_change=pending_change, info_missing=not profiles.is_filled(session, organization),
                           regions_json=code_names.regions_json(),
                           submission=describe_submission(submission) if submission else None,
                           service_label=code_names.industry_label(organization.service_field)), status


def _documents(form) -> registration.Documents:
    store = db.file_store()
    return registration.Documents({
        kind: store.save(db.session(), data, name, "application/pdf", current_user.id)
        for kind, (data, name) in form.documents().items()
    })


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm(request.form if request.method == "POST" else None)
    if request.method == "POST" and form.validate():
        user = current_user.row
        try:
            accounts.change_password(db.session(), user, form.old_password.data, form.new_password.data)
        except accounts.PasswordChangeError as exc:
            db.rollback()
            getattr(form, exc.field).errors.append(exc.message)
        else:
            db.commit()
            # This session goes on (same nonce) with the new stamp; the others end.
            login_user(WebUser(user, current_user.nonce))
            flash(_("密码修改成功"), "success")
            return redirect(url_for("account.password"))
    return render_template("account/password.html", form=form), (
        422 if request.method == "POST" else 200)


@bp.route("/messages")
@login_required
def message_list():
    session = db.session()
    pager = Pager(lambda page, per_page: messages.list_for(session, current_user.organization_id, page, per_page,
                                                               user_id=current_user.id))
    rows = pager.items
    unread_ids = [m.id for m in rows if m.read_at is None]
    response = render_template("account/messages.html", rows=rows, unread_ids=set(unread_ids),
                               pager=pager)
    if unread_ids:
        messages.mark_read(session, current_user.organization_id, unread_ids, user_id=current_user.id)
        db.commit()
    return response


@bp.route("/industries.json")
@login_required
def industry_search():
    from flask import jsonify

    return jsonify(industries.search(request.args.get("q", ""), limit=20, english=code_names.english()))
