"""JSON API (bearer tokens only, so no cookies and no CSRF): tokens, tasks, instances, health."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Flask, abort, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select, text
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from werkzeug.exceptions import BadRequest

from engine import inbox as task_queries
from engine import runtime
from engine.domain import api_tokens, organizations
from engine.domain import auth as accounts
from engine.domain.errors import InputError
from engine.domain.keys import clean_query
from forms import schema, tasks
from storage.db import retry_if_disconnected
from storage.models import HumanTask, ProcessEvent, ProcessInstance
from webapp import api_limits, db, team_guard
from webapp.api_idempotency import commit_answer, idempotent
from webapp.auth import throttle_keys
from webapp.i18n import localized, localized_tree
from webapp.views_util import bpmn_text, csrf, json_object, page_argument, rollback_refused

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def init_app(app: Flask) -> None:
    csrf.exempt(bp)
    app.register_blueprint(bp)
    app.register_error_handler(BadBody, _bad_body)
    app.add_url_rule("/healthz", "healthz", healthz)


def healthz():
    db.session().execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


def token_required(view=None, *, first_read: Callable[..., object] | None = None):
    """The view runs for the holder of a valid token only, within the token's rate limit and the person's
    rights (401, 403, 429 otherwise). ``first_read(**view_args)`` is a read the view makes first that needs
    no caller (the task it is about): on PostgreSQL it goes with the token's statement in one round trip,
    and what it read is used only once the caller has passed."""
    if view is None:
        return lambda decorated: token_required(decorated, first_read=first_read)

    @wraps(view)
    def wrapper(*args, **kwargs):
        refused = _refusal((lambda: first_read(**kwargs)) if first_read is not None else None)
        return refused if refused is not None else view(*args, **kwargs)

    return wrapper


def _refusal(first_read: Callable[[], object] | None):
    """The answer refusing the request's caller (None: go on, with ``g.api_user`` set)."""
    header = request.headers.get("Authorization", "")
    scheme, _space, raw = header.partition(" ")
    holder, wait = _caller(raw.strip(), first_read) if scheme == "Bearer" else (None, None)
    if holder is None:
        response = jsonify({"error": _("需要有效的访问令牌（Authorization: Bearer …）")})
        response.headers["WWW-Authenticate"] = "Bearer"
        return response, 401
    user = holder.user  # an engine.domain.auth.ApiCaller: plain values, the User row on demand
    if user.organization_status == "disabled":
        return _disabled_answer()
    if api_tokens.use_to_record(holder):
        db.durable(lambda connection: api_tokens.record_use(connection, holder))
    if wait is None:  # SQLite: counted apart, in the request's transaction
        wait = api_limits.token_wait(holder.token_id)
    if wait:
        return api_limits.too_many(wait)
    g.api_user = user
    return team_guard.api_refusal(user)  # the person's rights within the organisation


def _caller(raw: str, first_read: Callable[[], object] | None) -> tuple[accounts.TokenHolder | None, int | None]:
    """The token's holder and, on PostgreSQL, the seconds its rate-limit count says to wait (None: counted
    apart). The request's first statement: tried again once when its pooled connection was dead."""
    if db.has_durable_pool():
        counted = retry_if_disconnected(lambda: _counted_caller(raw, first_read), db.session().rollback)
        return (counted.holder, counted.wait) if counted else (None, None)
    holder = retry_if_disconnected(lambda: accounts.token_holder(db.session(), raw), db.session().rollback)
    return holder, None


def _counted_caller(raw: str, first_read: Callable[[], object] | None) -> accounts.CountedHolder | None:
    """PostgreSQL: the holder with its call counted, by one statement committed apart from the request.
    It goes with the request's first statement (``first_read``'s, else the BEGIN alone); when the
    request's transaction has sent something already, on the durable writes' connection."""
    answer = api_limits.counted_holder_ahead(raw)
    if answer is None:
        return api_limits.counted_holder(raw)
    if first_read is not None:
        first_read()
    return answer()


def _disabled_answer():
    """A disabled (停用) organisation's tokens are refused, and it gets no new ones."""
    return jsonify({"error": _("您单位的帐号已停用，不能使用接口")}), 403


@bp.post("/tokens")
@api_limits.address_limited
def create_token():
    body = json_object() or {}
    email, password = str(body.get("email", "")), str(body.get("password", ""))
    if schema.has_control_characters(email + password):  # no account has them; PostgreSQL refuses NUL
        return jsonify({"error": _("用户名或密码不正确")}), 401
    session = db.session()
    keys = throttle_keys(email)
    if accounts.blocked_seconds(session, keys):
        return jsonify({"error": _("登录失败次数过多，请稍后再试")}), 429
    if not accounts.reserve_attempt(session, keys):  # counted before the password is checked
        db.commit()
        return jsonify({"error": _("登录失败次数过多，请稍后再试")}), 429
    db.commit()
    user = accounts.verify_credentials(session, email, password)
    if user is None or not user.is_enabled:
        accounts.record_failure(session, keys)
        db.commit()
        return jsonify({"error": _("用户名或密码不正确")}), 401
    accounts.clear_failures(session, keys)
    if user.organization.status == "disabled":
        db.commit()
        return _disabled_answer()
    token = accounts.issue_token(session, user)
    db.commit()
    return jsonify({"token": token}), 201


