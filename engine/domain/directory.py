"""机构服务 and 机构名录: an institution's public service profile and the public directory of them.

An institution writes its 服务信息 (服务领域, 服务简介, 资质 with an optional PDF, the public 联系人 /
联系电话 / 邮箱 / 地址, 是否公开) itself; nobody vets it. It is public only while 是否公开 is ticked
and the organisation is an active institution (a 停用 one drops out of the directory at once). The
public sees nothing of the account beyond its 单位名称 and 所在地: never the account's e-mails, the
法定代表人's ID number or the registration documents. 服务领域 are GB/T 4754 class codes: their shape
is checked here, whether they exist by the form (forms.industries, above this layer).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.counting import capped_count
from engine.domain.catalog import PUBLIC_STATUSES, STATUS_LABELS, public_at
from engine.domain.errors import InputError
from engine.domain.keys import clean_query
from engine.text import N_
from storage.models import (
    Application,
    Certificate,
    Organization,
    Plan,
    ServiceProfile,
    ServiceProfileField,
    StoredFile,
    User,
)

MAX_FIELDS = 10
MAX_TEXT = 2000
MAX_QUERY = 50
FIELD_CODE = re.compile(r"[A-T]\d{4}", re.ASCII)  # a GB/T 4754 class: section letter + 4 digits
SHOWN_RESULTS = 20  # the newest 达标结果 on an institution's page; the rest through 达标结果's search
LIMITS = {"contact": 50, "phone": 20, "email": 254, "address": 200}


class ProfileRefused(Exception):
    """Only an active institution edits its own 服务信息."""


@dataclass
class ProfileDraft:
    """What 服务信息 collects. ``qualification_file`` None keeps the current PDF unless removed."""

    fields: list[str]
    summary: str
    qualifications: str | None
    contact: str
    phone: str
    email: str | None
    address: str | None
    published: bool
    qualification_file: StoredFile | None = None
    remove_qualification_file: bool = False


def refusal(user: User | None) -> str | None:
    """Why this user may not edit a 服务信息 (None: they may, their own organisation's)."""
    if (user is None or not user.has_role("institution") or user.organization.kind != "institution"
            or not user.organization.is_active):
        return N_("只有第三方技术机构可以编辑机构服务信息")
    return None


def own_profile(session: Session, organization_id: int) -> ServiceProfile | None:
    return session.get(ServiceProfile, organization_id)


def _check(draft: ProfileDraft) -> None:
    """Every problem at once; nothing is written."""
    problems = []
    codes = draft.fields or []
    if not codes:
        problems.append(("fields", N_("请填写至少一个服务领域")))
    elif len(codes) > MAX_FIELDS or len(set(codes)) != len(codes):
        problems.append(("fields", N_("服务领域最多 %(limit)s 个，且不能重复", limit=MAX_FIELDS)))
    elif not all(isinstance(code, str) and FIELD_CODE.fullmatch(code) for code in codes):
        problems.append(("fields", N_("请填写国民经济行业分类（GB/T 4754）小类代码，如 M7454")))
    if not (draft.summary or "").strip() or len(draft.summary.strip()) > MAX_TEXT:
        problems.append(("summary", N_("请填写服务简介（不超过 %(limit)s 个字）", limit=MAX_TEXT)))
    if len((draft.qualifications or "").strip()) > MAX_TEXT:
        problems.append(("qualifications", N_("资质说明不能超过 %(limit)s 个字", limit=MAX_TEXT)))
    for name in ("contact", "phone"):
        if not (getattr(draft, name) or "").strip():
            problems.append((name, N_("请填写联系人") if name == "contact" else N_("请填写联系电话")))
    for name, limit in LIMITS.items():
        if len((getattr(draft, name) or "").strip()) > limit:
            problems.append((name, N_("不能超过 %(limit)s 个字", limit=limit)))
    if problems:
        (name, message), *more = problems
        raise InputError(name, message, more)


def save(session: Session, user: User, draft: ProfileDraft) -> ServiceProfile:
    """服务信息 → 保存: the institution's own profile, created on the first save (the caller commits)."""
    problem = refusal(user)
    if problem:
        raise ProfileRefused(problem)
    _check(draft)
    profile = own_profile(session, user.organization_id) or ServiceProfile(organization_id=user.organization_id)
    profile.summary = draft.summary.strip()
    profile.qualifications = (draft.qualifications or "").strip() or None
    profile.contact, profile.phone = draft.contact.strip(), draft.phone.strip()
    profile.email = (draft.email or "").strip() or None
    profile.address = (draft.address or "").strip() or None
    profile.published = bool(draft.published)
    if draft.qualification_file is not None:
        profile.qualification_file = draft.qualification_file
    elif draft.remove_qualification_file:
        profile.qualification_file = None
    kept = {row.code: row for row in profile.fields}
    profile.fields = [kept.get(code) or ServiceProfileField(code=code) for code in draft.fields]
    for position, row in enumerate(profile.fields):
        row.position = position
    profile.updated_at, profile.updated_by_id = clock.now(), user.id
    session.add(profile)
    session.flush()
    return profile


# --- 机构名录 (public) -------------------------------------------------------------------------


def _public(statement):
    """Published profiles of active institutions only."""
    return statement.join(Organization, Organization.id == ServiceProfile.organization_id).where(
        ServiceProfile.published.is_(True), Organization.kind == "institution", Organization.status == "active")


@dataclass(frozen=True)
class DirectoryRow:
    organization_id: int
    name: str
    province_code: str | None
    city_code: str | None
    fields: list[str]
    summary: str


@dataclass(frozen=True)
class Filters:
    """机构名录's search: 机构名称 (part of it), one 服务领域 code, one province (GB/T 2260)."""

    query: str = ""
    field: str = ""
    province: str = ""

    @classmethod
    def parse(cls, args) -> Filters:
        code = (args.get("field") or "").strip().upper()
        province = (args.get("province") or "").strip()
        return cls(clean_query(args.get("q"), MAX_QUERY), code if FIELD_CODE.fullmatch(code) else "",
                   province if re.fullmatch(r"\d{6}", province, re.ASCII) else "")

    def as_args(self) -> dict:
        return {key: value for key, value in (("q", self.query), ("field", self.field),
                                              ("province", self.province)) if value}


def search(session: Session, filters: Filters, page: int = 1, per_page: int = 20):
    """Public profiles matching ``filters``, by 单位名称; (page rows, capped total)."""
    statement = _public(select(ServiceProfile, Organization))
    if filters.query:
        statement = statement.where(Organization.name.icontains(filters.query, autoescape=True))
    if filters.field:
        statement = statement.where(ServiceProfile.organization_id.in_(
            select(ServiceProfileField.organization_id).where(ServiceProfileField.code == filters.field)))
    if filters.province:
        statement = statement.where(Organization.province_code == filters.province)
    total = capped_count(session, statement.with_only_columns(ServiceProfile.organization_id),
                         (max(1, page) - 1) * per_page)
    rows = session.execute(statement.order_by(Organization.name, Organization.id)
                           .offset((max(1, page) - 1) * per_page).limit(per_page)).all()
    return [DirectoryRow(o.id, o.name, o.province_code, o.city_code, [f.code for f in p.fields], p.summary)
            for p, o in rows], total


def field_options(session: Session) -> list[str]:
    """The 服务领域 codes some public profile names (the search's choices), in code order."""
    statement = _public(select(ServiceProfileField.code).distinct().join(
        ServiceProfile, ServiceProfile.organization_id == ServiceProfileField.organization_id))
    return sorted(session.scalars(statement))


def province_options(session: Session) -> list[str]:
    """The provinces of the public profiles' institutions."""
    statement = _public(select(Organization.province_code).distinct().select_from(ServiceProfile))
    return sorted(code for code in session.scalars(statement) if code)


def published_ids(session: Session, organization_ids: list[int]) -> set[int]:
    """Which of these institutions have a page in 机构名录 (参与达标's 机构详情 links them)."""
    if not organization_ids:
        return set()
    return set(session.scalars(_public(select(ServiceProfile.organization_id)).where(
        ServiceProfile.organization_id.in_(organization_ids))))


@dataclass
class PublicPage:
    """One institution's page in 机构名录."""

    organization: Organization
    profile: ServiceProfile
    plans: list[dict] = field(default_factory=list)
    results: list[dict] = field(default_factory=list)
    results_total: int = 0


def public_page(session: Session, organization_id: int) -> PublicPage | None:
    """The institution's page: None unless its profile is public (a 404 for the public)."""
    found = session.execute(_public(select(ServiceProfile, Organization)).where(
        ServiceProfile.organization_id == organization_id)).first()
    if found is None:
        return None
    profile, organization = found
    results, total = _results(session, organization_id)
    return PublicPage(organization, profile, _plans(session, organization_id), results, total)


def _plans(session: Session, organization_id: int) -> list[dict]:
    """The institution's plans in 公示 or 发布 (what 对标方案 shows), newest first."""
    plans = session.scalars(select(Plan).where(Plan.organization_id == organization_id,
                                               Plan.status.in_(PUBLIC_STATUSES)).order_by(Plan.id.desc()))
    return [{"id": plan.id, "name": plan.name, "standard_number": plan.standard_number or "",
             "standard_name": plan.standard_name or "", "product_name": plan.pilot.product_name,
             "status": plan.status, "status_label": STATUS_LABELS[plan.status], "public_at": public_at(plan)}
            for plan in plans]


def _results(session: Session, organization_id: int) -> tuple[list[dict], int]:
    """达标结果 the institution evaluated: its valid certificates, the newest ``SHOWN_RESULTS``; and how many."""
    statement = select(Certificate).join(Application, Application.id == Certificate.application_id).where(
        Application.institution_id == organization_id, Certificate.revoked_at.is_(None))
    total = capped_count(session, statement.with_only_columns(Certificate.id))
    rows = session.scalars(statement.order_by(Certificate.issued_at.desc(), Certificate.id.desc())
                           .limit(SHOWN_RESULTS))
    return [_result(certificate) for certificate in rows], total


def _result(certificate: Certificate) -> dict:
    facts = certificate.facts
    return {"number": certificate.number or "", "code": certificate.code, "issued_at": certificate.issued_at,
            **{key: facts.get(key, "") for key in ("enterprise", "product_name", "product_model",
                                                   "standard_number", "standard_name")}}


# --- who may download the 资质 PDF (wired into engine.domain.files) ---------------------------


def is_public_qualification_file(session: Session, file_id: int) -> bool:
    """The 资质 PDF of a public profile: anyone may download it."""
    return bool(session.scalar(select(_public(select(ServiceProfile.organization_id)).where(
        ServiceProfile.qualification_file_id == file_id).exists())))


def qualification_owner(session: Session, file_id: int) -> set[int]:
    """The institution whose 资质 PDF this is (it may download it while unpublished)."""
    return set(session.scalars(select(ServiceProfile.organization_id).where(
        ServiceProfile.qualification_file_id == file_id)))
