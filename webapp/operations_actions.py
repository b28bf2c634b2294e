"""运维操作 from the 流程管理 pages: POST an action with its reason on an instance or one of its tasks.

Operators only (designers may look at 流程管理 but not act). Each view parses the form, calls one
function of engine.domain.operator_actions and redirects back to the instance with a flash; a refusal
is flashed and nothing is changed.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from engine.domain import operator_actions
from storage.models import HumanTask, Organization, ProcessInstance, User
from webapp import db
from webapp.auth import roles_required
from webapp.i18n import localized
from webapp.operations import bp

OPERATOR = "operator"


@bp.app_template_global("operator_actions_for")
def operator_actions_for(instance: ProcessInstance) -> list[tuple[str, str]]:
    """(action, label) of the actions that make sense for the instance's status, for _actions.html."""
    return [(name, localized(operator_actions.ACTION_LABELS[name])) for name in operator_actions.available(instance)]


def _done(instance_id: int, action, refused: operator_actions.ActionRefused | None):
    if refused is not None:
        db.rollback()
        flash(localized(refused.message), "danger")
    else:
        db.commit()
        instance = db.session().get(ProcessInstance, instance_id)
        label = localized(operator_actions.ACTION_LABELS[action.action])
        if instance is not None and instance.status == "error":
            flash(_("已%(action)s，但流程仍然出错：%(error)s", action=label, error=instance.error or ""), "warning")
        else:
            flash(_("已%(action)s", action=label), "success")
    return redirect(url_for("operations.instance", instance_id=instance_id), 303)


@bp.post("/instances/<int:instance_id>/<action>")
@roles_required(OPERATOR)
def act_on_instance(instance_id: int, action: str):
    function = operator_actions.ACTIONS.get(action.replace("-", "_"))
    if function is None or db.session().get(ProcessInstance, instance_id) is None:
        abort(404)
    try:
        row = function(db.session(), instance_id, current_user.id, request.form.get("reason", ""))
    except operator_actions.ActionRefused as refused:
        return _done(instance_id, None, refused)
    return _done(instance_id, row, None)


@bp.post("/tasks/<int:task_id>/reassign")
@roles_required(OPERATOR)
def reassign_task(task_id: int):
    session = db.session()
    task = session.get(HumanTask, task_id)
    if task is None:
        abort(404)
    target = (request.form.get("target") or "").strip()
    kind = request.form.get("target_kind", "user")
    try:
        row = operator_actions.reassign(session, task.id, current_user.id, request.form.get("reason", ""),
                                        **_target(session, kind, target))
    except operator_actions.ActionRefused as refused:
        return _done(task.instance_id, None, refused)
    return _done(task.instance_id, row, None)


def _target(session, kind: str, target: str) -> dict:
    """The user (by e-mail) or organisation (by name) the form names, as reassign's keyword."""
    if not target:
        raise operator_actions.ActionRefused(_("请填写转办对象（用户邮箱或单位名称）"))
    if kind == "org":
        ids = session.scalars(select(Organization.id).where(Organization.name == target)).all()
        if len(ids) != 1:
            raise operator_actions.ActionRefused(
                _("单位不存在：%(name)s", name=target) if not ids else _("有多个同名单位：%(name)s", name=target))
        return {"organization_id": ids[0]}
    user_id = session.scalar(select(User.id).where(func.lower(User.email) == target.lower()))
    if user_id is None:
        raise operator_actions.ActionRefused(_("用户不存在：%(email)s", email=target))
    return {"user_id": user_id}
