"""The operator console through the JSON API (operator role only): instances with filters, one
instance with its tasks, history and error, and the operator actions with a reason.

The actions live in engine.domain.operator_actions (its contract: functions taking the session, the
instance or task id, the actor's id and the reason, returning the OperatorAction row; ActionRefused
with ``.message`` when the instance's state does not allow it; the caller commits)."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, Flask, abort, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from engine import runtime
from engine.domain import auth as accounts
from engine.domain import operations
from engine.domain.keys import clean_query
from forms import schema
from storage.models import Organization
from webapp import db
from webapp.api import token_required
from webapp.i18n import localized
from webapp.views_util import bpmn_text, csrf, json_object, page_argument

bp = Blueprint("api_operator", __name__, url_prefix="/api/v1/operator")
PER_PAGE = 20
# The URL's action → the name of its function in engine.domain.operator_actions.
INSTANCE_ACTIONS = {"suspend": "suspend", "resume": "resume", "cancel": "cancel", "retry": "retry",
                    "fire-timer": "fire_timer", "migrate": "migrate"}


def init_app(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)


def operator_required(view):
    """A valid token of a user with the operator role; anyone else gets 403."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not g.api_user.has_role("operator"):
            abort(403, _("只有运维人员可以使用该接口"))
        return view(*args, **kwargs)

    return token_required(wrapper)


def _moment(value):
    return value.isoformat() if value else None


def instance_summary(instance) -> dict:
    return {"id": instance.id, "process": instance.process_key, "subject": instance.subject,
            "business_key": instance.business_key, "status": instance.status, "stage": instance.stage,
            "stage_label": bpmn_text(instance.stage_label), "error": instance.error,
            "definition": {"key": instance.definition.key, "version": instance.definition.version},
            "created_at": _moment(instance.created_at), "updated_at": _moment(instance.updated_at),
            "completed_at": _moment(instance.completed_at), "next_timer_at": _moment(instance.next_timer_at)}


@bp.get("/instances")
@operator_required
def list_instances():
    """流程实例 as the console lists them: newest first, filtered by process key, status and subject."""
    session = db.session()
    key = clean_query(request.args.get("process"), 100) or None  # a NUL in a parameter is a 500 on PostgreSQL
    status = request.args.get("status") if request.args.get("status") in operations.STATUSES else None
    query = clean_query(request.args.get("q"), operations.MAX_QUERY)
    page = page_argument()
    rows, total = operations.instances(session, key, status, query, page, PER_PAGE)
    # The count stops COUNT_CAP rows past the page's first (engine.counting): total is then a lower bound,
    # and total_capped says so.
    return jsonify({"instances": [instance_summary(i) for i in rows], "total": total, "page": page,
                    "per_page": PER_PAGE, "total_capped": bool(getattr(total, "capped", False))})


def _task_row(row) -> dict:
    task = row.task
    return {"id": task.id, "name": task.task_name, "title": task.title, "process": task.process_key,
            "form_key": task.form_key, "role": task.role, "state": task.state,
            "organization": row.organization, "completed_by": row.completed_by,
            "created_at": _moment(task.created_at), "completed_at": _moment(getattr(task, "completed_at", None))}


def _event_row(row) -> dict:
    event = row.event
    return {"sequence": event.sequence, "kind": event.kind, "label": localized(operations.event_label(event.kind)),
            "task": event.task_name, "task_title": row.task_title, "actor": row.actor,
            "summary": event.summary, "at": _moment(event.created_at)}


@bp.get("/instances/<int:instance_id>")
@operator_required
def get_instance(instance_id: int):
    detail = operations.instance_detail(db.session(), instance_id)
    if detail is None:
        abort(404, _("流程实例不存在"))
    return jsonify({**instance_summary(detail.instance),
                    "tasks": [_task_row(row) for row in detail.tasks],
                    "history": [_event_row(row) for row in detail.events]})


def _reason() -> str:
    body = json_object()
    if body is None:
        abort(_refusal("body", _("请求正文应为 JSON 对象")))
    reason = body.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        abort(_refusal("reason", _("请填写操作原因")))
    if schema.has_control_characters(reason):  # NUL is a 500 on PostgreSQL
        abort(_refusal("reason", _("不能包含控制字符")))
    return reason.strip()


def _refusal(field: str, message: str):
    response = jsonify({"errors": {field: [message]}})
    response.status_code = 422
    return response


def action_json(action) -> dict:
    return {"id": action.id, "action": action.action, "instance_id": action.instance_id,
            "task_id": action.human_task_id, "reason": action.reason, "details": action.details,
            "actor_id": action.actor_id, "created_at": _moment(action.created_at)}


def _carried_out(perform):
    """Run one operator action: 200 with the action and the instance, or 422 when it is refused."""
    from engine.domain import operator_actions  # written alongside (issue 12); imported when used

    session = db.session()
    try:
        action = perform(operator_actions)
    except operator_actions.ActionRefused as exc:
        db.rollback()
        return _refusal("reason", localized(exc.message))
    db.commit()
    instance = operations.instance_detail(session, action.instance_id).instance
    return jsonify({"action": action_json(action), "instance": instance_summary(instance)})


@bp.post("/instances/<int:instance_id>/<action>")
@operator_required
def instance_action(instance_id: int, action: str):
    """暂停, 恢复, 终止, 重试, 触发定时器, 迁移到最新版本 — with a reason (body {"reason": "…"})."""
    function_name = INSTANCE_ACTIONS.get(action)
    if function_name is None:
        abort(404, _("没有这个操作"))
    if operations.instance_detail(db.session(), instance_id) is None:
        abort(404, _("流程实例不存在"))
    reason = _reason()
    return _carried_out(lambda actions: getattr(actions, function_name)(
        db.session(), instance_id, g.api_user.id, reason))


@bp.post("/tasks/<int:task_id>/reassign")
@operator_required
def reassign_task(task_id: int):
    """转办: the task goes to a user (user_email) or an organisation (organization_name)."""
    session = db.session()
    if runtime.load_task(session, task_id) is None:
        abort(404, _("任务不存在"))
    reason = _reason()
    target = _reassign_target(session, json_object())
    return _carried_out(lambda actions: actions.reassign(session, task_id, g.api_user.id, reason, **target))


def _reassign_target(session, body: dict) -> dict:
    email, name = body.get("user_email"), body.get("organization_name")
    if bool(email) == bool(name):
        abort(_refusal("body", _("请填写 user_email 或 organization_name 之一")))
    for field, value in (("user_email", email), ("organization_name", name)):
        if value and schema.has_control_characters(str(value)):
            abort(_refusal(field, _("不能包含控制字符")))
    if email:
        user = accounts.find_user(session, str(email))
        if user is None:
            abort(_refusal("user_email", _("该邮箱没有对应的用户")))
        return {"user_id": user.id}
    organization = session.scalars(select(Organization).where(Organization.name == str(name).strip())).first()
    if organization is None:
        abort(_refusal("organization_name", _("没有这个名称的单位")))
    return {"organization_id": organization.id}
