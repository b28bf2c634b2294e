"""Fixed windows in the throttle table: counted per key, refused past the limit with the seconds left,
started again when the window is over; API tokens listed, revoked (then refused) and their use recorded."""
from __future__ import annotations

from datetime import timedelta

from engine.domain import api_tokens, auth, rate_limits
from tests.factories import office_user

WINDOW = timedelta(seconds=60)


def test_a_key_is_refused_past_its_limit_until_the_window_ends(session, frozen_clock):
    key = rate_limits.token_key(1)
    assert [rate_limits.hit(session, key, 2, WINDOW) for _ in range(2)] == [0, 0]
    frozen_clock.advance(timedelta(seconds=15))
    assert rate_limits.hit(session, key, 2, WINDOW) == 45
    assert rate_limits.hit(session, rate_limits.token_key(2), 2, WINDOW) == 0  # another key, its own window
    frozen_clock.advance(timedelta(seconds=45))
    assert rate_limits.hit(session, key, 2, WINDOW) == 0  # a new window
    session.commit()


def test_tokens_are_listed_revoked_and_their_use_recorded(session, frozen_clock):
    user = office_user(session)
    raw = api_tokens.issue(session, user, " ERP ", 7)
    session.flush()
    (token,) = api_tokens.tokens_of(session, user.id)
    assert (token.name, api_tokens.state(token), token.last_used_at) == ("ERP", "active", None)
    holder = auth.token_holder(session, raw)
    assert holder.token_id == token.id and holder.last_used_at is None
    caller = holder.user  # plain values read with the token; the row on demand
    assert (caller.id, caller.organization_id, caller.role_set, caller.right_set, caller.organization_status) == (
        user.id, user.organization_id, user.role_set, user.right_set, user.organization.status)
    assert caller.has_role("office") and caller.row is user and caller.password_hash == user.password_hash
    api_tokens.record_use(session, holder)
    session.refresh(token)
    first_use = token.last_used_at
    assert first_use is not None
    frozen_clock.advance(timedelta(seconds=30))
    api_tokens.record_use(session, auth.token_holder(session, raw))
    session.refresh(token)
    assert token.last_used_at == first_use  # written at most once a minute
    frozen_clock.advance(timedelta(seconds=30))
    api_tokens.record_use(session, auth.token_holder(session, raw))
    session.refresh(token)
    assert token.last_used_at > first_use
    assert api_tokens.revoke(session, user.id + 1, token.id) is False  # not theirs
    assert api_tokens.revoke(session, user.id, token.id) is True
    assert api_tokens.revoke(session, user.id, token.id) is False
    session.flush()
    assert api_tokens.state(token) == "revoked" and auth.token_holder(session, raw) is None
    session.commit()
