"""单位成员: several people per organisation — invitations, rights, 停用 / 启用, and their audit.

The registering account is the organisation's 单位管理员 (it holds every right). An administrator invites
a colleague by e-mail: a link valid for INVITATION_LIFETIME, used once, its token stored as a digest;
the colleague sets a name and a password and joins the organisation. The administrator grants and
withdraws rights (engine.domain.team_rights), disables and enables people; every change is written to
``team_audit``. The office's administrator manages its staff, designers and operators the same way, with
roles (系统管理 → 账号管理). Work belongs to the organisation: disabling a person ends their sessions and
API tokens and leaves every task, list and message with the organisation.

Refusals raise TeamError (a field and a message) before anything is written; the caller commits.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from engine import clock, history
from engine.domain import messages, team_rights
from engine.domain.auth import digest_token, email_problem, end_sessions, hash_password, password_problem
from engine.task_notifications import in_language
from engine.text import N_, lines
from storage import outbox
from storage.models import HumanTask, Organization, ProcessEvent, ProcessInstance, TeamAudit, TeamInvitation, User

INVITATION_LIFETIME = timedelta(hours=72)
MAX_NAME = 50
STARTED = "started"  # the process_event kind of a process started by a person


class TeamError(Exception):
    def __init__(self, field_name: str | None, message: str):
        super().__init__(message)
        self.field, self.message = field_name, message


class TeamNotFound(TeamError):
    """No such person or invitation in the administrator's organisation (another's is not told apart)."""

    def __init__(self):
        super().__init__(None, N_("不存在"))


def _require_administrator(admin: User, organization_id: int) -> None:
    if not team_rights.is_administrator(admin) or admin.organization_id != organization_id:
        raise TeamError(None, N_("只有本单位管理员可以管理成员"))


def audit(session: Session, organization_id: int, actor: User | None, action: str, target_email: str = "",
          **detail) -> None:
    session.add(TeamAudit(organization_id=organization_id, actor_id=actor.id if actor else None, action=action,
                          target_email=target_email, detail=detail, created_at=clock.now()))


def members(session: Session, organization_id: int) -> list[User]:
    return list(session.scalars(select(User).where(User.organization_id == organization_id).order_by(User.id)))


def pending_invitations(session: Session, organization_id: int) -> list[TeamInvitation]:
    return list(session.scalars(select(TeamInvitation).where(
        TeamInvitation.organization_id == organization_id, TeamInvitation.accepted_at.is_(None),
        TeamInvitation.revoked_at.is_(None), TeamInvitation.expires_at > clock.now())
        .order_by(TeamInvitation.id.desc())))


def audit_log(session: Session, organization_id: int, page: int, per_page: int = 20):
    query = select(TeamAudit).where(TeamAudit.organization_id == organization_id)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(TeamAudit.created_at.desc(), TeamAudit.id.desc())
                           .offset((max(page, 1) - 1) * per_page).limit(per_page)).all()
    return rows, total


def _rights_for(organization: Organization, rights) -> str:
    """The office's people act as their roles say: they always hold submit and review; 管理 is chosen."""
    chosen = list(rights.split() if isinstance(rights, str) else rights or ())
    if organization.kind == "office":
        chosen += [team_rights.SUBMIT, team_rights.REVIEW]
    return team_rights.normalized(chosen)


def _roles_for(organization: Organization, roles) -> str:
    """An enterprise's or institution's people hold its kind's role; the office's are chosen."""
    if organization.kind != "office":
        return organization.kind
    chosen = [role for role in team_rights.OFFICE_ROLES if role in set(roles or ())]
    if not chosen:
        raise TeamError("roles", N_("请至少选择一个角色"))
    return " ".join(chosen)


