"""达标证书: issuing, the public 达标结果 list, verification, the institution's upload, revocation.

A certificate's ``facts`` are frozen when it is issued: the PDF (rendered on demand by
engine.domain.certificate_pdf) and the verification page always state what was
certified, even if an organisation is renamed later. ``number`` (证书编号) is built from
the row id, so it is unique without a counter to race on; ``code`` is the random part
of the verification address, printed under the QR code. 证书查验 accepts either: a person
holding a paper certificate types whichever they find, and a revoked certificate must be
recognisable as such by its number too. A valid certificate (its facts, its platform PDF and
the institution's uploaded PDF) is public anyway in 达标结果; a revoked one's files are not.
"""
from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from engine import clock
from engine.counting import capped_count
from engine.domain.errors import InputError
from engine.domain.keys import search_key, without_control_characters
from engine.domain.messages import notify
from engine.text import N_, lines
from engine.text_search import ids_containing
from storage.models import Application, Certificate, StoredFile, User
from storage.models.search import CERTIFICATE_FTS

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud, typed from paper
CODE_LENGTH = 16
MAX_QUERY = 100


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


NUMBER_PREFIX = "DBDB"
# What a typed 证书编号 looks like once separators are dropped: DBDB, the year, the serial.
_NUMBER_KEY = re.compile(NUMBER_PREFIX + r"(\d{4})(\d{1,12})", re.ASCII)
# Hyphen-minus and the dashes an input method or a word processor puts in its place.
_DASHES = dict.fromkeys(map(ord, "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"))


def number_of(year: int, certificate_id: int) -> str:
    """证书编号: ``DBDB-<year>-<id, six digits>``."""
    return f"{NUMBER_PREFIX}-{year}-{certificate_id:06d}"


def _compact(text: str | None) -> str:
    """Full-width forms folded (NFKC), spaces and dashes dropped, upper case."""
    folded = unicodedata.normalize("NFKC", without_control_characters(text or "")).translate(_DASHES)
    return "".join(folded.split()).upper()[:CODE_LENGTH * 2]


def normalize_code(text: str | None) -> str:
    """What a person types from a printed certificate, 查验码 or 证书编号, as it is looked up and shown:
    case, spaces, dashes and full-width characters do not matter."""
    key = _compact(text)
    number = _number_key(key)
    return number if number is not None and not _looks_like_code(key) else key


def _looks_like_code(key: str) -> bool:
    return len(key) == CODE_LENGTH and set(key) <= set(CODE_ALPHABET)


def _number_key(key: str) -> str | None:
    match = _NUMBER_KEY.fullmatch(key)
    return f"{NUMBER_PREFIX}-{match[1]}-{int(match[2]):06d}" if match else None


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
    certificate.number = number_of(clock.to_china(now).year, certificate.id)
    certificate.facts = {**facts, "number": certificate.number}
    certificate.search_text = "\n".join(search_key(facts[k]) for k in (
        "enterprise", "product_name", "product_model", "standard_number", "standard_name", "institution")
    ) + "\n" + search_key(certificate.number)
    session.flush()
    return certificate


def announce(session: Session, certificate: Certificate) -> None:
    """Tell the enterprise and the institution (我的消息 and e-mail)."""
    application = certificate.application
    text = lines(N_("产品：%(product)s", product=f"{application.product_name} {application.product_model}"),
                 N_("证书编号：%(number)s", number=certificate.number), N_("达标结果已在“达标结果”中公布。"))
    notify(session, application.enterprise_id, N_("达标证书已颁发"), text, f"/my/applications/{application.id}")
    notify(session, application.institution_id, N_("达标证书已颁发（可上传机构证书）"), text,
           f"/my/evaluations/{application.id}/certificate")


def for_application(session: Session, application_id: int) -> Certificate | None:
    return session.scalars(select(Certificate).where(Certificate.application_id == application_id)).first()


def by_code(session: Session, text: str | None) -> Certificate | None:
    """证书查验: the certificate whose 查验码 or 证书编号 was typed (see normalize_code)."""
    key = _compact(text)
    if not key:
        return None
    found = session.scalars(select(Certificate).where(Certificate.code == key)).first()
    number = _number_key(key)
    if found is None and number is not None:
        found = session.scalars(select(Certificate).where(Certificate.number == number)).first()
    return found


