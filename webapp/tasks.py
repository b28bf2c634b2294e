"""待办, 已办, a task's form, and downloads of the files a task shows."""
from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.datastructures import CombinedMultiDict

from engine import clock, list_filters, runtime
from engine import inbox as task_queries
from engine.domain import files, team_rights
from engine.domain.errors import InputError
from forms import generic_tasks, tasks
from storage.models import HumanTask, StoredFile
from webapp import code_names, db, exports, security, work_lists
from webapp.i18n import localized
from webapp.views_util import Pager, rollback_refused, show_at_fields

bp = Blueprint("tasks", __name__, url_prefix="/tasks")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.add_url_rule("/files/<int:file_id>", "files.download", download)


@bp.route("/")
@login_required
def inbox():
    """待办, searched and filtered (engine.list_filters.inbox_spec), sortable, exportable."""
    if not current_user.organization.is_active:  # its one task (修改并重新提交) is on 注册状态
        return redirect(url_for("account.status"))
    return _task_list(work_lists.inbox_spec(), task_queries.inbox_query, task_queries.inbox, "tasks/inbox.html",
                      _("待办"))


@bp.route("/done")
@login_required
def done():
    """已办, with the same search and filters, by the time each task was done."""
    if not current_user.organization.is_active:
        return redirect(url_for("account.status"))
    return _task_list(list_filters.DONE, task_queries.done_query, task_queries.done, "tasks/done.html", _("已办"))


def _task_list(spec, statement_of, page_of, template: str, stem: str):
    options = work_lists.task_options()
    wanted = work_lists.parse(spec, options)
    where, order = wanted.conditions(work_lists.dialect()), wanted.order(HumanTask.id)
    kind = exports.wanted_format()
    if kind is not None:
        rows = work_lists.export_rows(list_filters.task_rows(statement_of(current_user.row)), wanted, HumanTask.id)
        return exports.export_response(kind, stem, work_lists.task_columns(spec is list_filters.DONE,
                                                                           options["process"]), rows)
    pager = Pager(lambda page, per_page: page_of(db.session(), current_user.row, page, per_page, where, order),
                  task_queries.PER_PAGE)
    return render_template(template, rows=pager.items, pager=pager, wanted=wanted, options=options, now=clock.now())


@bp.route("/done/<int:task_id>")
@login_required
def done_task(task_id: int):
    """A task the user completed: what was decided and why, read-only (no form)."""
    if not current_user.organization.is_active:
        return redirect(url_for("account.status"))
    session = db.session()
    task = session.get(HumanTask, task_id)
    if task is None or task.state != "completed" or task.completed_by_id != current_user.id:
        abort(404)
    spec = tasks.spec_or_generic(task)
    return render_template("tasks/done_task.html", task=task, spec=spec,
                           row=task_queries.completed(session, current_user.row, task),
                           decisions=generic_tasks.decisions(session, task.instance),
                           context=spec.context(session, task))


def _task_for_user(task_id: int) -> HumanTask:
    task = db.session().get(HumanTask, task_id)
    if task is None:
        abort(404)
    if not task_queries.may_act(current_user.row, task):
        abort(403)
    return task


@bp.route("/<int:task_id>", methods=["GET", "POST"])
@login_required
def show(task_id: int):
    task = _task_for_user(task_id)
    session = db.session()
    if task.state == "suspended":
        flash(_("该流程已被运维人员挂起，暂时不能办理"), "warning")
        return redirect(url_for("tasks.inbox"))
    if task.state != "ready":
        flash(_("该任务已被处理"), "warning")
        return redirect(url_for("tasks.inbox"))
    if not tasks.has_form(task):
        tasks.fail_unknown_form(session, task)
        db.commit()
        flash(_("该任务的表单“%(form)s”尚未实现，流程已标记为出错，运维人员会处理。", form=task.form_key), "danger")
        return redirect(url_for("tasks.inbox"))
    if request.method == "POST":
        form = tasks.build_form(session, task, CombinedMultiDict((request.files, request.form)))
        outcome = _save(session, task, form) if request.form.get("action") == "save" \
            else _complete(session, task, form)
        if outcome is not None:
            return outcome
        status = 422
    else:
        form = tasks.build_form(session, task)
        status = 200
    spec = tasks.spec_for(task)
    # 单位成员 who may only look see the task and its history, not a form they could not submit.
    refused = team_rights.refusal(current_user.row, team_rights.task_right(task))
    view_only = localized(refused) if refused else None
    return render_template("tasks/show.html", task=task, form=form, spec=spec, view_only=view_only,
                           context=spec.context(session, task),
                           decisions=generic_tasks.decisions(session, task.instance),
                           regions_json=code_names.regions_json()), status


# Where a user goes after 提交: the list the task belongs to (the office's tasks live in 待办).
AFTER_SUBMIT = {
    "correct_registration": "account.status",
    "correct_enrollment": "pilots.mine",
    "draft_report": "pilots.my_plans",
    "draft_plan": "pilots.my_plans",
    "correct_application": "pilots.mine",
    "evaluate_application": "compliance.evaluations",
}
# The same by form key and lane, where the lane changes the list: an enterprise drafting its own plan.
AFTER_SUBMIT_IN_LANE = {("draft_report", "enterprise"): "pilots.drafted",
                        ("draft_plan", "enterprise"): "pilots.drafted"}


def _complete(session, task, form):
    """提交: a redirect when done, None to show the form again with its errors."""
    if not form.validate():
        return None
    try:
        tasks.complete(session, task, current_user.id, form, db.file_store())
    except runtime.Halted:
        db.rollback()
        flash(_("该流程已被运维人员挂起，暂时不能办理"), "warning")
        return redirect(url_for("tasks.inbox"))
    except runtime.AlreadyHandled:
        db.rollback()
        flash(_("该任务已被其他人处理"), "warning")
        return redirect(url_for("tasks.inbox"))
    except InputError as exc:
        rollback_refused(exc)
        for message in show_at_fields(form, exc):
            flash(localized(message), "danger")
        return None
    db.commit()
    if task.instance.status == "error":  # the submission is saved; a later automatic step failed
        flash(_("您的提交已保存，但后续的自动处理出错，流程已暂停，运维人员会尽快处理。"), "warning")
    else:
        flash(_("提交成功"), "success")
    endpoint = AFTER_SUBMIT_IN_LANE.get((task.form_key, task.role)) or AFTER_SUBMIT.get(task.form_key, "tasks.inbox")
    return redirect(url_for(endpoint))


def _save(session, task, form):
    """保存: keep the draft; the task stays in 待办."""
    try:
        saved = tasks.save_draft(session, task, current_user.id, form, db.file_store())
    except tasks.UnknownForm:
        abort(400)  # this task keeps no drafts: there is no 保存 button to press
    if not saved:
        return None
    db.commit()
    flash(_("已保存"), "success")
    return redirect(url_for("tasks.show", task_id=task.id))


def download(file_id: int):
    """A stored file, for whoever may see it (engine.domain.files decides)."""
    session = db.session()
    stored = session.get(StoredFile, file_id)
    if stored is None:
        abort(404)
    user = current_user.row if current_user.is_authenticated else None
    if not files.may_download(session, user, file_id):
        abort(403 if user is not None else 401)
    path = db.file_store().path_for(stored.sha256)
    return security.send_pdf(path, stored.original_name)
