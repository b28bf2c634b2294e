"""SMS codes, passwords, login throttling and API tokens."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import demodata
from engine.domain import auth, sms
from storage.models import OutboxItem
from tests.conftest import PLATFORM_DUMMY_HASH
from tests.factories import office_user


def _code(session) -> str:
    text = session.scalars(select(OutboxItem.body).where(OutboxItem.channel == "sms")
                           .order_by(OutboxItem.id.desc())).first()
    return text.split("验证码为 ")[1][:6]


def test_code_is_valid_for_ten_minutes_and_used_once(session, frozen_clock):
    assert sms.issue_code(session, "13800000000").sent
    code = _code(session)
    frozen_clock.advance(timedelta(minutes=9, seconds=59))
    assert sms.check_code(session, "13800000000", code) is None
    assert sms.check_code(session, "13800000000", code) == "请先获取手机验证码"


def test_expired_and_wrong_codes(session, frozen_clock):
    sms.issue_code(session, "13800000000")
    code = _code(session)
    assert sms.check_code(session, "13800000000", "000000" if code != "000000" else "111111") \
        == "验证码不正确"
    assert sms.check_code(session, "13900000000", code) == "请先获取手机验证码"
    frozen_clock.advance(timedelta(minutes=10, seconds=1))
    assert sms.check_code(session, "13800000000", code) == "验证码已过期，请重新获取"


def test_guessing_is_capped(session, frozen_clock):
    sms.issue_code(session, "13800000000")
    code = _code(session)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(sms.MAX_ATTEMPTS):
        sms.check_code(session, "13800000000", wrong)
    assert sms.check_code(session, "13800000000", code) == "验证码错误次数过多，请重新获取"


def test_resend_waits_sixty_seconds(session, frozen_clock):
    assert sms.issue_code(session, "13800000000").sent
    frozen_clock.advance(timedelta(seconds=45))
    again = sms.issue_code(session, "13800000000")
    assert (again.sent, again.retry_after) == (False, 15)
    assert sms.issue_code(session, "13700000000").sent  # another phone is not held up
    frozen_clock.advance(timedelta(seconds=15))
    assert sms.issue_code(session, "13800000000").sent
    assert len(session.scalars(select(OutboxItem).where(OutboxItem.recipient == "13800000000")).all()) == 2


@pytest.mark.parametrize(("password", "problem"), [
    ("short1!", "密码至少 8 位"),
    ("abcdefgh", "密码须包含字母、数字、符号中的至少两类"),
    ("12345678", "密码须包含字母、数字、符号中的至少两类"),
    ("abcd1234", None),
    ("Secret#123", None),
])
def test_password_rules(password, problem):
    assert auth.password_problem(password) == problem


def test_passwords_are_hashed_slowly(session):
    # Made as the platform makes accounts (the factories' users hash with a small work factor).
    user = demodata.ensure_user(session, "office@test.cn", "Office#123", "office", "对标达标提升专项行动办公室")
    assert user.password_hash.startswith("scrypt:")
    assert int(user.password_hash.split("$")[0].split(":")[1]) >= 2**15  # scrypt's N
    assert auth.verify_credentials(session, "OFFICE@test.cn ", "Office#123") is user
    assert auth.verify_credentials(session, "office@test.cn", "wrong") is None
    assert auth.verify_credentials(session, "nobody@test.cn", "Office#123") is None


def test_an_unknown_email_is_checked_against_a_hash_as_slow_as_a_real_one(session, monkeypatch):
    # The platform's dummy hash (tests/conftest.py swaps in a cheaper one) is made as hash_password makes one.
    assert PLATFORM_DUMMY_HASH.split("$")[0] == auth.hash_password("x").split("$")[0]
    checked = []
    monkeypatch.setattr(auth, "check_password_hash", lambda hashed, password: checked.append(hashed) or False)
    assert auth.verify_credentials(session, "nobody@test.cn", "Office#123") is None
    assert checked == [auth._DUMMY_HASH]


def test_login_throttle_blocks_after_five_failures_for_fifteen_minutes(session, frozen_clock):
    keys = ["login:email:a@b.cn", "login:ip:127.0.0.1"]

    def wrong_password():  # what a login does: count the attempt, check the password, record the failure
        assert auth.reserve_attempt(session, keys)
        auth.record_failure(session, keys)

    for _ in range(auth.MAX_FAILURES - 1):
        wrong_password()
    assert auth.blocked_seconds(session, keys) == 0
    wrong_password()
    assert auth.blocked_seconds(session, keys) == 15 * 60
    frozen_clock.advance(timedelta(minutes=15, seconds=1))
    assert auth.blocked_seconds(session, keys) == 0


def test_tokens_are_stored_as_digests_and_expire(session, frozen_clock):
    from storage.models import ApiToken

    user = office_user(session)
    raw = auth.issue_token(session, user)
    session.commit()
    stored = session.scalars(select(ApiToken.digest)).one()
    assert raw not in stored and stored == auth.digest_token(raw)
    assert auth.user_for_token(session, raw) is user
    assert auth.user_for_token(session, raw + "x") is None
    frozen_clock.advance(auth.TOKEN_LIFETIME + timedelta(seconds=1))
    assert auth.user_for_token(session, raw) is None


def test_parallel_wrong_passwords_reach_the_password_check_no_more_than_the_limit(session_factory, frozen_clock):
    """The probe: 20 parallel wrong passwords gave 19 password checks and a 500 on PostgreSQL. Each
    attempt is now counted atomically before its check: exactly the limit get through, none fails."""
    import threading

    keys = ["login:email:race@b.cn", "login:ip:198.51.100.7"]
    outcomes, errors, start = [], [], threading.Barrier(20)

    def attempt():
        try:
            with session_factory() as own:
                start.wait(timeout=10)
                allowed = auth.reserve_attempt(own, keys)
                own.commit()
                if allowed:
                    auth.record_failure(own, keys)
                    own.commit()
                outcomes.append(allowed)
        except Exception as exc:  # noqa: BLE001 - any failure is the bug this test is about
            errors.append(repr(exc))

    threads = [threading.Thread(target=attempt) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(outcomes) == 20
    assert outcomes.count(True) == auth.MAX_FAILURES
    with session_factory() as fresh:
        assert auth.blocked_seconds(fresh, keys) == 15 * 60
