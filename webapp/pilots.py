"""升级试点: 正在招募 (public list and detail), 报名参与, 我参与的, and the office's 试点管理."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from engine import inbox as task_queries
from engine.domain import compliance_lists, enterprise_plans, organizations, pilots, plans
from engine.domain.errors import InputError
from forms import plan_tasks
from forms.dictionary_lists import label_of
from forms.pilots import EnrollForm, PilotForm
from forms.plans import EnterprisePlanForm
from storage.models import Enrollment, Pilot, Plan
from webapp import db, office_lists, pilots_office, records
from webapp.auth import roles_required
from webapp.views_util import Pager, rollback_refused, show_at_fields
from webapp.views_util import withdraw as withdraw_submission

bp = Blueprint("pilots", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    pilots_office.init_app(app)  # 编辑, 结束招募, 报名情况
    app.jinja_env.globals.update(pilot_status=pilots.status_label, pilot_recruiting=pilots.is_recruiting,
                                 recruit_type_label=pilots.RECRUIT_TYPE_LABELS.get,
                                 pilot_field_label=label_of("pilot_field"))


PER_PAGE = 20


def _is_member() -> bool:
    return current_user.is_authenticated and bool(current_user.role_set & {"institution", "enterprise"})


@bp.route("/pilots/")
def recruiting():
    """正在招募 (and, with ?all=1, every published recruitment); a member sees what it may enrol in."""
    show_all = request.args.get("all") == "1"
    session = db.session()
    pager = Pager(lambda page, per_page: pilots.list_pilots(session, page, per_page, recruiting_only=not show_all),
                  PER_PAGE)
    rows = pager.items
    refusals = pilots.list_refusals(session, current_user.row, rows) if _is_member() else None
    return render_template("pilots/list.html", rows=rows, pager=pager,
                           show_all=show_all, refusals=refusals)


def _pilot(pilot_id: int) -> Pilot:
    pilot = db.session().get(Pilot, pilot_id)
    if pilot is None:
        abort(404)
    return pilot


@bp.route("/pilots/<int:pilot_id>")
def detail(pilot_id: int):
    pilot = _pilot(pilot_id)
    refusal = pilots.refusal(db.session(), current_user.row, pilot) if _is_member() else None
    return render_template("pilots/detail.html", pilot=pilot, refusal=refusal)


@bp.route("/pilots/<int:pilot_id>/enroll", methods=["GET", "POST"])
@roles_required("institution", "enterprise")
def enroll(pilot_id: int):
    session = db.session()
    pilot = _pilot(pilot_id)
    if pilots.refusal(session, current_user.row, pilot):
        return redirect(url_for("pilots.detail", pilot_id=pilot.id))  # which says why, once
    form = EnrollForm(CombinedMultiDict((request.files, request.form)) if request.method == "POST"
                      else None)
    if request.method == "POST" and form.validate():
        store = db.file_store()
        files = [store.save(session, data, name, "application/pdf", current_user.id)
                 for data, name in form.qualification.uploads]
        try:
            pilots.enroll(session, current_user.row, pilot, (form.note.data or "").strip(), files)
        except pilots.EnrollmentError as exc:
            db.rollback()
            form.qualification.errors.append(exc.message)
        else:
            db.commit()
            flash(_("报名材料已提交，请等待专项办审核"), "success")
            return redirect(url_for("pilots.mine"))
    status = 422 if request.method == "POST" else 200
    return render_template("pilots/enroll.html", pilot=pilot, form=form), status


@bp.route("/my/enrollments")
@roles_required("institution", "enterprise")
def mine():
    """我参与的: this organisation's enrolments with their state and next action; for an enterprise
    also its 参与达标 applications. Each table has its own pager (``page``, ``applications_page``)."""
    session, organization_id = db.session(), current_user.organization_id
    pager = Pager(lambda page, per_page: pilots.enrollments_of(session, organization_id, page, per_page), PER_PAGE)
    applications_pager = Pager(lambda page, per_page: compliance_lists.of_enterprise(
        session, organization_id, page, per_page), PER_PAGE, arg="applications_page") \
        if current_user.has_role("enterprise") else None
    return render_template("pilots/mine.html", rows=pager.items, pager=pager, applications_pager=applications_pager,
                           applications=applications_pager.items if applications_pager else [])


@bp.route("/my/enrollments/<int:enrollment_id>/withdraw", methods=["POST"])
@roles_required("institution", "enterprise")
def withdraw(enrollment_id: int):
    session = db.session()
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None or enrollment.organization_id != current_user.organization_id:
        abort(404)
    withdraw_submission(
        task_queries.withdrawable(session, instance_ids=[enrollment.instance_id]),
        refused=_("专项办已处理该报名，无法撤回"),
                        done=_("报名已撤回，您可以修改后重新提交"))
    return redirect(url_for("pilots.mine"))


@bp.route("/my/plans/co-drafter-options.json")
@roles_required("institution", "enterprise")
def co_drafter_options():
    """提交正式版 → 参编单位: active enterprises whose name or credit code contains ``q`` (20 at most); never
    the drafting organisation itself. An enterprise searches only once it drafts a plan of its own."""
    session = db.session()
    if not current_user.has_role("institution") and not enterprise_plans.drafts_any(
            session, current_user.organization_id):
        abort(403)
    query = " ".join((request.args.get("q") or "").split())[:100]
    return jsonify([{"id": o.id, "name": o.name}
                    for o in organizations.active_enterprises(session, query)
                    if o.id != current_user.organization_id])


@bp.route("/my/plans")
@roles_required("institution")
def my_plans():
    """我的方案: the institution's plans, their status and the task to continue."""
    rows = plans.plans_with_tasks(db.session(), current_user.organization_id)
    return render_template("pilots/plans.html", rows=rows)