def task_json(task: HumanTask) -> dict:
    return {
        "id": task.id, "name": task.task_name, "title": task.title, "process": task.process_key,
        "instance_id": task.instance_id, "form_key": task.form_key, "role": task.role,
        "state": task.state, "created_at": task.created_at.isoformat(),
        "due_at": task.due_at.isoformat() if task.due_at else None,
        "subject": task.instance.subject,
    }


@bp.get("/tasks")
@token_required
def list_tasks():
    page = page_argument()
    rows, total = task_queries.inbox(db.session(), g.api_user, page)
    # The count stops COUNT_CAP rows past the page's first (engine.counting): total is then a lower bound,
    # and total_capped says so.
    return jsonify({"tasks": [task_json(t) for t in rows], "total": total, "page": page,
                    "total_capped": bool(getattr(total, "capped", False))})


def _read_task(task_id: int) -> None:
    """The task a task view is about, read with the caller's token (token_required's ``first_read``)."""
    g.api_task_read = runtime.load_task(db.session(), task_id)


def _task_or_error(task_id: int) -> HumanTask:
    task = g.pop("api_task_read") if "api_task_read" in g else runtime.load_task(db.session(), task_id)
    if task is None:
        abort(404, _("任务不存在"))
    if not task_queries.may_act(g.api_user, task):
        abort(403, _("无权处理该任务"))
    if task.state == "ready" and not tasks.has_form(task):
        tasks.fail_unknown_form(db.session(), task)
        db.commit()
        abort(409, _("该任务的表单“%(form)s”尚未实现，流程已标记为出错，运维人员会处理。", form=task.form_key))
    return task


def _already_handled():
    return jsonify({"error": _("该任务已被处理"), "code": "already_handled"}), 409


@bp.get("/tasks/<int:task_id>")
@token_required(first_read=_read_task)
def get_task(task_id: int):
    task = _task_or_error(task_id)
    if task.state != "ready":
        return _already_handled()
    session = db.session()
    spec = tasks.spec_for(task)
    form = tasks.build_form(session, task)
    return jsonify({"task": task_json(task), "form": schema.form_schema(form),
                    "context": localized_tree(spec.context(session, task))})


class BadBody(Exception):
    """A body the API cannot read as the form: answered 422 with the problems by field."""

    def __init__(self, problems: dict):
        super().__init__(problems)
        self.problems = problems


def _flatten(key: str, value, pairs: list) -> None:
    """JSON → WTForms form data: lists of objects become ``key-0-field`` (FieldList) entries.
    Whatever does not fit is reported by ``schema.body_problems`` before the form is validated."""
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        for index, row in enumerate(value):
            for name, item in row.items() if isinstance(row, dict) else ():
                _flatten(f"{key}-{index}-{name}", item, pairs)
        return
    for item in value if isinstance(value, list) else [value]:
        pairs.append((key, "" if item is None else str(item)))


_FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")


def _json_body() -> dict:
    try:
        body = request.get_json()
    except (BadRequest, RecursionError) as exc:
        raise BadBody({schema.BODY: [_("请求正文不是有效的 JSON")]}) from exc
    if not isinstance(body, dict):
        raise BadBody({schema.BODY: [_("请求正文应为 JSON 对象")]})
    return body


def submitted_form(build):
    """The form ``build(formdata)`` makes of the request's body: a JSON object (checked against the
    form's schema: types, rows, unknown fields) or form data (multipart, with the files); any other
    body raises BadBody."""
    if request.is_json:
        body = _json_body()
        pairs: list = []
        for key, value in body.items():
            _flatten(key, value, pairs)
        form = build(MultiDict(pairs))
        problems = schema.body_problems(form, body)
        if problems:
            raise BadBody({name: [localized(m) for m in messages] for name, messages in problems.items()})
        return form
    if request.mimetype in _FORM_TYPES or not (request.mimetype or request.content_length):
        controls = {key.split("-")[0] for key, value in request.form.items(multi=True)
                    if schema.has_control_characters(value)}
        if controls:
            raise BadBody({name: [_("不能包含控制字符")] for name in sorted(controls)})
        return build(CombinedMultiDict((request.files, request.form)))
    raise BadBody({schema.BODY: [_("请求正文应为 JSON（application/json）或表单（multipart/form-data）")]})


