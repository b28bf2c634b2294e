"""接受邀请: the page an invitation e-mail links to; the colleague sets a name and a password and is logged
in as a person of the inviting organisation. The link works once and for a limited time."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_user

from engine import clock
from engine.domain import teams
from forms.team import AcceptInvitationForm
from webapp import db
from webapp.auth import WebUser
from webapp.i18n import localized

bp = Blueprint("invitation", __name__, url_prefix="/invitation")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/<token>", methods=["GET", "POST"])
def accept(token: str):
    session = db.session()
    invitation = teams.find_invitation(session, token)
    problem = teams.invitation_problem(invitation)
    if problem:
        return render_template("account/invitation.html", problem=localized(problem), form=None,
                               invitation=None), 404 if invitation is None else 410
    form = AcceptInvitationForm(request.form if request.method == "POST" else None)
    if request.method == "GET" or not form.validate():
        return render_template("account/invitation.html", form=form, invitation=invitation, problem=None), \
            200 if request.method == "GET" else 422
    try:
        user = teams.accept(session, token, form.full_name.data, form.password.data)
    except teams.TeamError as exc:
        db.rollback()
        if exc.field is None:
            return render_template("account/invitation.html", problem=localized(exc.message), form=None,
                                   invitation=None), 410
        getattr(form, exc.field).errors.append(localized(exc.message))
        return render_template("account/invitation.html", form=form, invitation=invitation, problem=None), 422
    user.last_login_at = clock.now()
    db.commit()
    login_user(WebUser(user))
    flash(_("欢迎加入%(name)s", name=user.organization.name), "success")
    return redirect(url_for("account.home"))
