"""The public portal's home page."""
from __future__ import annotations

from flask import Blueprint, Flask, render_template

bp = Blueprint("portal", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/")
def home():
    return render_template("portal/home.html")
