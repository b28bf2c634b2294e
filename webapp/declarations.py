"""我要对标 (an enterprise's self-declarations) and the public 对标结果 they appear in."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from engine import inbox as task_queries
from engine.domain import declarations
from engine.domain.errors import InputError
from engine.domain.keys import clean_query
from engine.text import localized
from forms.declaration_tasks import describe
from forms.declarations import DeclarationForm
from storage.models import Declaration
from webapp import db
from webapp.auth import roles_required
from webapp.views_util import Pager, show_at_fields
from webapp.views_util import withdraw as withdraw_submission

bp = Blueprint("declarations", __name__)
PER_PAGE = 20


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/declarations/")
def index():
    """对标结果: published and confirmed self-declarations, searched by ``q``."""
    query = clean_query(request.args.get("q"), declarations.MAX_QUERY)
    pager = Pager(lambda page, per_page: declarations.public_list(db.session(), query, page, per_page), PER_PAGE)
    return render_template("declarations/list.html", rows=pager.items, q=query, pager=pager)


@bp.route("/declarations/<int:declaration_id>")
def detail(declaration_id: int):
    """One self-declaration; a taken-down one shows the notice and the public reason; a withdrawn one
    exists for its own enterprise only."""
    viewer = current_user.organization_id if current_user.is_authenticated else None
    declaration = declarations.shown(db.session(), declaration_id, viewer)
    if declaration is None:
        abort(404)
    return render_template("declarations/detail.html", d=describe(declaration))


@bp.route("/my/declarations")
@roles_required("enterprise")
def mine():
    """我要对标: this enterprise's declarations; 当前状态 is the process stage."""
    pager = Pager(lambda page, per_page: declarations.of_enterprise(
        db.session(), current_user.organization_id, page, per_page), PER_PAGE)
    return render_template("declarations/mine.html", rows=pager.items, pager=pager)


@bp.route("/my/declarations/new", methods=["GET", "POST"])
@roles_required("enterprise")
def new():
    """新增自我声明: stored, started and published in one transaction."""
    if declarations.refusal(current_user.row):
        abort(403)
    posted = request.method == "POST"
    form = DeclarationForm(CombinedMultiDict((request.files, request.form)) if posted else None)
    if posted and form.validate():
        session = db.session()
        upload = form.attachment.upload
        attachment = db.file_store().save(session, upload[0], upload[1], "application/pdf",
                                          current_user.id) if upload else None
        try:
            declarations.declare(session, current_user.row, form.draft(attachment))
        except InputError as exc:
            db.rollback()
            show_at_fields(form, exc)
        else:
            db.commit()
            flash(_("自我声明已发布，专项办将进行核查"), "success")
            return redirect(url_for("declarations.mine"))
    return render_template("declarations/new.html", form=form), (422 if posted else 200)


@bp.route("/my/declarations/<int:declaration_id>/withdraw", methods=["POST"])
@roles_required("enterprise")
def withdraw(declaration_id: int):
    """撤回 a declaration the office has not checked yet: out of 对标结果, the 核查 task closed."""
    session = db.session()
    declaration = session.get(Declaration, declaration_id)
    if declaration is None or declaration.enterprise_id != current_user.organization_id:
        abort(404)
    problem = declarations.withdrawal_refusal(session, declaration)
    if problem:
        flash(localized(problem), "warning")
    else:
        withdraw_submission(
        task_queries.withdrawable(session, instance_ids=[declaration.instance_id]),
        refused=_("专项办已核查该自我声明，无法撤回"),
                            done=_("自我声明已撤回，已不在对标结果中显示"))
    return redirect(url_for("declarations.mine"))
