"""达标证书: issuing, the public 达标结果 list, verification, the institution's upload, revocation.

A certificate's ``facts`` are frozen when it is issued: the PDF (rendered on demand by
engine.domain.certificate_pdf) and the verification page always state what was
certified, even if an organisation is renamed later. ``number`` (证书编号) is built from
the row id, so it is unique without a counter to race on; ``code`` is the random part
of the verification address, so numbers cannot be enumerated into verification pages.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.domain.errors import InputError
from engine.domain.keys import search_key
from engine.domain.messages import notify
from engine.text import N_
from storage.models import Application, Certificate, StoredFile, User

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed from paper
CODE_LENGTH = 16
MAX_QUERY = 100


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str | None) -> str:
    """What a person types from a printed certificate: case and spaces do not matter."""
    return "".join((text or "").split()).upper()[:CODE_LENGTH * 2]


def facts_of(application: Application, issued_on: str) -> dict:
    version = application.plan_version
    data = version.data if version is not None else {}
    return {
        "enterprise": application.enterprise.name, "product_name": application.product_name,
        "product_model": application.product_model, "plan_name": application.plan.name,
        "standard_number": data.get("standard_number") or application.plan.standard_number or "",
        "standard_name": data.get("standard_name") or application.plan.standard_name or "",
        "institution": application.institution.name, "issued_on": issued_on,
    }


def issue(session: Session, application: Application) -> Certificate:
    """The platform's certificate for a filed 达标 result (idempotent per application)."""
    existing = session.scalars(select(Certificate).where(Certificate.application_id == application.id)).first()
    if existing is not None:
        return existing
    now = clock.now()
    facts = facts_of(application, clock.to_china(now).strftime("%Y-%m-%d"))
    certificate = Certificate(application_id=application.id, code=new_code(), facts=facts, issued_at=now)
    session.add(certificate)
    session.flush()
    certificate.number = f"DBDB-{clock.to_china(now).year}-{certificate.id:06d}"
    certificate.facts = {**facts, "number": certificate.number}
    certificate.search_text = "\n".join(search_key(facts[k]) for k in (
        "enterprise", "product_name", "product_model", "standard_number", "standard_name", "institution")
    ) + "\n" + search_key(certificate.number)
    session.flush()
    return certificate


def announce(session: Session, certificate: Certificate) -> None:
    """Tell the enterprise and the institution (我的消息 and e-mail)."""
    application = certificate.application
    text = (f"产品：{application.product_name} {application.product_model}\n证书编号：{certificate.number}\n"
            f"达标结果已在“达标结果”中公布。")
    notify(session, application.enterprise_id, "达标证书已颁发", text, f"/my/applications/{application.id}")
    notify(session, application.institution_id, "达标证书已颁发（可上传机构证书）", text,
           f"/my/evaluations/{application.id}/certificate")


def for_application(session: Session, application_id: int) -> Certificate | None:
    return session.scalars(select(Certificate).where(Certificate.application_id == application_id)).first()


def by_code(session: Session, code: str) -> Certificate | None:
    code = normalize_code(code)
    if not code:
        return None
    return session.scalars(select(Certificate).where(Certificate.code == code)).first()


def revoke(session: Session, certificate: Certificate, reason: str, actor: User) -> None:
    """撤销: the verification page says so and 达标结果 drops it; the model may apply again."""
    if certificate.revoked_at is not None:
        raise InputError("reason", N_("该证书已撤销"))
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", N_("请填写撤销原因"))
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by_id = clock.now(), reason, actor.id
    certificate.application.status = "revoked"
    application = certificate.application
    text = (f"证书编号：{certificate.number}\n产品：{application.product_name} {application.product_model}\n"
            f"撤销原因：{reason}")
    notify(session, application.enterprise_id, "达标证书已撤销", text, f"/my/applications/{application.id}")
    notify(session, application.institution_id, "达标证书已撤销", text, None)


def attach_upload(session: Session, certificate: Certificate, stored: StoredFile) -> None:
    """The institution's own 证书 (PDF), shown beside the platform's; a new upload replaces it."""
    if certificate.revoked_at is not None:
        raise InputError("certificate_file", N_("该证书已撤销，不能上传"))
    certificate.uploaded_file, certificate.uploaded_at = stored, clock.now()  # stored may not be flushed yet


def may_download(user: User | None, certificate: Certificate) -> bool:
    """The platform PDF: its enterprise, its institution and the office (the public verifies online)."""
    if user is None:
        return False
    if user.has_role("office"):
        return True
    application = certificate.application
    # A revoked certificate is no longer handed out; the office keeps the record.
    return certificate.revoked_at is None and user.organization_id in (application.enterprise_id,
                                                                       application.institution_id)


def uploaded_owner_organizations(session: Session, file_id: int) -> set[int]:
    rows = session.execute(select(Application.enterprise_id, Application.institution_id).join(
        Certificate, Certificate.application_id == Application.id).where(
        Certificate.uploaded_file_id == file_id)).all()
    return {org for row in rows for org in row}


# --- 达标结果 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResultRow:
    certificate_id: int
    code: str
    number: str
    enterprise: str
    product_name: str
    product_model: str
    standard_number: str
    standard_name: str
    institution: str
    issued_at: datetime


def _like(key: str) -> str:
    return "%" + key.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def results(session: Session, query: str | None, page: int = 1, per_page: int = 20):
    """达标结果: valid (not revoked) certificates, newest first, searched by any listed field."""
    key = search_key(query or "")[:MAX_QUERY]
    statement = select(Certificate).where(Certificate.revoked_at.is_(None))
    if key:
        statement = statement.where(Certificate.search_text.like(_like(key), escape="\\"))
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = session.scalars(statement.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
                           .offset((max(1, page) - 1) * per_page).limit(per_page)).all()
    return [_row(c) for c in rows], total


def _row(certificate: Certificate) -> ResultRow:
    f = certificate.facts
    return ResultRow(certificate.id, certificate.code, certificate.number or "", f.get("enterprise", ""),
                     f.get("product_name", ""), f.get("product_model", ""), f.get("standard_number", ""),
                     f.get("standard_name", ""), f.get("institution", ""), certificate.issued_at)


def all_certificates(session: Session, page: int = 1, per_page: int = 20):
    """证书管理 (office): every certificate, revoked ones included."""
    total = session.scalar(select(func.count(Certificate.id))) or 0
    rows = session.scalars(select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
                           .offset((max(1, page) - 1) * per_page).limit(per_page)).all()
    return rows, total
