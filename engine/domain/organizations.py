"""单位管理: the programme office's directory of registered enterprises and institutions.

The office may 停用 (suspend) an active enterprise or institution, with a reason, and 启用 it again:
only ``active`` → ``disabled`` and ``disabled`` → ``active``; registrations still being vetted
(pending, rejected, withdrawn) go through 注册审核 instead. A disabled organisation's users see only
注册状态 and 我的消息 and its API tokens are refused (both in the web layer); its running processes are
left as they are and what it published stays public. Every change is kept in
``organization_status_change`` (who, when, why) and told to the organisation in 我的消息.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.orm import Session

from engine import clock
from engine.domain import dictionaries, profiles
from engine.domain.errors import InputError
from engine.domain.keys import clean_query
from engine.domain.messages import notify
from engine.text import N_, lines
from storage.models import EnterpriseProfile, InstitutionProfile, Organization, User
from storage.models.accounts import OrganizationStatusChange

KINDS = ("enterprise", "institution")
STATUSES = ("pending", "active", "rejected", "disabled")
MAX_REASON = 500
_STATUS_LINK = "/account/status"


class StatusChangeRefused(Exception):
    """The user may not 停用 / 启用 organisations, or the organisation is not in a state that allows it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


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
    key = "".join(clean_query(query, 200).split()).lower()
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
    counts = dict.fromkeys(dictionaries.codes(session, profiles.NEEDS), 0)
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


def _require_office(user: User | None) -> None:
    if user is None or not user.has_role("office") or not user.organization.is_active:
        raise StatusChangeRefused(N_("只有专项办可以停用或启用单位帐号"))


def _transition(session: Session, organization: Organization, from_status: str, to_status: str,
                actor: User, reason: str | None) -> OrganizationStatusChange:
    """Move ``organization`` from one status to the other unless someone else moved it first."""
    changed = session.execute(
        update(Organization).where(Organization.id == organization.id, Organization.status == from_status)
        .values(status=to_status, updated_at=clock.now()).execution_options(synchronize_session="evaluate"))
    if changed.rowcount != 1:
        session.refresh(organization)
        raise StatusChangeRefused(N_("该单位的帐号状态已变更，请刷新后重试"))
    record = OrganizationStatusChange(organization_id=organization.id, from_status=from_status,
                                      to_status=to_status, reason=reason, changed_by_id=actor.id,
                                      changed_at=clock.now())
    session.add(record)
    session.flush()
    return record


def disable(session: Session, organization: Organization, actor: User, reason: str | None) -> OrganizationStatusChange:
    """停用 an active enterprise or institution; ``reason`` is required and told to the organisation."""
    _require_office(actor)
    if organization.kind not in KINDS or organization.status != "active":
        raise StatusChangeRefused(N_("只有状态为“审核通过”的企业或机构可以停用"))
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", N_("请填写停用原因"))
    if len(reason) > MAX_REASON:
        raise InputError("reason", N_("停用原因不能超过 %(count)s 个字", count=MAX_REASON))
    record = _transition(session, organization, "active", "disabled", actor, reason)
    notify(session, organization.id, N_("单位帐号已停用"),
           lines(N_("您单位的帐号已被专项办停用。"), N_("停用原因：%(reason)s", reason=reason),
                 N_("停用期间只能查看注册状态和“我的消息”，已提交的事项保持不变，已公开的结果仍然公开。如有疑问请联系专项办。")),
           _STATUS_LINK)
    return record


def enable(session: Session, organization: Organization, actor: User) -> OrganizationStatusChange:
    """启用 a disabled enterprise or institution again."""
    _require_office(actor)
    if organization.kind not in KINDS or organization.status != "disabled":
        raise StatusChangeRefused(N_("只有已停用的企业或机构可以启用"))
    record = _transition(session, organization, "disabled", "active", actor, None)
    notify(session, organization.id, N_("单位帐号已恢复启用"),
           N_("您单位的帐号已由专项办恢复启用，可以继续使用平台各项功能。"), _STATUS_LINK)
    return record


def status_changes(session: Session, organization_id: int) -> list[OrganizationStatusChange]:
    """The organisation's 停用 / 启用 record, newest first."""
    return list(session.scalars(
        select(OrganizationStatusChange).where(OrganizationStatusChange.organization_id == organization_id)
        .order_by(OrganizationStatusChange.changed_at.desc(), OrganizationStatusChange.id.desc())))


def current_suspension(session: Session, organization: Organization) -> OrganizationStatusChange | None:
    """The 停用 in force (who, when, why), None when the organisation is not disabled."""
    if organization.status != "disabled":
        return None
    return session.scalars(
        select(OrganizationStatusChange).where(OrganizationStatusChange.organization_id == organization.id,
                                               OrganizationStatusChange.to_status == "disabled")
        .order_by(OrganizationStatusChange.changed_at.desc(), OrganizationStatusChange.id.desc())).first()
