"""Demo accounts (idempotent): one of each role, their organisations active."""
from __future__ import annotations

import zlib
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from demodata import timeline
from engine import clock
from engine.domain.auth import find_user, hash_password
from storage.models import Organization, User

_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

OFFICE = "office@demo.duibiao.cn"
# (email, password, role, organisation name, province, city)
DEMO_ACCOUNTS = [
    (OFFICE, "Office#2026", "office", "对标达标提升专项行动办公室", "110000", "110100"),
    ("inst1@demo.duibiao.cn", "Inst1#2026", "institution", "华标检测认证有限公司", "110000", "110100"),
    ("inst2@demo.duibiao.cn", "Inst2#2026", "institution", "江南质量技术研究院", "320000", "320100"),
    ("ent1@demo.duibiao.cn", "Ent1#2026", "enterprise", "绿源电动车股份有限公司", "120000", "120100"),
    ("ent2@demo.duibiao.cn", "Ent2#2026", "enterprise", "雅迪智能科技有限公司", "320000", "320200"),
    ("designer@demo.duibiao.cn", "Design#2026", "designer", "对标达标提升专项行动办公室", "110000", "110100"),
    ("operator@demo.duibiao.cn", "Operate#2026", "operator", "对标达标提升专项行动办公室", "110000", "110100"),
    # 单位成员: ent1's second person (its standards engineer), invited by ent1; may submit, not administer.
    ("ent1-staff@demo.duibiao.cn", "Staff1#2026", "enterprise", "绿源电动车股份有限公司", "120000", "120100"),
]
# Name and rights (engine.domain.team_rights) of the demo people who are not their organisation's
# 单位管理员 (every other account holds all rights): the office's administrator is office@ alone.
DEMO_PEOPLE = {
    "designer@demo.duibiao.cn": ("", "view submit review"),
    "operator@demo.duibiao.cn": ("", "view submit review"),
    "ent1-staff@demo.duibiao.cn": ("张标准", "view submit"),
}
ORG_KIND = {"office": "office", "designer": "office", "operator": "office",
            "institution": "institution", "enterprise": "enterprise"}
REGISTERED_DAYS_AGO = 90


def credit_code_for(seed: int) -> str:
    """A well-formed 统一社会信用代码 (valid check character) for demo data."""
    body = f"91{110000 + seed % 900000:06d}MA{seed:07d}"[:17]
    body = body[:8] + "".join(c if c in _CREDIT_CHARS else "0" for c in body[8:])
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(body, _CREDIT_WEIGHTS, strict=True))
    return body + _CREDIT_CHARS[(31 - total % 31) % 31]


def ensure_organization(session: Session, name: str, kind: str, province="110000",
                        city="110100") -> Organization:
    organization = session.scalars(
        select(Organization).where(Organization.name == name, Organization.kind == kind)
    ).first()
    if organization is None:
        seed = zlib.crc32(name.encode()) % 10_000_000
        organization = Organization(
            kind=kind, name=name, status="active", province_code=province, city_code=city,
            contact="王经理", phone="13800138000", credit_code=credit_code_for(seed),
            address="北京市昌平区科技园永安路36号" if province == "110000" else "科技园区 1 号",
            founded_on=date(2015, 3, 1), service_field="M7454" if kind == "institution" else None,
            created_at=clock.now(),
        )
        session.add(organization)
        session.flush()
    return organization


def ensure_user(session: Session, email: str, password: str, role: str, org_name: str,
                province="110000", city="110100") -> User:
    """An active account (and its organisation, when new); an existing one is returned as it is."""
    user = find_user(session, email)
    if user is not None:
        return user
    organization = ensure_organization(session, org_name, ORG_KIND[role], province, city)
    user = User(email=email.strip().lower(), password_hash=hash_password(password), roles=role,
                organization_id=organization.id, created_at=clock.now())
    session.add(user)
    session.flush()
    return user


def load_accounts(session: Session, base: datetime | None = None) -> list[tuple[str, str, str]]:
    """The demo accounts, registered some months before ``base``; (email, password, role) of each."""
    with timeline.at(timeline.before(base or clock.now(), days=REGISTERED_DAYS_AGO)):
        for email, password, role, org_name, province, city in DEMO_ACCOUNTS:
            user = ensure_user(session, email, password, role, org_name, province, city)
            if email in DEMO_PEOPLE:
                user.full_name, user.rights = DEMO_PEOPLE[email]
    return [(email, password, role) for email, password, role, *_ in DEMO_ACCOUNTS]
