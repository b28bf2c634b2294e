"""表单: the designer's forms — every form key (shipped in workflows/forms/, deployed, drafted), its versions
and drafts, and the form editor (form-js) with 保存, 检查 and 预览. Designers only; every save and
discard is in the design audit trail. A draft is deployed with the process draft that uses it."""
from __future__ import annotations

import json

from flask import Blueprint, Flask, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from engine import designs, form_definitions, form_designs
from forms import designed, designed_checks, tasks
from storage.models import FormDefinition, FormDraft, ProcessDefinition
from webapp import db
from webapp.design import _people, designer_only
from webapp.i18n import localized
from webapp.views_util import china_time

bp = Blueprint("design_forms", __name__, url_prefix="/design/forms")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _reserved_keys() -> set[str]:
    """The hand-written forms' keys: a designer's form may not take one."""
    return set(tasks.TASK_FORMS)


def _users_of(session) -> dict[str, list[ProcessDefinition]]:
    """Form key → the processes whose current version is bound to a version of it."""
    found: dict[str, list[ProcessDefinition]] = {}
    for process in designs.current_definitions(session):
        for key in (process.forms or {}):
            found.setdefault(key, []).append(process)
    return found


@bp.route("")
@designer_only
def index():
    session = db.session()
    return _index_page(session, {}, {})


def _index_page(session, values: dict, errors: dict, status: int = 200):
    shipped, deployed = designed.shipped_forms(), form_designs.current_versions(session)
    drafts = form_designs.open_drafts(session)
    users = _users_of(session)
    rows = []
    for key in sorted(set(shipped) | set(deployed) | {d.form_key for d in drafts}):
        current = deployed.get(key)
        schema = current.schema if current else shipped.get(key) or next(d.schema for d in drafts if d.form_key == key)
        rows.append({"key": key, "name": designed.title(schema, key), "current": current,
                     "drafts": sum(1 for d in drafts if d.form_key == key), "used_by": users.get(key, []),
                     "shipped": _shipped_status(shipped.get(key), current)})
    return render_template("design/forms/index.html", rows=rows, drafts=drafts, values=values, errors=errors,
                           people=_people(session, [r["current"] for r in rows if r["current"]], drafts)), status


def _shipped_status(shipped: dict | None, current: FormDefinition | None) -> str:
    if shipped is None:
        return "absent"
    return "same" if current is not None and shipped == current.schema else "differs"


@bp.route("/new", methods=["POST"])
@designer_only
def create():
    """新建表单: a new key (not a hand-written form's, not a form that exists) and its first draft."""
    session = db.session()
    values = {"key": request.form.get("key", "").strip(), "name": request.form.get("name", "").strip()}
    try:
        key = form_designs.checked_key(values["key"], _reserved_keys())
        if _known(session, key):
            raise designs.DraftRefused({"key": [_("表单“%(key)s”已存在：请打开它新建草稿", key=key)]})
        draft = form_designs.new_draft(session, key, current_user.id, title=values["name"])
    except designs.DraftRefused as refused:
        db.rollback()
        errors = {name: [localized(m) for m in messages] for name, messages in refused.errors.items()}
        return _index_page(session, values, errors, 422)
    db.commit()
    return redirect(url_for(".editor", key=key, draft_id=draft.id))


def _known(session, key: str) -> bool:
    deployed = select(FormDefinition.id).where(FormDefinition.key == key).limit(1)
    drafted = select(FormDraft.id).where(FormDraft.form_key == key).limit(1)
    return (key in designed.shipped_forms() or session.scalar(deployed) is not None
            or session.scalar(drafted) is not None)


def _known_key(key: str) -> str:
    if not form_designs.KEY_PATTERN.match(key) or not _known(db.session(), key):
        abort(404)
    return key


@bp.route("/<key>")
@designer_only
def form(key: str):
    session = db.session()
    _known_key(key)
    versions, drafts = form_definitions.versions(session, key), form_designs.open_drafts(session, key)
    trail = form_designs.trail(session, key)
    shipped = designed.shipped_forms().get(key)
    schema = versions[0].schema if versions else shipped or (drafts[0].schema if drafts else {})
    return render_template("design/forms/form.html", key=key, name=designed.title(schema, key),
                           versions=versions, drafts=drafts, trail=trail, used_by=_users_of(session).get(key, []),
                           shipped=shipped is not None,
                           people=_people(session, versions, drafts, trail))


@bp.route("/<key>/drafts", methods=["POST"])
@designer_only
def new_draft(key: str):
    """新建草稿: from the current deployed version, else the shipped file."""
    session = db.session()
    _known_key(key)
    base = None if form_definitions.current(session, key) else designed.shipped_forms().get(key)
    try:
        draft = form_designs.new_draft(session, key, current_user.id, schema=base)
    except designs.DraftRefused as refused:
        return _refused_redirect(refused, key)
    db.commit()
    return redirect(url_for(".editor", key=key, draft_id=draft.id))


@bp.route("/<key>/upload", methods=["POST"])
@designer_only
def upload(key: str):
    """上传表单文件: a .form file becomes a new draft of the form (the same checks as 保存)."""
    session = db.session()
    _known_key(key)
    uploaded = request.files.get("file")
    try:
        if uploaded is None or not uploaded.filename:
            raise designs.DraftRefused({"schema": [_("请选择表单文件（.form）")]})
        schema = form_designs.schema_from_file(uploaded.stream.read(form_designs.MAX_SCHEMA_BYTES + 1), key)
        draft = form_designs.new_draft(session, key, current_user.id, schema=schema, note=request.form.get("note"))
    except designs.DraftRefused as refused:
        return _refused_redirect(refused, key)
    db.commit()
    flash(_("已保存为表单草稿 #%(id)s", id=draft.id), "success")
    return redirect(url_for(".editor", key=key, draft_id=draft.id))


