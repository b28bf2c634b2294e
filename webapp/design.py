"""流程设计: the designer's workspace — processes and versions, drafts edited in the modeler, 比较,
场景测试, 部署 and 设为当前版本. Designers only; every change is in the design audit trail."""
from __future__ import annotations

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from engine import bpmn, bpmn_diff, definitions, designs
from engine.domain import operations
from forms import workspace
from storage.models import ProcessDefinition, ProcessDraft, User
from webapp import db
from webapp.auth import roles_required
from webapp.cli import designer_folder, shipped_by_key
from webapp.i18n import localized
from webapp.views_util import china_time, json_object

bp = Blueprint("design", __name__, url_prefix="/design")
designer_only = roles_required("designer")
ACTION_LABELS = {"draft_saved": _l("保存草稿"), "draft_discarded": _l("放弃草稿"), "deployed": _l("部署"),
                 "made_current": _l("设为当前版本"), "rebound": _l("重新绑定被调用流程"),
                 "scenarios_saved": _l("修改场景"), "dry_run": _l("试运行"),
                 "form_saved": _l("保存表单草稿"), "form_discarded": _l("放弃表单草稿")}
SHIPPED_LABELS = {"same": _l("与文件一致"), "differs": _l("文件已不同"), "absent": _l("无文件")}


def init_app(app: Flask) -> None:
    from webapp import design_dryrun  # noqa: F401 — its routes are on this blueprint

    app.register_blueprint(bp)
    app.jinja_env.globals["design_action_label"] = lambda action: ACTION_LABELS.get(action, action)
    app.jinja_env.globals["shipped_label"] = lambda status: SHIPPED_LABELS.get(status, status)


def _draft(draft_id: int) -> ProcessDraft:
    draft = db.session().get(ProcessDraft, draft_id)
    if draft is None:
        abort(404)
    return draft


def _definition(definition_id: int) -> ProcessDefinition:
    definition = db.session().get(ProcessDefinition, definition_id)
    if definition is None:
        abort(404)
    return definition


def _known_key(process_key: str) -> str:
    if definitions.current(db.session(), process_key) is None:
        abort(404)
    return process_key


@bp.route("/")
@designer_only
def index():
    session = db.session()
    rows, drafts, trail = workspace_rows(session), designs.open_drafts(session), designs.trail(session, limit=20)
    return render_template("design/index.html", rows=rows, drafts=drafts, trail=trail,
                           people=_people(session, [row["definition"] for row in rows], drafts, trail))


def workspace_rows(session) -> list[dict]:
    """One row per process: its current version, instance counts, drafts, and the shipped file's status."""
    shipped = shipped_by_key()
    current = designs.current_definitions(session)
    counts = designs.instance_counts(session, [d.id for d in current])
    drafts = designs.open_drafts(session)
    return [{"definition": d, "name": operations.definition_name(session, d),
             "running": counts.get(d.id, (0, 0))[0], "finished": counts.get(d.id, (0, 0))[1],
             "drafts": sum(1 for draft in drafts if draft.process_key == d.key),
             "shipped": _shipped_status(shipped.get(d.key), d)} for d in current]


def _shipped_status(shipped: str | None, definition: ProcessDefinition) -> str:
    if shipped is None:
        return "absent"
    return "same" if shipped == definition.bpmn_xml else "differs"


def _people(session, *groups) -> dict[int, str]:
    """User id → e-mail of everyone the rows name (deployed by, saved by, acted)."""
    ids = {getattr(row, name, None) for rows in groups for row in rows
           for name in ("deployed_by_id", "updated_by_id", "actor_id")} - {None}
    if not ids:
        return {}
    return {row[0]: row[1] for row in session.execute(select(User.id, User.email).where(User.id.in_(ids)))}


@bp.route("/processes/<process_key>")
@designer_only
def process(process_key: str):
    session = db.session()
    current = definitions.current(session, _known_key(process_key))
    versions, drafts = designs.versions(session, process_key), designs.open_drafts(session, process_key)
    trail = designs.trail(session, process_key)
    return render_template("design/process.html", key=process_key, current=current,
                           name=operations.definition_name(session, current), versions=versions, drafts=drafts,
                           trail=trail, people=_people(session, [v.definition for v in versions], drafts, trail),
                           scenario_files=workspace.scenario_names(session, process_key, _scenario_root()))


# --- the modeler ------------------------------------------------------------------------------

