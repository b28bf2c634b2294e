"""参与达标, 我参与的 applications, 达标产品评价, certificates, 达标结果 and /verify."""
from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("compliance", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
