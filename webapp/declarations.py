"""我要对标 (self-declarations) and the public 对标结果. Placeholder: routes are being built."""
from __future__ import annotations

from flask import Blueprint, Flask, abort

bp = Blueprint("declarations", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/declarations/")
def index():
    abort(404)


@bp.route("/declarations/<int:declaration_id>")
def detail(declaration_id: int):
    abort(404)


@bp.route("/my/declarations")
def mine():
    abort(404)


@bp.route("/my/declarations/new", methods=["GET", "POST"])
def new():
    abort(404)
