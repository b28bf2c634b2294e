"""The login page's image captcha; only a keyed digest of the answer sits in the session."""
from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from captcha.image import ImageCaptcha
from flask import current_app, session

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
    session["captcha"] = {"digest": _digest(answer), "at": int(time.time())}
    return _generator.generate(answer, format="png").getvalue()


def check(answer: str) -> bool:
    """True when right; a captcha is good for one try either way."""
    stored = session.pop("captcha", None)
    if current_app.config.get("CAPTCHA_TEST_MODE") and (answer or "").strip() == TEST_WORD:
        return True
    if not stored or time.time() - stored.get("at", 0) > VALID_SECONDS:
        return False
    return hmac.compare_digest(stored["digest"], _digest(answer or ""))