def _modeler(process_key: str, draft: ProcessDraft | None):
    session = db.session()
    current = definitions.current(session, process_key)
    return render_template(
        "design/modeler.html", process_key=process_key, process_name=operations.definition_name(session, current),
        draft=draft, note=draft.note if draft else "", revision=draft.revision if draft else "",
        xml_url=url_for("design.draft_xml", draft_id=draft.id) if draft
        else url_for("design.definition_xml", definition_id=current.id),
        save_url=url_for("design.save_draft", draft_id=draft.id) if draft
        else url_for("design.save_new_draft", process_key=process_key),
        validate_url=url_for("design.validate", process_key=process_key),
        compare_url=url_for("design.compare_draft", draft_id=draft.id) if draft else None,
        scenarios_url=url_for("design.draft_scenarios", draft_id=draft.id) if draft else None,
        back_url=url_for("design.process", process_key=process_key),
        catalogue=workspace.modeler_catalogue(session))


@bp.route("/processes/<process_key>/new")
@designer_only
def new_draft(process_key: str):
    return _modeler(_known_key(process_key), None)


@bp.route("/drafts/<int:draft_id>/edit")
@designer_only
def edit_draft(draft_id: int):
    draft = _draft(draft_id)
    if draft.state != "open":
        flash(_("这个草稿已部署或已放弃"), "warning")
        return redirect(url_for("design.process", process_key=draft.process_key))
    return _modeler(draft.process_key, draft)


def _xml_response(text: str, filename: str) -> Response:
    response = Response(text, mimetype="application/xml")
    response.headers.set("Content-Disposition", "attachment", filename=filename)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/drafts/<int:draft_id>/bpmn")
@designer_only
def draft_xml(draft_id: int):
    draft = _draft(draft_id)
    return _xml_response(draft.bpmn_xml, f"{draft.process_key}-draft-{draft.id}.bpmn")


@bp.route("/definitions/<int:definition_id>/bpmn")
@designer_only
def definition_xml(definition_id: int):
    definition = _definition(definition_id)
    return _xml_response(definition.bpmn_xml, f"{definition.key}-v{definition.version}.bpmn")


def _json_xml_and_note() -> tuple[str, str]:
    body = json_object()
    if body is None or not isinstance(body.get("xml"), str) \
            or not isinstance(body.get("note", ""), str):
        raise designs.DraftRefused({"xml": [_("请求正文应为 JSON 对象：{\"xml\": \"…\", \"note\": \"…\"}")]})
    return body["xml"], body.get("note", "")


def _json_revision() -> int | None:
    """The draft revision the editor opened (absent: no check, the API's last save wins)."""
    revision = (json_object() or {}).get("revision")
    return revision if isinstance(revision, int) and not isinstance(revision, bool) else None


def _refused_json(refused: designs.DraftRefused):
    db.rollback()
    return jsonify(errors={name: [localized(m) for m in messages] for name, messages in refused.errors.items()}), 422


def _problems_json(problems) -> list[dict]:
    return [{"element_id": p.element_id, "where": p.where, "message": localized(p.message)} for p in problems]


def _save(process_key: str, draft: ProcessDraft | None):
    session = db.session()
    try:
        xml, note = _json_xml_and_note()
        initial = workspace.initial_scenarios(session, process_key, _scenario_root()) if draft is None else None
        draft = designs.save_draft(session, process_key, xml, note, current_user.id, draft, initial,
                                   revision=_json_revision())
    except designs.DraftRefused as refused:
        return _refused_json(refused)
    found = workspace.problems(session, process_key, draft.bpmn_xml)
    db.commit()
    return jsonify(draft_id=draft.id, edit_url=url_for("design.edit_draft", draft_id=draft.id),
                   save_url=url_for("design.save_draft", draft_id=draft.id), revision=draft.revision,
                   compare_url=url_for("design.compare_draft", draft_id=draft.id),
                   scenarios_url=url_for("design.draft_scenarios", draft_id=draft.id),
                   saved_at=china_time(draft.updated_at), problems=_problems_json(found))


@bp.route("/processes/<process_key>/drafts", methods=["POST"])
@designer_only
def save_new_draft(process_key: str):
    return _save(_known_key(process_key), None)


@bp.route("/drafts/<int:draft_id>", methods=["POST"])
@designer_only
def save_draft(draft_id: int):
    draft = _draft(draft_id)
    return _save(draft.process_key, draft)


@bp.route("/processes/<process_key>/validate", methods=["POST"])
@designer_only
def validate(process_key: str):
    _known_key(process_key)
    try:
        xml, _note = _json_xml_and_note()
        text = designs.checked_document(process_key, xml)
    except designs.DraftRefused as refused:
        return _refused_json(refused)
    return jsonify(problems=_problems_json(workspace.problems(db.session(), process_key, text)))