def _bad_body(exc: BadBody):
    db.rollback()
    return jsonify({"errors": exc.problems}), 422


def _errors(form) -> dict:
    return {name: [localized(e) for e in _flat_errors(form[name], errs)] for name, errs in form.errors.items()}


def _flat_errors(field, errors):
    """FieldList errors are lists of dicts per row; give each message with its row and column."""
    for index, item in enumerate(errors if isinstance(errors, list) else [errors], start=1):
        if isinstance(item, dict):
            row = field.entries[index - 1].form
            for name, messages in item.items():
                for message in messages:
                    yield _("第 %(row)s 行 %(field)s：%(message)s",
                            row=index, field=row[name].label.text, message=message)
        else:
            yield item


@bp.post("/tasks/<int:task_id>")
@token_required(first_read=_read_task)
@idempotent
def complete_task(task_id: int):
    task = _task_or_error(task_id)
    if task.state == "suspended":
        return _halted()
    if task.state != "ready":
        return _already_handled()
    session = db.session()
    form = submitted_form(lambda formdata: tasks.build_form(session, task, formdata))
    if not form.validate():
        return jsonify({"errors": _errors(form)}), 422
    try:
        created = tasks.complete(session, task, g.api_user.id, form, db.file_store())
    except runtime.Halted:
        db.rollback()
        return _halted()
    except runtime.AlreadyHandled:
        db.rollback()
        return _already_handled()
    except InputError as exc:
        rollback_refused(exc)
        errors: dict = {}
        for name, message in exc.problems:
            errors.setdefault(name, []).append(localized(message))
        return jsonify({"errors": errors}), 422
    instance = task.instance
    answer = {"tasks": [task_json(t) for t in created],
              "instance": {"id": instance.id, "status": instance.status, "stage": instance.stage}}
    if instance.status == "error":  # the submission is kept; a later automatic step failed
        answer["message"] = _("您的提交已保存，但后续的自动处理出错，流程已暂停，运维人员会尽快处理。")
    return commit_answer(answer)  # with its Idempotency-Key record, in the same transaction


def _halted():
    return jsonify({"error": _("该流程已被运维人员挂起，暂时不能办理"), "code": "suspended"}), 409


@bp.post("/tasks/<int:task_id>/draft")
@token_required(first_read=_read_task)
def save_task_draft(task_id: int):
    """保存 through the API: keeps a draft, the task stays READY (only forms that keep drafts)."""
    task = _task_or_error(task_id)
    form = submitted_form(lambda formdata: tasks.build_form(db.session(), task, formdata))
    try:
        saved = tasks.save_draft(db.session(), task, g.api_user.id, form, db.file_store())
    except tasks.UnknownForm:
        abort(404, _("该任务不支持保存草稿"))
    except runtime.AlreadyHandled:
        return _already_handled()
    if not saved:
        return jsonify({"errors": _errors(form)}), 422
    db.commit()
    return jsonify({"task": task_json(task), "saved": True})


@bp.get("/enterprises")
@token_required
def search_enterprises():
    """参编单位 of 提交正式版: active enterprises whose name or credit code contains ``q`` (20 at most)."""
    if not g.api_user.role_set & {"institution", "office"}:
        abort(403, _("只有第三方技术机构和专项办可以查询企业"))
    query = clean_query(request.args.get("q"), 100)
    found = organizations.active_enterprises(db.session(), query)
    return jsonify({"enterprises": [{"id": o.id, "name": o.name} for o in found]})


@bp.get("/instances/<int:instance_id>")
@token_required
def get_instance(instance_id: int):
    session = db.session()
    instance = session.get(ProcessInstance, instance_id)
    if instance is None or not task_queries.may_view_instance(session, g.api_user, instance):
        abort(404, _("流程实例不存在"))
    task_rows = session.scalars(select(HumanTask).where(HumanTask.instance_id == instance.id)
                                .order_by(HumanTask.id)).all()
    events = session.scalars(select(ProcessEvent).where(ProcessEvent.instance_id == instance.id)
                             .order_by(ProcessEvent.sequence)).all()
    return jsonify({
        "id": instance.id, "process": instance.process_key, "subject": instance.subject,
        "business_key": instance.business_key, "status": instance.status,
        "stage": instance.stage, "stage_label": bpmn_text(instance.stage_label),
        "definition": {"key": instance.definition.key, "version": instance.definition.version},
        "created_at": instance.created_at.isoformat(),
        "completed_at": instance.completed_at.isoformat() if instance.completed_at else None,
        "tasks": [task_json(t) for t in task_rows],
        "events": [{"sequence": e.sequence, "kind": e.kind, "task": e.task_name,
                    "actor_id": e.actor_id, "summary": e.summary,
                    "at": e.created_at.isoformat()} for e in events],
    })


