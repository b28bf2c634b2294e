"""忘记密码: a single-use link by e-mail (valid 30 minutes, only its digest kept), or a 手机验证码 to the
phone of the account's organisation. Neither way tells whether an account exists: every request is
counted (per address and per e-mail) and answered alike, and a code for an unknown account is simply
"wrong". A reset sets the new password, voids the account's other links, ends its sessions and API
tokens, and lifts a login lock-out."""
from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engine import clock, task_notifications
from engine.domain import auth, messages, rate_limits, sms
from engine.domain.errors import InputError
from engine.text import N_
from storage import outbox
from storage.models import PasswordResetToken, Throttle, User

VALID_FOR = timedelta(minutes=30)
WINDOW = timedelta(hours=1)
PER_EMAIL = 5  # requests (links or codes) per e-mail address per hour
PER_ADDRESS = 20  # requests per client address per hour
CHECKS_PER_ADDRESS = 30  # 手机验证码 resets tried per client address per hour
MOBILE = re.compile(r"^1[3-9]\d{9}$")
SMS_PURPOSE = "reset"
WRONG_LINK = N_("重置链接无效或已过期，请重新申请")


class ResetError(InputError):
    pass


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _normal(email: str) -> str:
    return (email or "").strip().lower()


def throttled(session: Session, email: str, address: str | None) -> int:
    """Count one request: 0 when allowed, else seconds to wait. Counted whether the account exists
    or not (the caller commits either way), so the answer says nothing about it."""
    return (rate_limits.hit(session, f"reset:ip:{address or ''}", PER_ADDRESS, WINDOW)
            or rate_limits.hit(session, f"reset:email:{_normal(email)}", PER_EMAIL, WINDOW))


def _account(session: Session, email: str) -> User | None:
    user = auth.find_user(session, email)
    return user if user is not None and user.is_enabled else None


def request_link(session: Session, email: str, address: str | None, link_for: Callable[[str], str]) -> int:
    """Send a reset link to ``email`` when it is an account's: 0, or the seconds to wait when throttled.
    Older unused links of the account stop working."""
    wait = throttled(session, email, address)
    user = None if wait else _account(session, email)
    if user is None:
        return wait
    now = clock.now()
    _void_links(session, user, now)
    raw = secrets.token_urlsafe(32)
    session.add(PasswordResetToken(user_id=user.id, digest=_digest(raw), created_at=now, expires_at=now + VALID_FOR))
    _mail(session, user, N_("重置密码"), N_(
        "您正在重置全国对标达标信息服务平台帐号 %(email)s 的密码。请在 30 分钟内打开以下链接设置新密码"
        "（链接只能使用一次）：\n%(link)s\n如非本人操作，请忽略本邮件，您的密码不会改变。", email=user.email,
        link=link_for(raw)))
    return 0


def account_phone(user: User) -> str | None:
    """The mobile number a 手机验证码 goes to: the organisation's 联系电话, when it is a mobile."""
    phone = (user.organization.phone or "").strip()
    return phone if MOBILE.match(phone) else None


def request_code(session: Session, email: str, address: str | None, limits: sms.Limits) -> int:
    """Send a 手机验证码 to the account's phone (when there is an account with a mobile): 0, or seconds
    to wait when this address or e-mail asked too often. The phone's own resend interval is not told."""
    wait = throttled(session, email, address)
    user = None if wait else _account(session, email)
    phone = account_phone(user) if user is not None else None
    if phone is not None:
        sms.issue_code(session, phone, SMS_PURPOSE, limits, locale=messages.preference_of(session, user.id).locale)
    return wait


def user_for_link(session: Session, raw: str) -> User | None:
    """The enabled account of an unused, unexpired link, else None."""
    token = session.scalars(select(PasswordResetToken).where(
        PasswordResetToken.digest == _digest(raw or ""), PasswordResetToken.used_at.is_(None),
        PasswordResetToken.expires_at > clock.now())).first()
    return token.user if token is not None and token.user.is_enabled else None


def reset_by_link(session: Session, raw: str, new_password: str) -> User:
    """Set the password through a link; the link is spent atomically (two parallel uses: one wins)."""
    _check_password(new_password)
    user = user_for_link(session, raw)
    spent = session.execute(update(PasswordResetToken).where(
        PasswordResetToken.digest == _digest(raw or ""), PasswordResetToken.used_at.is_(None))
        .values(used_at=clock.now()).execution_options(synchronize_session=False)).rowcount
    if user is None or spent != 1:
        raise ResetError("new_password", WRONG_LINK)
    _finish(session, user, new_password)
    return user


def reset_by_code(session: Session, email: str, code: str, new_password: str, address: str | None) -> User:
    """Set the password with the 手机验证码 sent to the account's phone. An unknown account, or one
    without a mobile, gets the same answer as a wrong code; tries are counted per address."""
    _check_password(new_password)
    if rate_limits.hit(session, f"reset:check:{address or ''}", CHECKS_PER_ADDRESS, WINDOW):
        raise ResetError("sms_code", N_("尝试次数过多，请稍后再试"))
    user = _account(session, email)
    phone = account_phone(user) if user is not None else None
    if phone is None:
        raise ResetError("sms_code", sms.WRONG_CODE)
    problem = sms.check_code(session, phone, code, SMS_PURPOSE)
    if problem:
        raise ResetError("sms_code", problem)
    _finish(session, user, new_password)
    return user


def _check_password(password: str) -> None:
    problem = auth.password_problem(password or "")
    if problem:
        raise ResetError("new_password", problem)


def _void_links(session: Session, user: User, now) -> None:
    session.execute(update(PasswordResetToken).where(
        PasswordResetToken.user_id == user.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False))


def _finish(session: Session, user: User, new_password: str) -> None:
    """The new password (the web sessions carry a stamp of its hash, so they end with it), the account's
    API tokens revoked, its other links void, a login lock-out lifted, and a notice by e-mail."""
    now = clock.now()
    user.password_hash = auth.hash_password(new_password)
    user.failed_logins, user.locked_until = 0, None
    _void_links(session, user, now)
    auth.end_sessions(session, user)  # every web session and API token of the account
    session.execute(delete(Throttle).where(Throttle.key == auth.login_keys(user.email, None)[0])
                    .execution_options(synchronize_session=False))
    _mail(session, user, N_("密码已重置"), N_(
        "您的全国对标达标信息服务平台帐号 %(email)s 的密码已重置，已登录的会话和 API 令牌均已失效。"
        "如非本人操作，请立即通过“忘记密码”重新设置密码并联系专项办。", email=user.email))


def _mail(session: Session, user: User, subject, body) -> None:
    """An e-mail to the account's owner in their language (the header's switch stores it)."""
    locale = messages.stored_locale(session, user.id)
    outbox.enqueue(session, "email", user.email, task_notifications.in_language(locale, subject),
                   task_notifications.in_language(locale, body))
