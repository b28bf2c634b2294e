"""单位成员: invitations, rights, 停用 / 启用 and their audit, every refusal leaving nothing changed."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from storage.models import TeamAudit, TeamInvitation, User
from tests.webapp import team_flow
from tests.webapp.helpers import (
    OTHER_EMAIL,
    all_rows,
    api_token,
    count,
    field_errors,
    first,
    flashes,
    login,
    outbox,
    text_of,
)
from tests.webapp.team_flow import COLLEAGUE_PASSWORD, accept

COLLEAGUE = "colleague@test.cn"


def invitation_link(app, email: str = COLLEAGUE) -> str:
    return team_flow.invitation_link(app, email)


def invite(client, email: str = COLLEAGUE, rights=("submit",), **extra):
    return team_flow.invite(client, email, rights, **extra)


def user(session_factory, email: str) -> User:
    return first(session_factory, select(User).where(User.email == email))


@pytest.fixture
def colleague(app, other_client, session_factory):
    """A second person of 其他企业有限公司 with the right to submit, logged in."""
    return team_flow.joined(app, other_client, COLLEAGUE)


def test_invited_colleague_joins_the_organisation(app, other_client, colleague, session_factory):
    admin, person = user(session_factory, OTHER_EMAIL), user(session_factory, COLLEAGUE)
    assert person.organization_id == admin.organization_id
    assert (person.full_name, person.rights, person.roles) == ("王工程师", "view submit", "enterprise")
    assert admin.rights == "view submit review admin"  # the registering account: 单位管理员
    stored = first(session_factory, select(TeamInvitation))
    assert stored.accepted_user_id == person.id and len(stored.token_digest) == 64
    assert stored.expires_at - stored.created_at == timedelta(hours=72)
    page = text_of(other_client.get("/account/team/"))
    assert COLLEAGUE in page and "王工程师" in page and "从未登录" not in page.split(COLLEAGUE)[1][:80]
    log = text_of(other_client.get("/account/team/log"))
    assert "邀请成员" in log and "接受邀请" in log and "王工程师（colleague@test.cn）" in log
    assert login(app.test_client(), COLLEAGUE, COLLEAGUE_PASSWORD).status_code == 302


def test_a_link_works_once_and_for_72_hours(app, other_client, client, frozen_clock, session_factory):
    invite(other_client)
    link = invitation_link(app)
    assert client.get(link).status_code == 200
    frozen_clock.advance(timedelta(hours=72, seconds=1))
    expired = client.get(link)
    assert expired.status_code == 410 and "邀请链接已过期" in text_of(expired)
    assert accept(client, link).status_code == 410
    assert user(session_factory, COLLEAGUE) is None

    frozen_clock.advance(timedelta(hours=-73))
    invite(other_client, "second@test.cn")
    second = invitation_link(app, "second@test.cn")
    assert accept(client, second).status_code == 302
    reused = accept(app.test_client(), second, password="Another#123")
    assert reused.status_code == 410 and "已使用过" in text_of(reused)
    assert client.get("/invitation/not-a-token").status_code == 404


@pytest.mark.parametrize("email, message", [
    ("office@test.cn", "该邮箱已注册在其他单位"),
    (OTHER_EMAIL, "该邮箱已是本单位成员"),
    ("not-an-address", "请输入有效的邮箱地址"),
], ids=["another organisation", "own member", "bad address"])
def test_invitation_refusals(app, other_client, office, session_factory, email, message):
    response = invite(other_client, email)
    assert response.status_code == 422
    assert any(message in m for m in field_errors(response).get("email", [])), field_errors(response)
    assert count(session_factory, TeamInvitation) == 0 and outbox(app, "email") == []


def test_accept_refuses_bad_input_at_the_field(app, other_client, client, session_factory):
    invite(other_client)
    link = invitation_link(app)
    response = client.post(link, data={"full_name": "", "password": "short", "password_confirm": "short"})
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors["full_name"] == ["请填写姓名"] and "密码至少 8 位" in errors["password"]
    assert user(session_factory, COLLEAGUE) is None
    assert accept(client, link).status_code == 302  # the link was not spent by the refusal


def test_the_last_administrator_keeps_the_right_and_the_account(other_client, other_enterprise, session_factory):
    response = other_client.post(f"/account/team/{other_enterprise}/rights", data={"rights": ["submit"]})
    assert response.status_code == 422
    assert "不能移除最后一位管理员的管理权限" in field_errors(response)["rights"]
    assert user(session_factory, OTHER_EMAIL).rights == "view submit review admin"
    refused = other_client.post(f"/account/team/{other_enterprise}/disable")
    assert refused.status_code == 422 and "不能停用自己的帐号" in text_of(refused)
    assert user(session_factory, OTHER_EMAIL).is_enabled
    assert count(session_factory, TeamAudit) == 0


def test_a_member_cannot_raise_own_rights(colleague, session_factory):
    me = user(session_factory, COLLEAGUE)
    response = colleague.post(f"/account/team/{me.id}/rights", data={"rights": ["submit", "admin"]})
    assert response.status_code == 403 and "您没有“管理”权限" in " ".join(flashes(response))
    assert user(session_factory, COLLEAGUE).rights == "view submit"
    assert colleague.get("/account/team/").status_code == 403
    assert invite(colleague, "third@test.cn").status_code == 403
    assert count(session_factory, TeamInvitation) == 1


def test_administrator_grants_and_withdraws_rights(other_client, colleague, session_factory):
    me = user(session_factory, COLLEAGUE)
    assert other_client.post(f"/account/team/{me.id}/rights",
                             data={"rights": ["review", "admin"]}).status_code == 302
    assert user(session_factory, COLLEAGUE).rights == "view review admin"
    assert colleague.get("/account/team/").status_code == 200  # the right counts at once
    changed = all_rows(session_factory, select(TeamAudit).where(TeamAudit.action == "change_rights"))
    assert changed[0].detail == {"before": {"rights": "view submit", "roles": "enterprise"},
                                 "after": {"rights": "view review admin", "roles": "enterprise"}}


def test_disabling_ends_sessions_and_tokens_and_keeps_the_work(app, other_client, colleague, session_factory):
    headers = api_token(app.test_client(), COLLEAGUE, COLLEAGUE_PASSWORD)
    me = user(session_factory, COLLEAGUE)
    assert other_client.post(f"/account/team/{me.id}/disable").status_code == 302
    assert colleague.get("/account/password").status_code == 302  # to the login page
    assert app.test_client().get("/api/v1/tasks", headers=headers).status_code == 401
    assert "用户名或密码不正确" in field_errors(login(app.test_client(), COLLEAGUE, COLLEAGUE_PASSWORD))["password"]
    assert other_client.post(f"/account/team/{me.id}/enable").status_code == 302
    assert login(app.test_client(), COLLEAGUE, COLLEAGUE_PASSWORD).status_code == 302
    actions = [r.action for r in all_rows(session_factory, select(TeamAudit).order_by(TeamAudit.id))]
    assert actions == ["invite", "accept", "disable", "enable"]


def test_another_organisations_people_are_out_of_reach(app, other_client, colleague, make_client, session_factory):
    from demodata import ensure_user
    from tests.webapp.helpers import remembered_password_hashes
    from webapp import db

    with app.app_context(), remembered_password_hashes():
        ensure_user(db.session(), "third@test.cn", "Third#1234", "enterprise", "第三企业有限公司")
        db.commit()
    stranger = make_client("third@test.cn", "Third#1234")
    me = user(session_factory, COLLEAGUE)
    for path in (f"/account/team/{me.id}/rights", f"/account/team/{me.id}/disable"):
        assert stranger.post(path, data={"rights": ["admin"]}).status_code == 404
    assert COLLEAGUE not in text_of(stranger.get("/account/team/"))
    assert user(session_factory, COLLEAGUE).rights == "view submit" and user(session_factory, COLLEAGUE).is_enabled


def test_a_withdrawn_invitation_opens_nothing(app, other_client, client, session_factory):
    invite(other_client)
    link = invitation_link(app)
    assert COLLEAGUE in text_of(other_client.get("/account/team/"))  # 待接受的邀请
    invitation = first(session_factory, select(TeamInvitation))
    assert other_client.post(f"/account/team/invitations/{invitation.id}/revoke").status_code == 302
    refused = accept(client, link)
    assert refused.status_code == 410 and "该邀请已被管理员撤销" in text_of(refused)
    assert user(session_factory, COLLEAGUE) is None
    again = other_client.post(f"/account/team/invitations/{invitation.id}/revoke", follow_redirects=True)
    assert "该邀请已使用或已撤销" in " ".join(flashes(again))
    assert [r.action for r in all_rows(session_factory, select(TeamAudit).order_by(TeamAudit.id))] == [
        "invite", "revoke_invitation"]
