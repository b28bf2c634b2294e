"""试点管理 (the office) beyond 发布: 编辑 a published recruitment, 结束招募, and 报名情况 per pilot.

Registered by ``webapp.pilots.init_app``; the list (试点管理) and 新增试点招募 stay in webapp/pilots.py."""
from __future__ import annotations

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict

from engine.domain import pilots
from engine.domain.errors import InputError
from forms.pilots import PilotEditForm
from storage.models import Pilot
from webapp import db, office_lists, records
from webapp.auth import roles_required
from webapp.i18n import localized
from webapp.views_util import show_at_fields

bp = Blueprint("pilots_office", __name__, url_prefix="/office/pilots")
PER_PAGE = 20


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def _pilot(pilot_id: int) -> Pilot:
    pilot = db.session().get(Pilot, pilot_id)
    if pilot is None:
        abort(404)
    return pilot


@bp.route("/<int:pilot_id>/edit", methods=["GET", "POST"])
@roles_required("office")
def edit(pilot_id: int):
    """编辑: the fields of 发布, validated the same way; 招募类型 locked once anyone enrolled."""
    pilot = _pilot(pilot_id)
    posted = request.method == "POST"
    form = PilotEditForm(CombinedMultiDict((request.files, request.form)) if posted else None, pilot=pilot)
    if posted and form.validate() and _save(form, pilot):
        return redirect(url_for("pilots.manage"))
    enrolled = pilots.enrollment_count(db.session(), pilot.id)
    return render_template("pilots/edit.html", form=form, pilot=pilot, enrolled=enrolled), (422 if posted else 200)


def _save(form: PilotEditForm, pilot: Pilot) -> bool:
    """Store the new attachments and the edit in one transaction; False: the refusals are at the fields."""
    session = db.session()
    store = db.file_store()
    files = [store.save(session, data, name, "application/pdf", current_user.id)
             for data, name in form.attachments.uploads]
    try:
        pilots.update_pilot(session, current_user.row, pilot, form.pilot_fields(), files,
                            form.remove_files.data or [])
    except InputError as exc:
        db.rollback()
        show_at_fields(form, exc)
        return False
    except pilots.PilotRefused:
        db.rollback()
        abort(403)
    db.commit()
    flash(_("“%(title)s”已更新", title=pilot.title), "success")
    return True


@bp.route("/<int:pilot_id>/close", methods=["POST"])
@roles_required("office")
def close(pilot_id: int):
    """结束招募 now (the list asks for confirmation first); refused when it has already ended."""
    pilot = _pilot(pilot_id)
    try:
        pilots.close_pilot(db.session(), current_user.row, pilot)
    except pilots.PilotRefused as exc:
        db.rollback()
        flash(localized(exc.message), "warning")
    else:
        db.commit()
        flash(_("“%(title)s”已结束招募，不再接受新的报名", title=pilot.title), "success")
    return redirect(url_for("pilots.manage", page=request.args.get("page", type=int)))


@bp.route("/<int:pilot_id>/enrollments")
@roles_required("office")
def enrollments(pilot_id: int):
    """报名情况: the organisations enrolled, when they (last) submitted, where each enrolment stands and the
    office's open task; searched, filtered, sorted, exportable as 报名记录 is (webapp.office_lists)."""
    pilot = _pilot(pilot_id)
    counts = pilots.enrollment_counts(db.session(), [pilot.id]).get(pilot.id, pilots.EnrollmentCounts())
    return records.render_list(office_lists.enrollments(pilot), "pilots_office.enrollments",
                               "pilots/enrollments.html", office_lists.enrollment_options(), pilot=pilot,
                               counts=counts, link_args={"pilot_id": pilot.id})
