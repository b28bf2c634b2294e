"""用户中心 → 单位成员 (enterprises and institutions) and 系统管理 → 账号管理 (the office): one set of views
on two blueprints, for the organisation's administrators only; the rules are engine.domain.teams'."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine.domain import team_rights, teams
from forms.team import InviteForm, RightsForm, StaffInviteForm, StaffRightsForm
from webapp import db
from webapp.auth import roles_required
from webapp.i18n import localized
from webapp.views_util import Pager


@dataclass(frozen=True)
class Scope:
    blueprint: str
    kinds: tuple[str, ...]  # the organisation kinds whose administrators use these pages
    template: str
    invite_form: type
    rights_form: type

    @property
    def is_office(self) -> bool:
        return "office" in self.kinds


SCOPES = (
    Scope("teams", ("enterprise", "institution"), "account/team.html", InviteForm, RightsForm),
    Scope("staff", ("office",), "admin/accounts.html", StaffInviteForm, StaffRightsForm),
)


def init_app(app: Flask) -> None:
    for scope in SCOPES:
        prefix = "/account/team" if scope.blueprint == "teams" else "/admin/accounts"
        app.register_blueprint(_blueprint(scope, prefix))
    app.jinja_env.globals["right_labels"] = team_rights.RIGHT_LABELS
    app.jinja_env.globals["team_action_labels"] = ACTION_LABELS
    app.jinja_env.filters["right_names"] = lambda rights: _("、").join(
        localized(team_rights.RIGHT_LABELS[r]) for r in (rights or "").split() if r in team_rights.RIGHT_LABELS)


ACTION_LABELS = {"invite": _l("邀请成员"), "revoke_invitation": _l("撤销邀请"), "accept": _l("接受邀请"),
                 "change_rights": _l("修改权限"), "disable": _l("停用"), "enable": _l("启用")}


def _administrator(scope: Scope) -> None:
    """The organisation's kind fits the pages and the person holds the 管理 right (else 403)."""
    if current_user.organization.kind not in scope.kinds or not team_rights.is_administrator(current_user.row):
        abort(403)


def _page(scope: Scope, invite_form=None, row_errors: dict | None = None, status: int = 200):
    session = db.session()
    organization_id = current_user.organization_id
    return render_template(
        scope.template, scope=scope, organization=current_user.organization,
        members=teams.members(session, organization_id),
        invitations=teams.pending_invitations(session, organization_id),
        invite_form=invite_form or scope.invite_form(),
        row_errors=row_errors or {}), status


def index(scope: Scope):
    return _page(scope)


def invite(scope: Scope):
    form = scope.invite_form(request.form)
    if not form.validate():
        return _page(scope, form, status=422)
    try:
        teams.invite(db.session(), current_user.row, form.email.data, form.rights.data,
                     lambda raw: url_for("invitation.accept", token=raw, _external=True),
                     getattr(form, "roles", None) and form.roles.data)
    except teams.TeamError as exc:
        db.rollback()
        getattr(form, exc.field or "email").errors.append(localized(exc.message))
        return _page(scope, form, status=422)
    db.commit()
    flash(_("邀请已发送至 %(email)s，链接 72 小时内有效", email=form.email.data.strip().lower()), "success")
    return redirect(url_for(f"{scope.blueprint}.index"))


def rights(scope: Scope, user_id: int):
    try:
        teams.member_of(db.session(), current_user.row, user_id)  # another organisation's: 404
    except teams.TeamNotFound:
        abort(404)
    form = scope.rights_form(request.form)
    if not form.validate():
        errors = [e for field in form for e in field.errors]
        return _page(scope, row_errors={user_id: errors[0]}, status=422)
    roles = getattr(form, "roles", None) and form.roles.data
    return _act(scope, user_id, lambda session: teams.change_rights(
        session, current_user.row, user_id, form.rights.data, roles), _("权限已修改"))


def disable(scope: Scope, user_id: int):
    return _act(scope, user_id, lambda session: teams.set_enabled(session, current_user.row, user_id, False),
                _("已停用，其登录和 API 令牌即刻失效；其经办的工作仍属于本单位"))


def enable(scope: Scope, user_id: int):
    return _act(scope, user_id, lambda session: teams.set_enabled(session, current_user.row, user_id, True),
                _("已启用"))


def revoke_invitation(scope: Scope, invitation_id: int):
    return _act(scope, None, lambda session: teams.revoke_invitation(session, current_user.row, invitation_id),
                _("邀请已撤销"))


def log(scope: Scope):
    session = db.session()
    organization_id = current_user.organization_id
    pager = Pager(lambda page, per_page: teams.audit_log(session, organization_id, page, per_page), 20)
    return render_template("account/team_log.html", scope=scope, rows=pager.items, pager=pager,
                           decisions=teams.recent_decisions(session, organization_id))


# (rule, view, methods): every one for the organisation's administrators only.
ROUTES = (
    ("/", index, ["GET"]), ("/invite", invite, ["POST"]), ("/<int:user_id>/rights", rights, ["POST"]),
    ("/<int:user_id>/disable", disable, ["POST"]), ("/<int:user_id>/enable", enable, ["POST"]),
    ("/invitations/<int:invitation_id>/revoke", revoke_invitation, ["POST"]), ("/log", log, ["GET"]),
)


def _blueprint(scope: Scope, prefix: str) -> Blueprint:
    bp = Blueprint(scope.blueprint, __name__, url_prefix=prefix)
    guard = roles_required(*scope.kinds) if not scope.is_office else roles_required()
    for rule, view, methods in ROUTES:
        bp.add_url_rule(rule, view.__name__, guard(_for_administrators(scope, view)), methods=methods)
    return bp


def _for_administrators(scope: Scope, view):
    def run(**kwargs):
        _administrator(scope)
        return view(scope, **kwargs)

    run.__name__ = view.__name__
    return run


def _act(scope: Scope, user_id: int | None, change, done: str):
    """Run one change; a refusal is shown at the person's row (or as a notice), nothing changed."""
    try:
        change(db.session())
    except teams.TeamNotFound:
        db.rollback()
        abort(404)
    except teams.TeamError as exc:
        db.rollback()
        if user_id is None:
            flash(localized(exc.message), "warning")
            return redirect(url_for(f"{scope.blueprint}.index"))
        return _page(scope, row_errors={user_id: localized(exc.message)}, status=422)
    db.commit()
    flash(done, "success")
    return redirect(url_for(f"{scope.blueprint}.index"))
