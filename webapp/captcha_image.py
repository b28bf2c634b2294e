"""The login page's captcha: an image, or for those who cannot see it a question in words (文字验证码,
read by screen readers). Only a keyed digest of the answer sits in the session, with a random id the
server spends when the captcha is answered — so a cookie saved from before an attempt cannot be sent
again to reuse the same captcha. Asking for one kind replaces the other."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import timedelta

from captcha.image import ImageCaptcha
from flask import current_app, session
from flask_babel import gettext as _

from engine.domain import auth as accounts
from webapp import db

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
LENGTH = 4
VALID_SECONDS = 300
TEST_WORD = "PASSED"
_DIGITS = "零一二三四五六七八九"
_generator = ImageCaptcha(width=120, height=44, font_sizes=(30, 34, 36))


def _digest(answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, answer.strip().upper().encode(), hashlib.sha256).hexdigest()


def _remember(answer: str) -> None:
    session["captcha"] = {"digest": _digest(answer), "at": int(time.time()), "id": secrets.token_urlsafe(16)}


def new_image() -> bytes:
    answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    _remember(answer)
    return _generator.generate(answer, format="png").getvalue()


def new_question() -> str:
    """A sum or a difference of two numbers from one to nine, in Chinese words; answered in digits."""
    first, second = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    if secrets.randbelow(2) and first != second:
        first, second = max(first, second), min(first, second)
        _remember(str(first - second))
        return _("%(first)s 减 %(second)s 等于几？请填写阿拉伯数字。", first=_DIGITS[first], second=_DIGITS[second])
    _remember(str(first + second))
    return _("%(first)s 加 %(second)s 等于几？请填写阿拉伯数字。", first=_DIGITS[first], second=_DIGITS[second])


def check(answer: str) -> bool:
    """True when right; a captcha is good for one try either way, also when its cookie is sent again
    (the server remembers the ids it spent, committed with the attempt's other rows by the caller)."""
    stored = session.pop("captcha", None)
    if current_app.config.get("CAPTCHA_TEST_MODE") and (answer or "").strip() == TEST_WORD:
        return True
    if not stored or not stored.get("id") or time.time() - stored.get("at", 0) > VALID_SECONDS:
        return False
    if not accounts.spend_nonce(db.session(), f"captcha:{stored['id']}", timedelta(seconds=VALID_SECONDS)):
        return False
    return hmac.compare_digest(stored["digest"], _digest(answer or ""))
