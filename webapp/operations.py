"""流程管理 for designers and operators: deployed definitions with their diagrams, process instances.

Read-only: the list and the detail read the tables (never the workflow state).
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, Response, abort, render_template, request
from flask_babel import gettext
from flask_login import current_user

from engine import clock, instance_state
from engine.domain import console, operations
from engine.domain import dashboard as dashboard_domain
from forms import console_detail, generic_tasks
from webapp import db
from webapp.auth import roles_required
from webapp.i18n import localized
from webapp.views_util import Pager

bp = Blueprint("operations", __name__, url_prefix="/operations")
PER_PAGE = 20
CONSOLE_ROLES = frozenset({"operator", "designer"})


def init_app(app: Flask) -> None:
    from webapp import operations_actions  # noqa: F401 — its routes are on this blueprint

    app.register_blueprint(bp)
    app.jinja_env.filters["role_label"] = operations.role_label
    app.jinja_env.filters["task_state_label"] = operations.task_state_label
    app.jinja_env.filters["event_label"] = operations.event_label
    app.jinja_env.filters["event_summary"] = operations.summary_text
    app.jinja_env.filters["duration"] = duration_text


def duration_text(seconds) -> str:
    """A duration as people say it: 3 天 4 小时, 2 小时 5 分钟, 40 分钟."""
    minutes = int((seconds or 0) // 60)
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if days:
        return gettext("%(days)s 天 %(hours)s 小时", days=days, hours=hours)
    if hours:
        return gettext("%(hours)s 小时 %(minutes)s 分钟", hours=hours, minutes=minutes)
    return gettext("%(minutes)s 分钟", minutes=minutes)


def console_required(view):
    """Designers and operators only: anyone else logged in gets 403, anonymous users the login page."""
    guarded = roles_required(*sorted(CONSOLE_ROLES))(view)

    @wraps(view)
    def wrapper(*args, **kwargs):
        if current_user.is_authenticated and not current_user.role_set & CONSOLE_ROLES:
            abort(403)
        return guarded(*args, **kwargs)

    return wrapper


@bp.route("/instances")
@console_required
def instances():
    session = db.session()
    names = operations.process_names(session)
    wanted = console.InstanceFilter.from_args(request.args, names)
    pager = Pager(lambda page, per_page: console.instances(session, wanted, page, per_page), PER_PAGE)
    return render_template("operations/instances.html", rows=pager.items, names=names, wanted=wanted,
                           statuses=console.CONSOLE_STATUS_LABELS, sorts=console.SORT_LABELS,
                           stages=operations.known_stages(), pager=pager)


@bp.route("/instances/<int:instance_id>")
@console_required
def instance(instance_id: int):
    session = db.session()
    detail = operations.instance_detail(session, instance_id)
    if detail is None:
        abort(404)
    return render_template("operations/instance.html", **_detail_context(session, detail))


def _detail_context(session, detail) -> dict:
    """The detail page: the tables' rows, and what the engine state says (read here only)."""
    found, definition = detail.instance, detail.instance.definition
    name = operations.definition_name(session, definition)  # also reads the version's stage labels
    engine_view = instance_state.read(session, found, definition.bpmn_xml)
    shown, other, hidden = console_detail.process_data(session, engine_view.data)
    return {"detail": detail, "instance": found, "definition": definition, "name": name,
            "highlights": operations.highlighted_elements(definition.bpmn_xml, definition.key, detail.ready_tasks),
            "markers": engine_view.markers, "engine_readable": engine_view.readable, "timers": engine_view.timers,
            "history": console_detail.merged_history(
                console_detail.history_lines(detail.events, operations.stage_labels()),
                console_detail.operator_lines(session, found.id)),
            "data_rows": shown, "other_rows": other, "hidden_count": hidden, "now": clock.now(),
            "tasks": detail.ready_tasks, "open_rows": [row for row in detail.tasks if row.task.state == "ready"],
            "error_element": (engine_view.markers.get("error") or [None])[0],
            "decisions": generic_tasks.decisions(session, found)}


@bp.route("/definitions")
@console_required
def definitions():
    return render_template("operations/definitions.html", rows=operations.definitions(db.session()))


@bp.route("/definitions/<int:definition_id>")
@console_required
def definition(definition_id: int):
    session = db.session()
    found = operations.definition(session, definition_id)
    if found is None:
        abort(404)
    return render_template("operations/definition.html", definition=found,
                           name=operations.definition_name(session, found))


@bp.route("/definitions/<int:definition_id>/bpmn")
@console_required
def definition_xml(definition_id: int):
    """The deployed BPMN XML as a download, or (``?lanes=labels``) for the diagram viewer, its lanes
    named for readers (专项办, not ``office``)."""
    found = operations.definition(db.session(), definition_id)
    if found is None:
        abort(404)
    source = found.bpmn_xml
    if request.args.get("lanes") == "labels":
        source = operations.with_lane_labels(source, lambda role: localized(operations.role_label(role)))
    response = Response(source, mimetype="application/xml")
    response.headers.set("Content-Disposition", "attachment", filename=f"{found.key}-v{found.version}.bpmn")
    # Designer-written XML: never let a browser run anything in it when opened directly.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/dashboard")
@console_required
def dashboard():
    session = db.session()
    now = clock.now()
    waiting_by_role = dashboard_domain.waiting_by_role(session, now)
    overdue, overdue_total = dashboard_domain.overdue_tasks(session, now)
    return render_template(
        "operations/dashboard.html", names=operations.process_names(session), now=now,
        by_process=dashboard_domain.instances_by_process_and_status(session), statuses=operations.STATUSES,
        waiting=waiting_by_role, age_labels=dashboard_domain.age_labels(), overdue=overdue,
        overdue_total=overdue_total, stale_days=dashboard_domain.STALE_AFTER.days,
        per_day=dashboard_domain.completions_per_day(session, clock.to_china(now).date()),
        steps=dashboard_domain.median_step_durations(session))
