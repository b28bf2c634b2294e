"""达标结果 (public list), 证书查验 (/verify), the platform's certificate PDF and the institution's
uploaded 证书: both files are public while the certificate is valid."""
from __future__ import annotations

import io
import re

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine import exports as engine_exports
from engine import record_lists
from engine.domain import certificate_pdf, certificates
from engine.domain.keys import clean_query
from storage.models import Certificate
from webapp import db, export_columns, exports, security, work_lists
from webapp.views_util import Pager

bp = Blueprint("results", __name__)
PER_PAGE = 20
SAFE_KEY = re.compile(r"[A-Z0-9-]+")  # what a 查验码 or 证书编号 can be made of, once normalised


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/results/")
def index():
    """达标结果: enterprise, 产品名称, 产品型号, 标准号, 标准名称, 评价机构, 证书编号, date; searchable."""
    query = clean_query(request.args.get("q"), certificates.MAX_QUERY)
    kind = exports.wanted_format()
    if kind is not None:  # 导出: the same search, the public facts only
        rows = engine_exports.streamed(db.session(), record_lists.public_results(work_lists.dialect(), query))
        return exports.export_response(kind, _("达标结果"), export_columns.result_columns(), rows)
    pager = Pager(lambda page, per_page: certificates.results(db.session(), query, page, per_page), PER_PAGE)
    return render_template("compliance/results.html", rows=pager.items, q=query, pager=pager)


@bp.route("/verify/")
def verify_form():
    """证书查验: type the 查验码 printed under the QR code, or the 证书编号."""
    if "code" not in request.args:
        return render_template("compliance/verify.html", certificate=None, code=None, error=None)
    code = certificates.normalize_code(request.args.get("code"))
    if not code:
        return render_template("compliance/verify.html", certificate=None, code=None,
                               error=_("请输入证书上的查验码或证书编号")), 422
    if not SAFE_KEY.fullmatch(code):  # matches nothing, and "/" or "?" would not survive a redirect
        return render_template("compliance/verify.html", certificate=None, code=code, error=None), 404
    return redirect(url_for("results.verify", code=code))


@bp.route("/verify/<code>")
def verify(code: str):
    """What the QR code opens (or a typed 证书编号): the certificate's public facts, or that it is
    not found or revoked."""
    certificate = certificates.by_code(db.session(), code)
    status = 200 if certificate is not None else 404
    shown = certificates.normalize_code(code)
    # 证书编号 are sequential: found by one, a revoked certificate says so but not the office's reason,
    # which only the 查验码 (random, printed on the certificate) opens.
    by_code = certificate is not None and shown == certificate.code
    return render_template("compliance/verify.html", certificate=certificate, code=shown, error=None,
                           show_reason=by_code), status


def verify_url(certificate: Certificate) -> str:
    """The address in the QR code: DUIBIAO_PUBLIC_URL when configured, else this request's host."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for("results.verify", code=certificate.code)
    return url_for("results.verify", code=certificate.code, _external=True)


def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = db.session().get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    return certificate


def _current_user_row():
    return current_user.row if current_user.is_authenticated else None


@bp.route("/certificates/<int:certificate_id>.pdf")
def certificate_pdf_file(certificate_id: int):
    """The platform's certificate, rendered from its frozen facts: public while valid, then the office's."""
    certificate = _certificate_or_404(certificate_id)
    user = _current_user_row()
    if not certificates.may_download(user, certificate):
        abort(403 if user is not None else 401)
    data = certificate_pdf.render(certificate.facts, verify_url(certificate))
    return security.send_pdf(io.BytesIO(data), _("达标证书-%(number)s.pdf", number=certificate.number))


@bp.route("/certificates/<int:certificate_id>/institution.pdf")
def uploaded_certificate_file(certificate_id: int):
    """The institution's own 证书 (a validated PDF upload) under its original name: public while the
    certificate is valid, then its enterprise's, its institution's and the office's."""
    certificate = _certificate_or_404(certificate_id)
    stored = certificate.uploaded_file
    if stored is None:
        abort(404)
    user = _current_user_row()
    if not certificates.may_download_uploaded(user, certificate):
        abort(403 if user is not None else 401)
    path = db.file_store().path_for(stored.sha256)
    if not path.is_file():
        abort(404)
    return security.send_pdf(path, stored.original_name)
