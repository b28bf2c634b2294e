"""单位管理: the programme office's directory of registered enterprises and institutions."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from engine.domain import profiles
from storage.models import EnterpriseProfile, InstitutionProfile, Organization

KINDS = ("enterprise", "institution")
STATUSES = ("pending", "active", "rejected")


@dataclass
class DirectoryRow:
    organization: Organization
    info_filled: bool  # 企业信息填报 / 服务机构信息填报 saved at least once


def directory(session: Session, kind: str | None, status: str | None, query: str, page: int,
              per_page: int = 20) -> tuple[list[DirectoryRow], int]:
    """Enterprises and institutions, newest registration first; ``query`` matches 单位名称
    or 统一社会信用代码 (case and spaces ignored)."""
    conditions = [Organization.kind.in_([kind] if kind in KINDS else KINDS)]
    if status in STATUSES:
        conditions.append(Organization.status == status)
    matches = name_or_code_matches(query)
    if matches is not None:
        conditions.append(matches)
    total = session.scalar(select(func.count()).select_from(Organization).where(*conditions)) or 0
    filled = or_(exists().where(EnterpriseProfile.organization_id == Organization.id),
                 exists().where(InstitutionProfile.organization_id == Organization.id))
    rows = session.execute(
        select(Organization, filled.label("filled")).where(*conditions)
        .order_by(Organization.created_at.desc(), Organization.id.desc())
        .limit(per_page).offset((max(page, 1) - 1) * per_page)).all()
    return [DirectoryRow(organization, bool(is_filled)) for organization, is_filled in rows], total


def name_or_code_matches(query: str | None):
    """The condition "单位名称 or 统一社会信用代码 contains the query" (case and spaces ignored);
    None for an empty query."""
    # Spaces and case only: names keep their dashes and dots, and so must the query. % and _ are
    # searched for as themselves (escaped), as in the public 对标方案 search.
    key = "".join((query or "").split()).lower()
    if not key:
        return None
    return or_(func.lower(func.replace(Organization.name, " ", "")).contains(key, autoescape=True),
               func.lower(Organization.credit_code).contains(key, autoescape=True))


def active_enterprises(session: Session, query: str | None = None, ids: list[int] | None = None,
                       limit: int = 20) -> list[Organization]:
    """Registered, active enterprises (who may be named 参编单位), by name: those matching
    ``query``, or those among ``ids``."""
    statement = select(Organization).where(Organization.kind == "enterprise", Organization.status == "active")
    if ids is not None:
        statement = statement.where(Organization.id.in_(ids))
    else:
        matches = name_or_code_matches(query)
        if matches is None:
            return []
        statement = statement.where(matches).limit(limit)
    return list(session.scalars(statement.order_by(Organization.name, Organization.id)))


def needs_summary(session: Session) -> dict[str, int]:
    """企业标准化需求: how many enterprises (that filled in their information) asked for each kind."""
    counts = dict.fromkeys(profiles.NEEDS, 0)
    for needs in session.scalars(select(EnterpriseProfile.needs)):
        for key in set(needs or []):
            if key in counts:
                counts[key] += 1
    return counts


def listed_organization(session: Session, organization_id: int) -> Organization | None:
    """An enterprise or institution of the directory (offices are not listed)."""
    organization = session.get(Organization, organization_id)
    if organization is None or organization.kind not in KINDS:
        return None
    return organization