def revoke(session: Session, certificate: Certificate, reason: str, actor: User) -> None:
    """撤销: the verification page says so and 达标结果 drops it; the model may apply again."""
    if certificate.revoked_at is not None:
        raise InputError("reason", N_("该证书已撤销"))
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", N_("请填写撤销原因"))
    certificate.revoked_at, certificate.revoked_reason, certificate.revoked_by_id = clock.now(), reason, actor.id
    application = certificate.application
    text = lines(N_("证书编号：%(number)s", number=certificate.number),
                 N_("产品：%(product)s", product=f"{application.product_name} {application.product_model}"),
                 N_("撤销原因：%(reason)s", reason=reason))
    notify(session, application.enterprise_id, N_("达标证书已撤销"), text, f"/my/applications/{application.id}")
    notify(session, application.institution_id, N_("达标证书已撤销"), text, None)


def attach_upload(session: Session, certificate: Certificate, stored: StoredFile) -> None:
    """The institution's own 证书 (PDF), shown beside the platform's; a new upload replaces it."""
    if certificate.revoked_at is not None:
        raise InputError("certificate_file", N_("该证书已撤销，不能上传"))
    certificate.uploaded_file, certificate.uploaded_at = stored, clock.now()  # stored may not be flushed yet


def is_public(certificate: Certificate) -> bool:
    """A valid certificate's files are public (it is listed in 达标结果); a revoked one's are not."""
    return certificate.revoked_at is None


def _is_party(user: User, certificate: Certificate) -> bool:
    application = certificate.application
    return user.organization_id in (application.enterprise_id, application.institution_id)


def may_download(user: User | None, certificate: Certificate) -> bool:
    """The platform PDF: anyone while the certificate is valid; once revoked, the office only
    (a revoked certificate is no longer handed out; the office keeps the record)."""
    if is_public(certificate):
        return True
    return user is not None and user.has_role("office")


def may_download_uploaded(user: User | None, certificate: Certificate) -> bool:
    """The institution's uploaded 证书: anyone while the certificate is valid; once revoked, as any
    stored file of the application: its enterprise, its institution and the office."""
    if certificate.uploaded_file_id is None:
        return False
    if is_public(certificate):
        return True
    return user is not None and (user.has_role("office") or _is_party(user, certificate))


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
    uploaded_name: str | None = None  # the institution's own 证书, when it uploaded one


def results(session: Session, query: str | None, page: int = 1, per_page: int = 20):
    """达标结果: valid (not revoked) certificates, newest first, searched by any listed field."""
    key = search_key(query or "")[:MAX_QUERY]
    statement = select(Certificate).where(Certificate.revoked_at.is_(None))
    if key:
        statement = statement.where(Certificate.id.in_(ids_containing(
            session.get_bind().dialect.name, Certificate.id, Certificate.search_text, CERTIFICATE_FTS, key,
            session, folded=True)))
    total = capped_count(session, statement.with_only_columns(Certificate.id), (max(1, page) - 1) * per_page)
    rows = session.scalars(statement.options(selectinload(Certificate.uploaded_file))
                           .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
                           .offset((max(1, page) - 1) * per_page).limit(per_page)).all()
    return [_row(c) for c in rows], total


def _row(certificate: Certificate) -> ResultRow:
    f = certificate.facts
    return ResultRow(certificate.id, certificate.code, certificate.number or "", f.get("enterprise", ""),
                     f.get("product_name", ""), f.get("product_model", ""), f.get("standard_number", ""),
                     f.get("standard_name", ""), f.get("institution", ""), certificate.issued_at,
                     certificate.uploaded_file.original_name if certificate.uploaded_file else None)


def all_certificates(session: Session, page: int = 1, per_page: int = 20):
    """证书管理 (office): every certificate, revoked ones included."""
    total = session.scalar(select(func.count(Certificate.id))) or 0
    rows = session.scalars(select(Certificate).order_by(Certificate.issued_at.desc(), Certificate.id.desc())
                           .offset((max(1, page) - 1) * per_page).limit(per_page)).all()
    return rows, total