@bp.route("/processes/<process_key>/upload", methods=["POST"])
@designer_only
def upload(process_key: str):
    """上传 BPMN 文件: a file from the designer's own tool becomes a draft (the same checks as 保存)."""
    _known_key(process_key)
    uploaded = request.files.get("file")
    try:
        if uploaded is None or not uploaded.filename:
            raise designs.DraftRefused({"xml": [_("请选择 BPMN 文件")]})
        data = uploaded.stream.read(bpmn.MAX_BPMN_BYTES + 1)
        draft = designs.save_draft(db.session(), process_key, data, request.form.get("note"), current_user.id,
                                   scenarios=workspace.initial_scenarios(db.session(), process_key, _scenario_root()))
    except designs.DraftRefused as refused:
        db.rollback()
        for messages in refused.errors.values():
            for message in messages:
                flash(localized(message), "danger")
        return redirect(url_for("design.process", process_key=process_key))
    db.commit()
    flash(_("已保存为草稿 #%(id)s", id=draft.id), "success")
    return redirect(url_for("design.edit_draft", draft_id=draft.id))


@bp.route("/drafts/<int:draft_id>/discard", methods=["POST"])
@designer_only
def discard(draft_id: int):
    draft = _draft(draft_id)
    try:
        designs.discard(db.session(), draft, current_user.id)
    except designs.DraftRefused:
        db.rollback()
        flash(_("这个草稿已部署或已放弃"), "warning")
        return redirect(url_for("design.process", process_key=draft.process_key))
    db.commit()
    flash(_("草稿 #%(id)s 已放弃", id=draft.id), "success")
    return redirect(url_for("design.process", process_key=draft.process_key))


# --- 比较 -------------------------------------------------------------------------------------

@bp.route("/drafts/<int:draft_id>/compare")
@designer_only
def compare_draft(draft_id: int):
    draft = _draft(draft_id)
    base = definitions.current(db.session(), draft.process_key)
    return _compare_page(draft.process_key, base.bpmn_xml, draft.bpmn_xml,
                         url_for("design.definition_xml", definition_id=base.id),
                         url_for("design.draft_xml", draft_id=draft.id),
                         _("当前版本 v%(version)s", version=base.version), _("草稿 #%(id)s", id=draft.id))


@bp.route("/processes/<process_key>/compare")
@designer_only
def compare_versions(process_key: str):
    session = db.session()
    current = definitions.current(session, _known_key(process_key))
    old = _version(process_key, request.args.get("from"), None)
    new = _version(process_key, request.args.get("to"), current)
    if old is None:
        old = _previous(process_key, new) or new
    return _compare_page(process_key, old.bpmn_xml, new.bpmn_xml,
                         url_for("design.definition_xml", definition_id=old.id),
                         url_for("design.definition_xml", definition_id=new.id),
                         _("版本 v%(version)s", version=old.version), _("版本 v%(version)s", version=new.version),
                         picked=(old.version, new.version))


def _version(process_key: str, text: str | None, default):
    if text is None or text == "":
        return default
    if not text.isdigit() or len(text) > 9:
        abort(404)
    found = db.session().scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == process_key, ProcessDefinition.version == int(text))).first()
    if found is None:
        abort(404)
    return found


def _previous(process_key: str, definition: ProcessDefinition):
    return db.session().scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == process_key, ProcessDefinition.version < definition.version)
        .order_by(ProcessDefinition.version.desc())).first()


def _compare_page(process_key, old_xml, new_xml, old_url, new_url, old_title, new_title, picked=(None, None)):
    return render_template("design/compare.html", key=process_key, diff=bpmn_diff.diff(old_xml, new_xml),
                           old_url=old_url, new_url=new_url, old_title=old_title, new_title=new_title,
                           versions=designs.versions(db.session(), process_key), picked=picked)


# --- 场景测试, 部署, 设为当前版本 ------------------------------------------------------------------

@bp.route("/drafts/<int:draft_id>/scenarios")
@designer_only
def draft_scenarios(draft_id: int):
    draft = _draft(draft_id)
    checked = workspace.check(db.session(), draft.process_key, draft.bpmn_xml, draft.scenarios, _scenario_root())
    return render_template("design/check.html", key=draft.process_key, draft=draft, definition=None,
                           checked=checked, diff=_diff_against_current(draft.process_key, draft.bpmn_xml),
                           action=None)


