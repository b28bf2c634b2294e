"""手机验证码: six digits, valid 10 minutes, one request per phone per 60 seconds, and (when the caller
gives them) a limit per client address and one for the whole platform, per hour."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine import clock
from engine.domain import rate_limits
from engine.task_notifications import in_language
from engine.text import N_
from storage import outbox
from storage.models import SmsCode

VALID_FOR = timedelta(minutes=10)
RESEND_AFTER = timedelta(seconds=60)
MAX_ATTEMPTS = 5


LIMIT_WINDOW = timedelta(hours=1)


@dataclass
class IssueResult:
    sent: bool
    retry_after: int  # seconds until the phone may ask again
    limited_by: str | None = None  # None, "phone", "address" or "platform": which limit refused it


@dataclass(frozen=True)
class Limits:
    address: str | None  # the client's address
    per_address: int  # codes per address per hour
    per_hour: int  # codes the platform sends per hour


def _digest(phone: str, code: str) -> str:
    return hashlib.sha256(f"{phone}:{code}".encode()).hexdigest()


def _latest(session: Session, phone: str, purpose: str) -> SmsCode | None:
    return session.scalars(
        select(SmsCode).where(SmsCode.phone == phone, SmsCode.purpose == purpose)
        .order_by(SmsCode.created_at.desc(), SmsCode.id.desc()).limit(1)
    ).first()


def issue_code(session: Session, phone: str, purpose: str = "register", limits: Limits | None = None,
               locale: str | None = None) -> IssueResult:
    """Send a code unless a limit refuses it. The address and platform counts are taken in the same
    statement as their check (atomic); the caller commits them even when refused, so refusals count."""
    now = clock.now()
    latest = _latest(session, phone, purpose)
    if latest is not None and now - latest.created_at < RESEND_AFTER:
        wait = RESEND_AFTER - (now - latest.created_at)
        return IssueResult(False, max(1, int(wait.total_seconds() + 0.999)), "phone")
    if limits is not None:
        for key, limit, kind in ((f"sms:ip:{limits.address or ''}", limits.per_address, "address"),
                                 ("sms:platform", limits.per_hour, "platform")):
            wait = rate_limits.hit(session, key, limit, LIMIT_WINDOW)
            if wait:
                return IssueResult(False, wait, kind)
    code = f"{secrets.randbelow(10**6):06d}"
    session.add(SmsCode(phone=phone, purpose=purpose, code_digest=_digest(phone, code),
                        created_at=now, expires_at=now + VALID_FOR))
    # In the language of the page that asked (registration) or of the account (password reset).
    outbox.enqueue(session, "sms", phone, in_language(locale, N_("手机验证码")), in_language(locale, N_(
        "您的验证码为 %(code)s，10 分钟内有效。如非本人操作，请忽略本短信。【全国对标达标信息服务平台】", code=code)))
    return IssueResult(True, int(RESEND_AFTER.total_seconds()))


WRONG_CODE = N_("验证码不正确")


def count_wrong_code(session: Session, phone: str, purpose: str = "register") -> None:
    """A wrong code counts towards MAX_ATTEMPTS even when the request that carried it is rolled back."""
    latest = _latest(session, phone, purpose)
    if latest is not None:
        latest.attempts += 1


def check_code(session: Session, phone: str, code: str, purpose: str = "register") -> str | None:
    """None when the code is right (and consumes it); otherwise the reason, in Chinese."""
    latest = _latest(session, phone, purpose)
    now = clock.now()
    if latest is None or latest.consumed_at is not None:
        return N_("请先获取手机验证码")
    if latest.expires_at <= now:
        return N_("验证码已过期，请重新获取")
    if latest.attempts >= MAX_ATTEMPTS:
        return N_("验证码错误次数过多，请重新获取")
    if not hmac.compare_digest(latest.code_digest, _digest(phone, (code or "").strip())):
        latest.attempts += 1
        return WRONG_CODE
    latest.consumed_at = now
    return None