def invite(session: Session, admin: User, email: str, rights, link_for: Callable[[str], str],
           roles=None) -> TeamInvitation:
    """邀请成员: an e-mail with a single-use link (``link_for(raw token)``) to the address."""
    organization = admin.organization
    _require_administrator(admin, organization.id)
    address = (email or "").strip().lower()
    problem = email_problem(address)
    if problem:
        raise TeamError("email", problem)
    existing = session.scalars(select(User).where(User.email == address)).first()
    if existing is not None:
        raise TeamError("email", N_("该邮箱已是本单位成员") if existing.organization_id == organization.id
                        else N_("该邮箱已注册在其他单位，不能邀请"))
    role_text = _roles_for(organization, roles)
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    invitation = TeamInvitation(organization_id=organization.id, email=address, roles=role_text,
                                rights=_rights_for(organization, rights), token_digest=digest_token(raw),
                                invited_by_id=admin.id, created_at=now, expires_at=now + INVITATION_LIFETIME)
    session.add(invitation)
    hours = int(INVITATION_LIFETIME.total_seconds() // 3600)
    locale = messages.preference_of(session, admin.id).locale  # the inviter's language: the invitee has none yet
    subject = N_("【全国对标达标信息服务平台】%(organization)s邀请您加入", organization=organization.name)
    body = lines(N_("%(organization)s的管理员 %(email)s 邀请您使用全国对标达标信息服务平台。",
                    organization=organization.name, email=admin.email),
                 N_("请在 %(hours)s 小时内打开以下链接，设置姓名和密码（链接只能使用一次）：", hours=hours),
                 link_for(raw), "")
    outbox.enqueue(session, "email", address, in_language(locale, subject), in_language(locale, body))
    audit(session, organization.id, admin, "invite", address, rights=invitation.rights, roles=role_text)
    session.flush()
    return invitation


def revoke_invitation(session: Session, admin: User, invitation_id: int) -> TeamInvitation:
    invitation = session.get(TeamInvitation, invitation_id)
    if invitation is None or invitation.organization_id != admin.organization_id:
        raise TeamNotFound()
    _require_administrator(admin, invitation.organization_id)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise TeamError(None, N_("该邀请已使用或已撤销"))
    invitation.revoked_at = clock.now()
    audit(session, invitation.organization_id, admin, "revoke_invitation", invitation.email)
    return invitation


def invitation_problem(invitation: TeamInvitation | None) -> str | None:
    """Why a link can no longer be used (None: it can)."""
    if invitation is None:
        return N_("邀请链接无效")
    if invitation.accepted_at is not None:
        return N_("该邀请链接已使用过，请直接登录")
    if invitation.revoked_at is not None:
        return N_("该邀请已被管理员撤销")
    if invitation.expires_at <= clock.now():
        return N_("邀请链接已过期，请联系单位管理员重新邀请")
    return None


def find_invitation(session: Session, raw: str) -> TeamInvitation | None:
    return session.scalars(select(TeamInvitation).where(
        TeamInvitation.token_digest == digest_token(raw or ""))).first()


def accept(session: Session, raw: str, full_name: str, password: str) -> User:
    """接受邀请: the link is spent by one conditional UPDATE (two parallel uses cannot both win)."""
    invitation = find_invitation(session, raw)
    problem = invitation_problem(invitation)
    if problem:
        raise TeamError(None, problem)
    name = (full_name or "").strip()
    if not name:
        raise TeamError("full_name", N_("请填写姓名"))
    if len(name) > MAX_NAME:
        raise TeamError("full_name", N_("姓名不能超过 %(max)s 个字", max=MAX_NAME))
    problem = password_problem(password)
    if problem:
        raise TeamError("password", problem)
    if session.scalars(select(User.id).where(User.email == invitation.email)).first() is not None:
        raise TeamError(None, N_("该邮箱已注册在其他单位，不能邀请"))
    now = clock.now()
    spent = session.execute(update(TeamInvitation).where(
        TeamInvitation.id == invitation.id, TeamInvitation.accepted_at.is_(None),
        TeamInvitation.revoked_at.is_(None)).values(accepted_at=now).execution_options(synchronize_session=False))
    if spent.rowcount != 1:
        raise TeamError(None, N_("该邀请链接已使用过，请直接登录"))
    user = User(email=invitation.email, password_hash=hash_password(password), roles=invitation.roles,
                rights=invitation.rights, full_name=name, organization_id=invitation.organization_id,
                created_at=now)
    session.add(user)
    session.flush()
    session.execute(update(TeamInvitation).where(TeamInvitation.id == invitation.id)
                    .values(accepted_user_id=user.id).execution_options(synchronize_session=False))
    audit(session, invitation.organization_id, user, "accept", user.email)
    return user


def member_of(session: Session, admin: User, member_id: int) -> User:
    member = session.get(User, member_id)
    if member is None or member.organization_id != admin.organization_id:
        raise TeamNotFound()
    _require_administrator(admin, member.organization_id)
    return member


def _other_administrators(session: Session, member: User) -> int:
    """The organisation's other enabled administrators. Its row is locked first (PostgreSQL), so two
    administrators removing each other at once cannot both succeed."""
    session.execute(select(Organization.id).where(Organization.id == member.organization_id).with_for_update())
    return session.scalar(select(func.count()).select_from(User).where(
        User.organization_id == member.organization_id, User.id != member.id, User.is_enabled.is_(True),
        User.rights.contains(team_rights.ADMIN))) or 0


def change_rights(session: Session, admin: User, member_id: int, rights, roles=None) -> User:
    """修改权限 (and, for the office, roles). The last enabled administrator keeps ``admin``."""
    member = member_of(session, admin, member_id)
    new_rights = _rights_for(member.organization, rights)
    new_roles = _roles_for(member.organization, roles)
    if team_rights.ADMIN in member.right_set and team_rights.ADMIN not in new_rights.split() \
            and not _other_administrators(session, member):
        raise TeamError("rights", N_("不能移除最后一位管理员的管理权限"))
    before = {"rights": member.rights, "roles": member.roles}
    member.rights, member.roles = new_rights, new_roles
    audit(session, member.organization_id, admin, "change_rights", member.email,
          before=before, after={"rights": new_rights, "roles": new_roles})
    return member


def set_enabled(session: Session, admin: User, member_id: int, enabled: bool) -> User:
    """停用 / 启用 a person. Disabling ends their sessions and API tokens at once; their open work stays
    with the organisation (tasks are offered to the organisation, not to one person)."""
    member = member_of(session, admin, member_id)
    if member.is_enabled == enabled:
        raise TeamError(None, N_("该成员已启用") if enabled else N_("该成员已停用"))
    if not enabled:
        if member.id == admin.id:
            raise TeamError(None, N_("不能停用自己的帐号"))
        if team_rights.ADMIN in member.right_set and not _other_administrators(session, member):
            raise TeamError(None, N_("不能停用最后一位管理员"))
        end_sessions(session, member)
        released = _release_tasks(session, member)
    member.is_enabled = enabled
    audit(session, member.organization_id, admin, "enable" if enabled else "disable", member.email,
          **({} if enabled else {"released_tasks": released}))
    return member


def _release_tasks(session: Session, member: User) -> int:
    """Open tasks handed to the person alone (运维 转办) go back to their lane: the organisation's people,
    or the role's pool."""
    result = session.execute(update(HumanTask).where(
        HumanTask.assignee_id == member.id, HumanTask.state.in_(("ready", "suspended")))
        .values(assignee_id=None).execution_options(synchronize_session=False))
    return result.rowcount or 0


def recent_decisions(session: Session, organization_id: int, limit: int = 50) -> list[tuple[ProcessEvent, User, str]]:
    """Who did what: the newest processes started (发起: an application filed …) and decisions (办理记录)
    taken by the organisation's people, each with the subject of its process."""
    return list(session.execute(
        select(ProcessEvent, User, ProcessInstance.subject).join(User, User.id == ProcessEvent.actor_id)
        .join(ProcessInstance, ProcessInstance.id == ProcessEvent.instance_id)
        .where(User.organization_id == organization_id, ProcessEvent.kind.in_((*history.DECIDED, STARTED)))
        .order_by(ProcessEvent.created_at.desc(), ProcessEvent.id.desc()).limit(limit)))