@bp.route("/drafts/<int:draft_id>/deploy", methods=["GET", "POST"])
@designer_only
def deploy(draft_id: int):
    draft = _draft(draft_id)
    session = db.session()
    if draft.state != "open":
        flash(_("这个草稿已部署或已放弃"), "warning")
        return redirect(url_for("design.process", process_key=draft.process_key))
    if request.method == "POST":
        try:
            definition = designs.deploy_draft(session, draft, current_user.id, request.form.get("note"),
                                              workspace.deploy_check(session, _scenario_root(), current_user.id))
        except (workspace.DeployRefused, designs.DraftRefused) as refused:
            db.rollback()
            return _refused_page(refused, draft=_draft(draft_id))
        db.commit()
        flash(_("已部署 %(key)s v%(version)s：新启动的实例使用这个版本，运行中的实例继续使用原版本",
                key=definition.key, version=definition.version), "success")
        return redirect(url_for("design.process", process_key=draft.process_key))
    checked = workspace.check(session, draft.process_key, draft.bpmn_xml, draft.scenarios, _scenario_root())
    return render_template("design/check.html", key=draft.process_key, draft=draft, definition=None,
                           checked=checked, diff=_diff_against_current(draft.process_key, draft.bpmn_xml),
                           action=url_for("design.deploy", draft_id=draft.id))


@bp.route("/definitions/<int:definition_id>/make-current", methods=["GET", "POST"])
@designer_only
def make_current(definition_id: int):
    definition = _definition(definition_id)
    session = db.session()
    if definition.is_current:
        flash(_("v%(version)s 已是当前版本", version=definition.version), "info")
        return redirect(url_for("design.process", process_key=definition.key))
    if request.method == "POST":
        try:
            designs.make_current_again(session, definition, current_user.id, request.form.get("note"),
                                       workspace.deploy_check(session, _scenario_root()))
        except (workspace.DeployRefused, designs.DraftRefused) as refused:
            db.rollback()
            return _refused_page(refused, definition=_definition(definition_id))
        db.commit()
        flash(_("v%(version)s 已设为当前版本：新启动的实例使用这个版本", version=definition.version), "success")
        return redirect(url_for("design.process", process_key=definition.key))
    checked = workspace.check(session, definition.key, definition.bpmn_xml, definition.scenarios, _scenario_root())
    return render_template("design/check.html", key=definition.key, draft=None, definition=definition,
                           checked=checked, diff=_diff_against_current(definition.key, definition.bpmn_xml),
                           action=url_for("design.make_current", definition_id=definition.id))


def _refused_page(refused, draft=None, definition=None):
    key = draft.process_key if draft else definition.key
    if isinstance(refused, designs.DraftRefused):
        for messages in refused.errors.values():
            for message in messages:
                flash(localized(message), "danger")
        return redirect(url_for("design.process", process_key=key))
    flash(_("没有部署：检查未通过（见下方的问题和未通过的场景）"), "danger")
    checked = workspace.Checked(refused.problems, refused.failed)
    xml = draft.bpmn_xml if draft else definition.bpmn_xml
    return render_template("design/check.html", key=key, draft=draft, definition=definition, checked=checked,
                           diff=_diff_against_current(key, xml), action=None), 422


def _diff_against_current(process_key: str, xml: str):
    current = definitions.current(db.session(), process_key)
    return bpmn_diff.diff(current.bpmn_xml, xml)


_scenario_root = designer_folder  # where the designer's scenarios/ sit beside the shipped ones


# --- a draft's scenarios, edited in the browser -------------------------------------------------

@bp.route("/drafts/<int:draft_id>/scenarios/edit", methods=["GET", "POST"])
@designer_only
def edit_scenarios(draft_id: int):
    draft = _draft(draft_id)
    if draft.state != "open":
        flash(_("这个草稿已部署或已放弃"), "warning")
        return redirect(url_for("design.process", process_key=draft.process_key))
    texts, errors = dict(draft.scenarios or {}), {}
    if request.method == "POST":
        texts, errors = workspace.submitted_scenarios(request.form)
        if not errors:
            try:
                designs.save_scenarios(db.session(), draft, texts, current_user.id, workspace.scenario_problems)
            except designs.DraftRefused as refused:
                db.rollback()
                errors = {name: [localized(m) for m in messages] for name, messages in refused.errors.items()}
            else:
                db.commit()
                flash(_("场景已保存"), "success")
                return redirect(url_for("design.draft_scenarios", draft_id=draft.id))
    return render_template("design/scenarios_edit.html", draft=draft, texts=texts, errors=errors,
                           new_name=request.form.get("new_name", ""), new_text=request.form.get("new_text", ""))
