"""JSON API for 申请达标: the form of a published plan, and applying (multipart, like the page)."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, g, jsonify
from flask_babel import gettext as _

from engine.domain import compliance
from forms import schema
from storage.models import Plan
from webapp import db
from webapp.api import _errors, submitted_form, token_required
from webapp.compliance import application_form, submit_application
from webapp.views_util import csrf

bp = Blueprint("api_compliance", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)


def _plan_for_applicant(plan_id: int) -> Plan:
    plan = db.session().get(Plan, plan_id)
    if plan is None:
        abort(404, _("对标方案不存在"))
    refusal = compliance.refusal(db.session(), g.api_user.row, plan)
    if refusal:
        abort(403, refusal)
    return plan


@bp.get("/plans/<int:plan_id>/application-form")
@token_required
def application_schema(plan_id: int):
    """The 申请达标 form as JSON schema, with the plan's indicators (one 检测值 per row, in order)."""
    plan = _plan_for_applicant(plan_id)
    shown = application_form(plan)
    form, rows = shown.form, shown.rows
    return jsonify({"form": schema.form_schema(form),
                    "context": {"plan_id": plan.id, "product_name": plan.pilot.product_name,
                                "indicators": [{**row, "required": compliance.is_required(row.get("level1", ""))}
                                               for row in rows]}})


@bp.post("/plans/<int:plan_id>/applications")
@token_required
def apply(plan_id: int):
    """申请达标: multipart with product_model, institution_id, reports (files), measurements-N-measured, note."""
    plan = _plan_for_applicant(plan_id)
    form = submitted_form(lambda formdata: application_form(plan, formdata).form)
    if not form.validate():
        return jsonify({"errors": _errors(form)}), 422
    application = submit_application(plan, form, g.api_user.row)
    if application is None:
        return jsonify({"errors": _errors(form)}), 422
    instance = application.instance_id
    return jsonify({"application": {"id": application.id, "status": application.status, "instance_id": instance}}), 201
