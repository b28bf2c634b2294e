"""试运行: a draft tried by hand — a throw-away instance in a sandbox database of its own, its tasks
opened as each lane would see them, the clock moved on — without touching real data."""
from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine import clock, designs
from engine.domain import operations
from forms import workspace
from forms.scenarios.dryrun import DryRuns, UnknownDryRun
from forms.scenarios.formfill import StepFailed
from forms.scenarios.starters import STARTERS
from webapp import db
from webapp.design import _draft, _scenario_root, bp, designer_only
from webapp.i18n import localized


def _runs() -> DryRuns:
    return DryRuns(Path(current_app.config["DATA_DIR"]) / "dryruns")


@bp.route("/drafts/<int:draft_id>/try", methods=["POST"])
@designer_only
def start_dry_run(draft_id: int):
    draft = _draft(draft_id)
    session = db.session()
    given = request.form.get("given") or None
    if given is not None and given not in STARTERS:
        abort(400)
    # The draft runs for real in the sandbox: only what the server's validation accepts (SpiffWorkflow
    # would hand some constructs — correlation expressions, say — to its own eval()).
    problems = workspace.problems(session, draft.process_key, draft.bpmn_xml)
    if problems:
        flash(_("无法开始试运行：草稿没有通过检查（%(count)s 个问题），请先在流程图上修正", count=len(problems)),
              "danger")
        for problem in problems[:5]:
            flash(f"{problem.element_id or problem.where}：{localized(problem.message)}", "danger")
        return redirect(url_for("design.process", process_key=draft.process_key))
    try:
        token = _runs().start(draft.process_key, {draft.process_key: draft.bpmn_xml}, given=given,
                              workflows_dir=_scenario_root(), documents=workspace.running_documents(session))
    except Exception as exc:  # a draft that cannot run: say why, on the page the designer came from
        current_app.logger.info("dry run of draft %s refused", draft.id, exc_info=True)
        flash(_("无法开始试运行：%(error)s", error=localized(getattr(exc, "message", None) or str(exc))), "danger")
        return redirect(url_for("design.process", process_key=draft.process_key))
    designs.audit(session, current_user.id, "dry_run", draft.process_key, draft_id=draft.id)
    db.commit()
    return redirect(url_for("design.dry_run", token=token))


@bp.route("/dryruns/<token>")
@designer_only
def dry_run(token: str):
    try:
        state = _runs().state(token)
    except UnknownDryRun:
        abort(404)
    return render_template("design/dryrun.html", token=token, state=state,
                           now=clock.to_china(_moment(state["now"])), role_label=operations.role_label)


def _moment(text: str):
    from datetime import datetime

    return datetime.fromisoformat(text)


@bp.route("/dryruns/<token>/tasks/<int:task_id>", methods=["GET", "POST"])
@designer_only
def dry_run_task(token: str, task_id: int):
    if request.form.get("action") == "save":  # a form's 保存 (keep a draft): nothing to keep in a dry run
        flash(_("试运行不保存表单草稿：请直接提交"), "info")
        return redirect(url_for("design.dry_run_task", token=token, task_id=task_id))
    posted = request.method == "POST"

    def render(view):
        return render_template("design/dryrun_task.html", token=token, view=view, task=view.task,
                               form=view.form, context=view.context,
                               lane=localized(operations.role_label(view.task["lane"])))
    try:
        done, page = _runs().task_page(token, task_id, render, request.form if posted else None,
                                       request.files if posted else None)
    except UnknownDryRun:
        abort(404)
    except StepFailed as failed:
        flash(localized(failed.message), "warning")
        return redirect(url_for("design.dry_run", token=token))
    if done:
        flash(_("已办理（试运行）"), "success")
        return redirect(url_for("design.dry_run", token=token))
    return page, 422 if posted else 200


@bp.route("/dryruns/<token>/clock", methods=["POST"])
@designer_only
def dry_run_clock(token: str):
    duration = (request.form.get("duration") or "").strip()
    try:
        clock.parse_duration(duration)
    except ValueError:
        flash(_("时长应为 ISO 8601 格式，例如 P8D、PT12H"), "danger")
        return redirect(url_for("design.dry_run", token=token))
    try:
        _runs().advance(token, duration)
    except UnknownDryRun:
        abort(404)
    flash(_("时间已前进 %(duration)s，到期的定时器已触发", duration=duration), "success")
    return redirect(url_for("design.dry_run", token=token))


@bp.route("/dryruns/<token>/discard", methods=["POST"])
@designer_only
def dry_run_discard(token: str):
    try:
        process = _runs().state(token)["process"]
        _runs().discard(token)
    except UnknownDryRun:
        abort(404)
    flash(_("试运行已结束，沙箱数据已删除"), "success")
    return redirect(url_for("design.process", process_key=process))
