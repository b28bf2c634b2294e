"""用户中心 → API 令牌: create a named token with an expiry (shown once), list them, revoke one.
Every role may use the API; like 用户信息, only users of an approved (active) organisation."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.domain import api_tokens
from forms.api_tokens import NewApiTokenForm
from webapp import db
from webapp.auth import active_required

bp = Blueprint("api_tokens", __name__, url_prefix="/account/tokens")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals["api_token_state"] = api_tokens.state


def _page(form: NewApiTokenForm, new_token: str | None = None, status: int = 200):
    rows = api_tokens.tokens_of(db.session(), current_user.id)
    return render_template("account/tokens.html", form=form, rows=rows, new_token=new_token), status


@bp.route("/", methods=["GET", "POST"])
@active_required
def index():
    form = NewApiTokenForm(request.form if request.method == "POST" else None)
    if request.method == "GET":
        return _page(form)
    if not form.validate():
        return _page(form, status=422)
    raw = api_tokens.issue(db.session(), current_user.row, form.name.data, form.days.data)
    db.commit()
    # Rendered, not redirected: the token is in this answer only and never stored in clear.
    return _page(NewApiTokenForm(), new_token=raw, status=201)


@bp.route("/<int:token_id>/revoke", methods=["POST"])
@active_required
def revoke(token_id: int):
    if api_tokens.revoke(db.session(), current_user.id, token_id):
        db.commit()
        flash(_("令牌已吊销，使用它的请求将被拒绝"), "success")
    else:
        flash(_("该令牌不存在或已吊销"), "warning")
    return redirect(url_for("api_tokens.index"))
