"""系统管理 → 账号管理: the office's administrator adds office staff, designers and operators in the browser
(the invitation flow of 单位成员, with roles), changes their roles and disables them; nobody else may."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import TeamAudit, User
from tests.webapp.helpers import (
    OFFICE_EMAIL,
    OTHER_EMAIL,
    all_rows,
    field_errors,
    first,
    page,
)
from tests.webapp.team_flow import invite, joined

STAFF = "/admin/accounts"


def _user(session_factory, email: str) -> User:
    return first(session_factory, select(User).where(User.email == email))


def _menu(client) -> list[str]:
    return [" ".join(a.text_content().split()) for a in page(client.get("/account/password")).xpath(
        "//nav[contains(@class,'side-menu')]/*")]


def test_the_office_adds_a_designer_in_the_browser(app, office_client, session_factory):
    assert "账号管理" in _menu(office_client)
    designer = joined(app, office_client, "designer2@test.cn", (), base=STAFF, roles=["designer"], name="钱设计")
    person = _user(session_factory, "designer2@test.cn")
    assert (person.roles, person.rights, person.full_name) == ("designer", "view submit review", "钱设计")
    assert person.organization_id == _user(session_factory, OFFICE_EMAIL).organization_id
    assert designer.get("/design/").status_code == 200  # the role works at once
    assert designer.get(STAFF + "/").status_code == 403  # not an administrator
    assert "账号管理" not in _menu(designer) and "系统管理" not in _menu(designer)

    # Roles changed: an operator now, no longer a designer.
    assert office_client.post(f"{STAFF}/{person.id}/rights", data={"roles": ["operator"]}).status_code == 302
    assert _user(session_factory, "designer2@test.cn").roles == "operator"
    assert designer.get("/design/").status_code == 403 and designer.get("/operations/instances").status_code == 200
    assert office_client.post(f"{STAFF}/{person.id}/disable").status_code == 302
    assert designer.get("/operations/instances").status_code == 302  # logged out
    actions = [r.action for r in all_rows(session_factory, select(TeamAudit).order_by(TeamAudit.id))]
    assert actions == ["invite", "accept", "change_rights", "disable"]
    assert "钱设计（designer2@test.cn）" in page(office_client.get(STAFF + "/log")).text_content()


def test_staff_invitations_need_a_role_and_an_office_address(app, office_client, other_enterprise, session_factory):
    no_role = invite(office_client, "nobody@test.cn", (), base=STAFF)
    assert no_role.status_code == 422 and field_errors(no_role)["roles"] == ["请至少选择一个角色"]
    taken = invite(office_client, OTHER_EMAIL, (), base=STAFF, roles=["office"])
    assert "该邮箱已注册在其他单位，不能邀请" in field_errors(taken)["email"]
    forged = invite(office_client, "x@test.cn", (), base=STAFF, roles=["enterprise"])
    assert forged.status_code == 422 and "roles" in field_errors(forged)
    assert all_rows(session_factory, select(TeamAudit)) == []


def test_only_the_office_administrator_reaches_account_management(other_client, office_client, session_factory):
    assert other_client.get(STAFF + "/").status_code == 403
    assert invite(other_client, "spy@test.cn", (), base=STAFF, roles=["office"]).status_code == 403
    assert office_client.get("/account/team/").status_code == 403  # the office's people live in 账号管理
    assert "单位成员" in _menu(other_client) and "账号管理" not in _menu(other_client)
    office_id = _user(session_factory, OFFICE_EMAIL).id
    assert other_client.post(f"{STAFF}/{office_id}/disable").status_code == 403
    assert _user(session_factory, OFFICE_EMAIL).is_enabled
