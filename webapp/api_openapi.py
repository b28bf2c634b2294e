"""GET /api/v1/openapi.json (the OpenAPI document, built from the forms) and GET /api/v1/docs (Swagger
UI from webapp/static/vendor, no CDN). Both public: the document holds no data, only form shapes."""
from __future__ import annotations

from flask import Blueprint, Flask, jsonify, render_template

from engine.domain import operations
from forms import tasks
from webapp import db, openapi_doc

bp = Blueprint("api_openapi", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_doc.document(operations.STATUSES, tasks.designed_form_classes(db.session())))


@bp.get("/docs")
def docs():
    return render_template("api/docs.html")
