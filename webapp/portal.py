"""The public portal's home page."""
from __future__ import annotations

from flask import Blueprint, Flask, render_template

from engine.domain import articles, catalog, certificates
from webapp import db

bp = Blueprint("portal", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/")
def home():
    """The portal: what the programme has published lately (通知公告, 要点动态, 对标方案 and 达标结果)."""
    session = db.session()
    plans, _ = catalog.search(session, "", 1, 5)
    results, _ = certificates.results(session, "", 1, 5)
    notices, _ = articles.public_list(session, "notice", 1, 5)
    highlights, _ = articles.public_list(session, "highlights", 1, 5)
    return render_template("portal/home.html", plans=plans, results=results, notices=notices,
                           highlights=highlights)
