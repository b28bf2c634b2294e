"""流程管理 for designers and operators: deployed definitions with their diagrams, process instances.

Read-only: the list and the detail read the tables (never the workflow state).
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, Response, abort, render_template, request
from flask_login import current_user

from engine.domain import operations
from engine.domain.keys import clean_query
from forms import generic_tasks
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
    key = request.args.get("process") if request.args.get("process") in names else None
    status = request.args.get("status") if request.args.get("status") in operations.STATUSES else None
    query = clean_query(request.args.get("q"), operations.MAX_QUERY)
    pager = Pager(lambda page, per_page: operations.instances(session, key, status, query, page, per_page),
                  PER_PAGE)
    return render_template("operations/instances.html", rows=pager.items, names=names, process=key,
                           status=status, statuses=operations.STATUSES, q=query, pager=pager)


@bp.route("/instances/<int:instance_id>")
@console_required
def instance(instance_id: int):
    session = db.session()
    detail = operations.instance_detail(session, instance_id)
    if detail is None:
        abort(404)
    definition = detail.instance.definition
    highlights = operations.highlighted_elements(definition.bpmn_xml, definition.key, detail.ready_tasks)
    return render_template("operations/instance.html", detail=detail, instance=detail.instance,
                           definition=definition, name=operations.definition_name(session, definition),
                           highlights=highlights, decisions=generic_tasks.decisions(session, detail.instance))


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
