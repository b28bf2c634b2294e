"""系统管理 → 数据字典 (programme office): the option lists the forms offer. The office adds entries,
renames and reorders them and 停用 / 启用 them (codes never change, nothing is deleted), each change
audited; GB/T 2260 regions and GB/T 4754 industries are shipped data, shown read-only."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from engine.domain import dictionaries
from engine.domain.dictionaries import DictionaryError
from forms import dictionary_lists, industries, regions
from forms.dictionary_forms import EntryAddForm, EntryEditForm
from webapp import code_names, db
from webapp.auth import roles_required

bp = Blueprint("dictionaries", __name__, url_prefix="/office/dictionaries")
SHIPPED = {"regions": _l("行政区划（GB/T 2260）"), "industries": _l("国民经济行业分类（GB/T 4754）")}


def init_app(app: Flask) -> None:
    dictionary_lists.use_session(db.session)  # the forms read the lists through the request's session
    app.register_blueprint(bp)


@bp.route("/")
@roles_required("office")
def index():
    session = db.session()
    lists = [(key, name, dictionaries.entries(session, key)) for key, name in dictionaries.DICTIONARIES.items()]
    return render_template("dictionaries/index.html", lists=lists, shipped=SHIPPED)


@bp.route("/shipped/<name>")
@roles_required("office")
def shipped(name: str):
    if name not in SHIPPED:
        abort(404)
    english = code_names.english()
    if name == "industries":
        rows = industries.entries(english=english)
    else:
        rows = [(p["code"], p["name"]) for p in regions.provinces(english=english)]
        rows += [(c["code"], regions.label(p["code"], c["code"], english=english))
                 for p in regions.provinces() for c in regions.cities(p["code"])]
    return render_template("dictionaries/shipped.html", title=SHIPPED[name], rows=rows)


@bp.route("/<key>")
@roles_required("office")
def entries(key: str):
    return _page(_known(key))


def _known(key: str) -> str:
    if key not in dictionaries.DICTIONARIES:
        abort(404)
    return key


def _page(key: str, add_form: EntryAddForm | None = None, failed: tuple[str, EntryEditForm] | None = None,
          status: int = 200):
    session = db.session()
    rows = dictionaries.entries(session, key)
    forms = {row.code: EntryEditForm(data={"label": row.label, "position": row.position}) for row in rows}
    if failed is not None:
        forms[failed[0]] = failed[1]
    return render_template("dictionaries/entries.html", key=key, name=dictionaries.DICTIONARIES[key], rows=rows,
                           forms=forms, add_form=add_form or EntryAddForm(),
                           changes=dictionaries.changes(session, key)), status


@bp.route("/<key>/entries", methods=["POST"])
@roles_required("office")
def add(key: str):
    key, form = _known(key), EntryAddForm(request.form)
    if form.validate() and _saved(form, dictionaries.add_entry, key, form.code.data, form.label.data):
        flash(_("已新增选项"), "success")
        return redirect(url_for("dictionaries.entries", key=key))
    return _page(key, add_form=form, status=422)


@bp.route("/<key>/entries/<code>", methods=["POST"])
@roles_required("office")
def edit(key: str, code: str):
    key, form = _known(key), EntryEditForm(request.form)
    _entry(key, code)
    if form.validate() and _saved(form, dictionaries.edit_entry, key, code, form.label.data, form.position.data):
        flash(_("已保存"), "success")
        return redirect(url_for("dictionaries.entries", key=key))
    return _page(key, failed=(code, form), status=422)


@bp.route("/<key>/entries/<code>/state", methods=["POST"])
@roles_required("office")
def state(key: str, code: str):
    key = _known(key)
    _entry(key, code)
    if request.form.get("enabled") not in ("0", "1"):
        abort(400)
    enabled = request.form.get("enabled") == "1"
    try:
        dictionaries.set_enabled(db.session(), current_user.row, key, code, enabled)
    except DictionaryError as exc:
        db.rollback()
        flash(exc.message, "warning")
        return redirect(url_for("dictionaries.entries", key=key))
    db.commit()
    flash(_("已启用") if enabled else _("已停用：新填报时不再提供此选项，已有记录仍显示其名称"), "success")
    return redirect(url_for("dictionaries.entries", key=key))


def _entry(key: str, code: str) -> None:
    if code not in dictionaries.codes(db.session(), key):
        abort(404)


def _saved(form, change, key: str, *args) -> bool:
    try:
        change(db.session(), current_user.row, key, *args)
    except DictionaryError as exc:
        db.rollback()
        form[exc.field].errors.append(exc.message)
        return False
    db.commit()
    return True