@bp.route("/my/drafted-plans")
@roles_required("enterprise")
def drafted():
    """对标标准 → 我编制的: the plans this enterprise drafts itself, where each stands, the task to continue."""
    rows = plans.plans_with_tasks(db.session(), current_user.organization_id)
    return render_template("pilots/plans.html", rows=rows, drafted=True)


@bp.route("/my/drafted-plans/new", methods=["GET", "POST"])
@roles_required("enterprise")
def new_plan():
    """对标标准 → 方案编制: choose the pilot the enterprise takes part in, name the plan, upload the
    比对分析报告; it goes to 平台备案及形式审核 like an institution's."""
    session = db.session()
    form = EnterprisePlanForm(CombinedMultiDict((request.files, request.form)) if request.method == "POST"
                              else None)
    form.set_pilots(enterprise_plans.draftable(session, current_user.organization_id))
    if request.method == "POST" and form.validate():
        try:
            plan_tasks.start_enterprise_plan(session, current_user.row, form, db.file_store())
        except InputError as exc:
            rollback_refused(exc)
            show_at_fields(form, exc, fallback=form.pilot)
        else:
            db.commit()
            flash(_("比对分析报告已提交，请等待专项办平台备案及形式审核"), "success")
            return redirect(url_for("pilots.drafted"))
    status = 422 if request.method == "POST" else 200
    return render_template("pilots/new_plan.html", form=form), status


@bp.route("/my/plans/<int:plan_id>/withdraw", methods=["POST"])
@roles_required("institution", "enterprise")
def withdraw_plan(plan_id: int):
    """撤回 the comparison report or formal plan the office has not decided yet."""
    session = db.session()
    plan = session.get(Plan, plan_id)
    if plan is None or plan.organization_id != current_user.organization_id:
        abort(404)
    withdraw_submission(
        task_queries.withdrawable(session, business_key=plans.business_key(plan)),
        refused=_("专项办已处理该方案，无法撤回"),
                        done=_("方案已撤回，您可以修改后重新提交"))
    return redirect(url_for("pilots.my_plans" if current_user.has_role("institution") else "pilots.drafted"))


@bp.route("/my/co-drafted")
@roles_required("enterprise")
def co_drafted():
    """对标标准 → 我参编的."""
    session = db.session()
    rows = plans.co_drafted_by(session, current_user.organization_id)
    return render_template("pilots/co_drafted.html", rows=rows, states=plans.work_states(session, rows))


@bp.route("/office/pilots")
@roles_required("office")
def manage():
    """试点管理: every recruitment with its 报名数 and 待审核, searched, filtered, sorted, exportable."""
    shown, fields = office_lists.pilots_list()
    return records.render_list(shown, "pilots.manage", "pilots/manage.html", office_lists.pilot_options(fields),
                               link_args={}, is_recruiting=pilots.is_recruiting)


@bp.route("/office/pilots/new", methods=["GET", "POST"])
@roles_required("office")
def create():
    """新增试点招募."""
    form = PilotForm(CombinedMultiDict((request.files, request.form)) if request.method == "POST"
                     else None)
    if request.method == "POST" and form.validate():
        session = db.session()
        store = db.file_store()
        files = [store.save(session, data, name, "application/pdf", current_user.id)
                 for data, name in form.attachments.uploads]
        pilot = pilots.create_pilot(session, current_user.row, form.pilot_fields(), files)
        db.commit()
        flash(_("试点招募已发布"), "success")
        return redirect(url_for("pilots.detail", pilot_id=pilot.id))
    return render_template("pilots/new.html", form=form), (422 if request.method == "POST" else 200)
