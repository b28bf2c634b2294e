"""达标结果 (public list), 证书查验 (/verify) and the platform's certificate PDF."""
from __future__ import annotations

import io

from flask import Blueprint, Flask, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from engine.domain import certificate_pdf, certificates
from storage.models import Certificate
from webapp import db
from webapp.views_util import Pager, page_argument

bp = Blueprint("results", __name__)
PER_PAGE = 20


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/results/")
def index():
    """达标结果: enterprise, 产品名称, 产品型号, 标准号, 标准名称, 评价机构, 证书编号, date; searchable."""
    page = page_argument()
    query = " ".join((request.args.get("q") or "").split())[:certificates.MAX_QUERY]
    rows, total = certificates.results(db.session(), query, page, PER_PAGE)
    return render_template("compliance/results.html", rows=rows, q=query, pager=Pager(page, PER_PAGE, total))


@bp.route("/verify/")
def verify_form():
    """证书查验: type the code printed under the QR code."""
    code = certificates.normalize_code(request.args.get("code"))
    if code:
        return redirect(url_for("results.verify", code=code))
    return render_template("compliance/verify.html", certificate=None, code=None)


@bp.route("/verify/<code>")
def verify(code: str):
    """What the QR code opens: the certificate's public facts, or that it is unknown or revoked."""
    certificate = certificates.by_code(db.session(), code)
    status = 200 if certificate is not None else 404
    return render_template("compliance/verify.html", certificate=certificate,
                           code=certificates.normalize_code(code)), status


def verify_url(certificate: Certificate) -> str:
    """The address in the QR code: DUIBIAO_PUBLIC_URL when configured, else this request's host."""
    base = current_app.config.get("PUBLIC_URL")
    if base:
        return base.rstrip("/") + url_for("results.verify", code=certificate.code)
    return url_for("results.verify", code=certificate.code, _external=True)


@bp.route("/certificates/<int:certificate_id>.pdf")
def certificate_pdf_file(certificate_id: int):
    """The platform's certificate (enterprise, institution, office); rendered from its frozen facts."""
    certificate = db.session().get(Certificate, certificate_id)
    if certificate is None:
        abort(404)
    user = current_user.row if current_user.is_authenticated else None
    if not certificates.may_download(user, certificate):
        abort(403 if user is not None else 401)
    data = certificate_pdf.render(certificate.facts, verify_url(certificate))
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=True,
                     download_name=_("达标证书-%(number)s.pdf", number=certificate.number))