def _refused_redirect(refused: designs.DraftRefused, key: str):
    db.rollback()
    for messages in refused.errors.values():
        for message in messages:
            flash(localized(message), "danger")
    return redirect(url_for(".form", key=key))


def _draft(key: str, draft_id: int) -> FormDraft:
    draft = db.session().get(FormDraft, draft_id)
    if draft is None or draft.form_key != key:
        abort(404)
    return draft


@bp.route("/<key>/drafts/<int:draft_id>")
@designer_only
def editor(key: str, draft_id: int):
    draft = _draft(key, draft_id)
    if draft.state != "open":
        flash(_("这个表单草稿已部署或已放弃"), "warning")
        return redirect(url_for(".form", key=key))
    config = {"schema": draft.schema, "supportedTypes": list(designed.SUPPORTED_TYPES),
              "outcomeTypes": list(designed.OUTCOME_TYPES), "rowTypes": list(designed.ROW_TYPES),
              "maxFileMb": designed_checks.MAX_FILE_MB,
              "dictionaries": _choices(designed.DICTIONARIES), "contextKeys": _choices(designed.CONTEXT_KEYS)}
    return render_template("design/forms/editor.html", key=key, draft=draft,
                           name=designed.title(draft.schema, key), config=config,
                           save_url=url_for(".save", key=key, draft_id=draft.id),
                           check_url=url_for(".check", key=key), preview_url=url_for(".preview", key=key),
                           discard_url=url_for(".discard", key=key, draft_id=draft.id),
                           back_url=url_for(".form", key=key))


def _choices(labels: dict) -> list[dict]:
    return [{"value": name, "label": str(localized(label))} for name, label in labels.items()]


def _json_body() -> dict:
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # nesting deeper than the JSON parser goes: as unreadable as bad JSON
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("note", ""), str):
        raise designs.DraftRefused({"schema": [_("请求正文应为 JSON 对象：{\"schema\": {…}, \"note\": \"…\"}")]})
    return body


def _refused_json(refused: designs.DraftRefused):
    db.rollback()
    return jsonify(errors={name: [localized(m) for m in messages] for name, messages in refused.errors.items()}), 422


def _problems_json(schema: dict) -> list[dict]:
    return [{"component_id": p.component_id, "key": p.key, "message": localized(p.message)}
            for p in designed.problems(schema)]


@bp.route("/<key>/drafts/<int:draft_id>", methods=["POST"])
@designer_only
def save(key: str, draft_id: int):
    """保存 (JSON): {schema, note, revision} → {revision, saved_at, problems}; a stale revision is refused."""
    _draft(key, draft_id)
    try:
        body = _json_body()
        revision = body.get("revision")
        if not isinstance(revision, int) or isinstance(revision, bool):
            raise designs.DraftRefused({"schema": [_("请求应给出打开时的草稿版本（revision）")]})
        draft = form_designs.save_draft(db.session(), draft_id, body.get("schema"), revision, body.get("note"),
                                        current_user.id)
    except designs.DraftRefused as refused:
        return _refused_json(refused)
    problems = _problems_json(draft.schema)
    db.commit()
    return jsonify(draft_id=draft.id, revision=draft.revision, saved_at=china_time(draft.updated_at),
                   problems=problems)


def _checked_body_schema(key: str) -> dict:
    return form_designs.checked_schema(_json_body().get("schema"), key)


@bp.route("/<key>/check", methods=["POST"])
@designer_only
def check(key: str):
    """检查 (JSON): {schema} → {problems: [{component_id, key, message}]}; nothing is stored."""
    _known_key(key)
    try:
        schema = _checked_body_schema(key)
    except designs.DraftRefused as refused:
        return _refused_json(refused)
    return jsonify(problems=_problems_json(schema))


@bp.route("/<key>/preview", methods=["POST"])
@designer_only
def preview(key: str):
    """预览 (JSON): {schema} → {html, problems}: the form as the task page renders it; a form the
    builder cannot read yet → 422 with its problems."""
    _known_key(key)
    try:
        schema = _checked_body_schema(key)
    except designs.DraftRefused as refused:
        return _refused_json(refused)
    problems = _problems_json(schema)
    try:
        html = str(designed.preview_html(schema))
    except Exception:  # noqa: BLE001 — the builder assumes a sound form: an unsound one may fail anywhere in it
        if not problems:
            raise
        return jsonify(errors={"schema": [_("表单有问题，改正检查出的问题后才能预览")]}, problems=problems), 422
    return jsonify(html=html, problems=problems)


@bp.route("/<key>/drafts/<int:draft_id>/discard", methods=["POST"])
@designer_only
def discard(key: str, draft_id: int):
    _draft(key, draft_id)
    try:
        form_designs.discard(db.session(), draft_id, current_user.id)
    except designs.DraftRefused:
        db.rollback()
        flash(_("这个表单草稿已部署或已放弃"), "warning")
        return redirect(url_for(".form", key=key))
    db.commit()
    flash(_("表单草稿 #%(id)s 已放弃", id=draft_id), "success")
    return redirect(url_for(".form", key=key))


@bp.route("/<key>/versions/<int:version>.form")
@designer_only
def export(key: str, version: int):
    """导出: a deployed version's schema as a .form file (JSON), as shipped forms are kept."""
    found = db.session().scalars(select(FormDefinition).where(FormDefinition.key == key,
                                                              FormDefinition.version == version)).first()
    if found is None:
        abort(404)
    response = Response(json.dumps(found.schema, ensure_ascii=False, indent=2) + "\n", mimetype="application/json")
    response.headers.set("Content-Disposition", "attachment", filename=f"{key}-v{version}.form")
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response
