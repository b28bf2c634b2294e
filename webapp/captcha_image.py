"""The login page's image captcha; only a keyed digest of the answer sits in the session, with a random
id the server spends when the captcha is answered — so a cookie saved from before an attempt cannot be
sent again to reuse the same captcha."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import timedelta

from captcha.image import ImageCaptcha
from flask import current_app, session

from engine.domain import auth as accounts
from webapp import db

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
LENGTH = 4
VALID_SECONDS = 300
TEST_WORD = "PASSED"
_generator = ImageCaptcha(width=120, height=44, font_sizes=(30, 34, 36))


def _digest(answer: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, answer.strip().upper().encode(), hashlib.sha256).hexdigest()


def new_image() -> bytes:
    answer = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    session["captcha"] = {"digest": _digest(answer), "at": int(time.time()), "id": secrets.token_urlsafe(16)}
    return _generator.generate(answer, format="png").getvalue()


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
