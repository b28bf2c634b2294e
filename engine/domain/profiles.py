"""企业信息填报 and 服务机构信息填报: saving and reading an organisation's own information.

The choice keys are the domain's; their labels live in forms.profiles (translatable).
The shared particulars (联系人, 联系电话, 地址, 成立日期, 法定代表人) are written to the
organisation itself, so 用户信息 and 信息填报 never disagree; 单位名称 and
统一社会信用代码 change only through 用户信息 (vetted).
"""
from __future__ import annotations

import re

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from engine import clock
from engine.domain import dictionaries
from engine.domain.errors import InputError
from engine.text import N_
from storage.models import (
    EnterpriseProfile,
    InstitutionProfile,
    InstitutionProfileFile,
    Organization,
    StoredFile,
    User,
)

# The choices are the 数据字典 lists (engine.domain.dictionaries): field → list key.
ENTERPRISE_CHOICES = {"scale": "enterprise_scale", "ownership": "enterprise_ownership", "sector": "sector",
                      "standardization_body": "standardization_body"}
NEEDS = "standardization_need"
MAX_ATTACHMENTS = 10
# 所属行业: the shape of a GB/T 4754 class code (section letter A–T, 4 digits). Whether the class exists is
# the form's check (forms.industries holds the classification, above this layer).
INDUSTRY_CODE = re.compile(r"^[A-T][0-9]{4}$")
INDUSTRY_MESSAGE = N_("请选择国民经济行业分类（GB/T 4754）中的小类，如 C3761 自行车制造")

# Particulars kept on the organisation, per kind (the rest of 用户信息 stays there).
SHARED_FIELDS = {
    "enterprise": ("contact", "phone", "address", "founded_on", "legal_rep"),
    "institution": ("contact", "phone"),
}
ENTERPRISE_FIELDS = (
    "email", "business_info", "scale", "ownership", "industry", "industry_code", "sector", "main_products",
    "standardization_body", "full_time_staff", "part_time_staff", "international_standards",
    "national_standards", "industry_standards", "local_standards", "group_standards",
    "enterprise_standards", "management_notes", "needs", "needs_detail",
)
INSTITUTION_FIELDS = ("institution_type", "accreditations", "email", "staff", "senior_staff",
                      "capabilities", "cases")


class ProfileError(InputError):
    pass


def enterprise_profile(session: Session, organization_id: int) -> EnterpriseProfile | None:
    return session.get(EnterpriseProfile, organization_id)


def institution_profile(session: Session, organization_id: int) -> InstitutionProfile | None:
    return session.get(InstitutionProfile, organization_id)


def is_filled(session: Session, organization: Organization) -> bool:
    """Whether the organisation has saved its 信息填报 (offices have none to fill)."""
    model = {"enterprise": EnterpriseProfile, "institution": InstitutionProfile}.get(organization.kind)
    if model is None:
        return True
    return bool(session.scalar(select(exists().where(model.organization_id == organization.id))))


def save_enterprise(session: Session, user: User, shared: dict, fields: dict) -> EnterpriseProfile:
    """企业信息填报 → 保存: the whole form at once (every tab), validated as a whole."""
    organization = _own_organization(user, "enterprise")
    _check_choices(session, fields, ENTERPRISE_CHOICES)
    _check_many(session, fields, "needs", NEEDS)
    if fields.get("industry_code") is not None and not INDUSTRY_CODE.match(fields["industry_code"]):
        raise ProfileError("industry_code", INDUSTRY_MESSAGE)
    if "other" in fields["needs"] and not (fields.get("needs_detail") or "").strip():
        raise ProfileError("needs_detail", N_("选择“其它”需求时请填写需求描述"))
    profile = enterprise_profile(session, organization.id) or EnterpriseProfile(organization_id=organization.id)
    _apply(session, user, organization, profile, shared, fields, ENTERPRISE_FIELDS)
    return profile


def save_institution(session: Session, user: User, shared: dict, fields: dict,
                     added: list[StoredFile], removed_ids: set[int]) -> InstitutionProfile:
    """服务机构信息填报 → 保存; at least one 相关附件 must remain after the change."""
    organization = _own_organization(user, "institution")
    _check_choices(session, fields, {"institution_type": "institution_type"})
    _check_many(session, fields, "accreditations", "accreditation")
    if fields["senior_staff"] > fields["staff"]:
        raise ProfileError("senior_staff", N_("高级职称人数不能多于技术人员数"))
    profile = institution_profile(session, organization.id) or InstitutionProfile(organization_id=organization.id)
    kept = [f for f in profile.files if f.id not in removed_ids]
    if not kept and not added:
        raise ProfileError("attachments", N_("请上传至少一个相关附件（PDF）"))
    if len(kept) + len(added) > MAX_ATTACHMENTS:
        raise ProfileError("attachments", N_("相关附件最多 %(limit)s 个，请先删除不再需要的附件",
                                             limit=MAX_ATTACHMENTS))
    _apply(session, user, organization, profile, shared, fields, INSTITUTION_FIELDS)
    profile.files = kept + [InstitutionProfileFile(file=stored) for stored in added]
    return profile


def _own_organization(user: User, kind: str) -> Organization:
    organization = user.organization
    if organization.kind != kind or not organization.is_active:
        raise PermissionError(f"only an active {kind} fills this in")
    return organization


def _check_choices(session: Session, fields: dict, lists: dict[str, str]) -> None:
    for name, key in lists.items():
        if fields.get(name) not in dictionaries.codes(session, key):
            raise ProfileError(name, N_("请在列出的选项中选择"))


def _check_many(session: Session, fields: dict, name: str, key: str) -> None:
    keys = dictionaries.codes(session, key)
    values = fields.get(name) or []
    if any(value not in keys for value in values):
        raise ProfileError(name, N_("请在列出的选项中选择"))
    fields[name] = [key for key in keys if key in values]  # stored in the listed order, once each


def _apply(session: Session, user: User, organization: Organization, profile, shared: dict,
           fields: dict, names: tuple) -> None:
    for name in SHARED_FIELDS[organization.kind]:
        setattr(organization, name, shared.get(name))
    for name in names:
        setattr(profile, name, fields.get(name))
    profile.updated_at = clock.now()
    profile.updated_by_id = user.id
    session.add(profile)


def attachment_owner(session: Session, file_id: int) -> set[int]:
    """The institution whose 相关附件 this file is (for the download check)."""
    return set(session.scalars(select(InstitutionProfileFile.organization_id)
                               .where(InstitutionProfileFile.file_id == file_id)))


def institution_profiles(session: Session, organization_ids: list[int]) -> dict[int, InstitutionProfile]:
    """The 服务机构信息 of several institutions at once (机构详情 on 申请达标)."""
    if not organization_ids:
        return {}
    rows = session.scalars(select(InstitutionProfile).where(
        InstitutionProfile.organization_id.in_(organization_ids)))
    return {row.organization_id: row for row in rows}
