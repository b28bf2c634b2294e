"""修订意见 during 公示: filing one, and the list the office and the plan's institution see."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from engine.domain import publicity
from engine.domain.errors import InputError
from forms.publicity import CommentForm
from storage.models import Plan
from webapp import db
from webapp.auth import roles_required
from webapp.views_util import Pager

bp = Blueprint("publicity", __name__)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _plan(plan_id: int) -> Plan:
    plan = db.session().get(Plan, plan_id)
    if plan is None or plan.publicity_round == 0:
        abort(404)  # nothing of a plan is public before its publicity starts
    return plan


@bp.route("/plans/<int:plan_id>/comment", methods=["GET", "POST"])
@roles_required("enterprise", "institution")
def comment(plan_id: int):
    session = db.session()
    plan = _plan(plan_id)
    refusal = publicity.comment_refusal(session, current_user.row, plan)
    form = CommentForm(CombinedMultiDict((request.files, request.form)) if request.method == "POST" else None)
    if request.method == "POST" and not refusal and form.validate():
        upload = form.attachment.upload
        attachment = db.file_store().save(session, upload[0], upload[1], "application/pdf",
                                          current_user.id) if upload else None
        try:
            publicity.file_comment(session, current_user.row, plan.id, form.text.data.strip(), attachment)
        except InputError as exc:
            db.rollback()
            form.text.errors = [*form.text.errors, exc.message]
        else:
            db.commit()
            flash(_("修订意见已提交，专项办将在公示结束后统一处理"), "success")
            return redirect(url_for("publicity.comment", plan_id=plan.id))
    mine = [c for c in publicity.comments(session, plan) if c.organization_id == current_user.organization_id]
    status = 422 if request.method == "POST" else 200
    return render_template("publicity/comment.html", plan=plan, form=form, refusal=refusal, mine=mine), status


@bp.route("/plans/<int:plan_id>/comments")
@roles_required("office", "institution", "enterprise")
def comments(plan_id: int):
    """Every round's 修订意见 with their resolution: for the office and the plan's own drafting organisation
    (an institution, or an enterprise that drafts its own plans)."""
    session = db.session()
    plan = _plan(plan_id)
    if not current_user.has_role("office") and plan.organization_id != current_user.organization_id:
        abort(403)
    rows = publicity.comments(session, plan, current_round_only=False)
    return render_template("publicity/comments.html", plan=plan, rows=rows, resolutions=publicity.RESOLUTIONS)


@bp.route("/my/comments")
@roles_required("enterprise", "institution")
def my_comments():
    """对标标准 → 修订意见: the 修订意见 this organisation filed and how the office answered."""
    pager = Pager(lambda page, per_page: publicity.comments_by(db.session(), current_user.organization_id, page,
                                                               per_page))
    return render_template("publicity/mine.html", rows=pager.items, pager=pager,
                           resolutions=publicity.RESOLUTIONS)
