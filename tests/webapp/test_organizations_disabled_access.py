"""A disabled (停用) organisation: its users see only 注册状态 and 我的消息 (with the reason), its API tokens
are refused, its running work is left as it is and what it published stays public; 启用 undoes it all."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import ApiToken, HumanTask, Organization, ProcessInstance, User
from tests.webapp.helpers import (
    OTHER_EMAIL,
    OTHER_PASSWORD,
    api_token,
    count,
    first,
    flashes,
    login,
    page,
    text_of,
)
from tests.webapp.pilot_flow import make_member, make_pilot
from tests.webapp.test_declarations import declared, table

REASON = "年度核查发现资质证书已过期"
NOTICE = "您单位的帐号已停用，只能查看注册状态和“我的消息”"
API_REFUSAL = "您单位的帐号已停用，不能使用接口"
CLOSED_PAGES = ["/account/profile", "/account/enterprise-info", "/account/industries.json?q=电",
                "/tasks/", "/tasks/done", "/my/declarations", "/my/declarations/new", "/my/enrollments",
                "/my/comments"]
PUBLIC_PAGES = ["/plans/", "/declarations/", "/", "/results/", "/pilots/"]


@pytest.fixture
def other_org(other_enterprise, session_factory) -> int:
    return first(session_factory, select(User.organization_id).where(User.id == other_enterprise))


def disable(office_client, organization_id: int) -> None:
    response = office_client.post(f"/office/organizations/{organization_id}/disable", data={"reason": REASON})
    assert response.status_code == 302
    assert "已停用" in flashes(office_client.get(response.headers["Location"]))[-1]


def enable(office_client, organization_id: int) -> None:
    assert office_client.post(f"/office/organizations/{organization_id}/enable").status_code == 302


def redirected_to_status(response) -> bool:
    return response.status_code == 302 and response.headers["Location"] == "/account/status"


def test_a_disabled_user_logs_in_to_the_status_page_with_the_reason(client, office_client, other_org):
    disable(office_client, other_org)
    response = login(client, OTHER_EMAIL, OTHER_PASSWORD)
    assert response.status_code == 302
    status = client.get("/account/status")
    assert client.get(response.headers["Location"]).headers["Location"] == "/account/status"
    assert status.status_code == 200
    assert page(status).xpath("//*[@data-org-status]")[0].text_content() == "已停用"
    (alert,) = page(status).xpath("//*[@data-disabled]")
    assert "已被专项办停用" in alert.text_content()
    assert page(status).xpath("//*[@data-suspension-reason]")[0].text_content() == REASON
    assert "2026-11-02 09:30" in alert.text_content()

    messages = client.get("/account/messages")
    assert messages.status_code == 200
    assert "单位帐号已停用" in text_of(messages) and REASON in text_of(messages)


def test_a_wrong_password_still_fails_as_usual(client, office_client, other_org):
    disable(office_client, other_org)
    response = login(client, OTHER_EMAIL, "Wrong#12345")
    assert response.status_code == 200 and "用户名或密码不正确" in text_of(response)


@pytest.mark.parametrize("path", CLOSED_PAGES)
def test_every_other_page_sends_a_disabled_user_to_the_status_page(office_client, other_client, other_org, path):
    assert other_client.get(path).status_code in (200, 302)  # a session opened before the 停用 …
    disable(office_client, other_org)
    response = other_client.get(path)  # … is closed in too
    assert redirected_to_status(response)
    assert flashes(other_client.get("/account/status")) == [NOTICE]


def test_the_public_pages_stay_open_to_a_disabled_user(office_client, other_client, other_org):
    disable(office_client, other_org)
    for path in PUBLIC_PAGES:
        assert other_client.get(path).status_code == 200, path


def test_login_with_a_next_page_ends_on_the_status_page(client, office_client, other_org):
    disable(office_client, other_org)
    response = login(client, OTHER_EMAIL, OTHER_PASSWORD, query_string={"next": "/account/profile"})
    assert response.headers["Location"] == "/account/profile"
    assert redirected_to_status(client.get("/account/profile"))


def test_posts_are_refused_and_change_nothing(office_client, other_client, other_org, session_factory):
    disable(office_client, other_org)
    before = first(session_factory, select(Organization.name).where(Organization.id == other_org))
    assert redirected_to_status(other_client.post("/account/profile", data={"name": "改名企业有限公司"}))
    assert first(session_factory, select(Organization.name).where(Organization.id == other_org)) == before
    assert redirected_to_status(other_client.post("/account/status/withdraw"))
    assert other_client.post("/logout").status_code == 302  # signing out still works
    assert other_client.get("/account/status").status_code == 302  # … and it did sign out


def test_a_disabled_member_is_told_why_it_cannot_enrol(office, office_client, other_client, other_org,
                                                       session_factory):
    pilot_id = make_pilot(session_factory, office, recruit_type="enterprise")
    disable(office_client, other_org)
    assert "帐号已停用" in text_of(other_client.get("/pilots/"))  # not "帐号审核通过后才能报名"
    assert "您单位的帐号已停用，不能报名" in text_of(other_client.get(f"/pilots/{pilot_id}"))


def test_a_disabled_user_may_still_change_its_password(office_client, other_client, other_org, session_factory):
    disable(office_client, other_org)
    before = first(session_factory, select(User.password_hash).where(User.email == OTHER_EMAIL))
    assert other_client.get("/account/password").status_code == 200
    response = other_client.post("/account/password", data={
        "old_password": OTHER_PASSWORD, "new_password": "Newer#12345", "confirm_password": "Newer#12345"})
    assert response.status_code == 302 and not redirected_to_status(response)
    assert first(session_factory, select(User.password_hash).where(User.email == OTHER_EMAIL)) != before


def test_pending_applicants_keep_their_pages(applicant_client):
    assert applicant_client.get("/account/password").status_code == 200
    status = applicant_client.get("/account/status")
    assert not page(status).xpath("//*[@data-disabled]")


def test_enabling_opens_every_page_again(office_client, other_client, other_org):
    disable(office_client, other_org)
    assert redirected_to_status(other_client.get("/account/profile"))
    enable(office_client, other_org)
    assert other_client.get("/account/profile").status_code == 200
    status = other_client.get("/account/status")
    assert not page(status).xpath("//*[@data-disabled]")
    assert "单位帐号已恢复启用" in text_of(other_client.get("/account/messages"))


# --- the API -----------------------------------------------------------------------------------


def test_api_tokens_of_a_disabled_organisation_are_refused(client, office_client, other_org, session_factory):
    headers = api_token(client, OTHER_EMAIL, OTHER_PASSWORD)
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    disable(office_client, other_org)
    for path in ("/api/v1/tasks", "/api/v1/tasks/1", "/api/v1/instances/1", "/api/v1/plans/1/application-form"):
        response = client.get(path, headers=headers)
        assert response.status_code == 403, path
        assert response.get_json() == {"error": API_REFUSAL}
    posted = client.post("/api/v1/plans/1/applications", headers=headers, data={})
    assert (posted.status_code, posted.get_json()) == (403, {"error": API_REFUSAL})

    tokens = count(session_factory, ApiToken)
    refused = client.post("/api/v1/tokens", json={"email": OTHER_EMAIL, "password": OTHER_PASSWORD})
    assert (refused.status_code, refused.get_json()) == (403, {"error": API_REFUSAL})
    assert count(session_factory, ApiToken) == tokens  # no new token
    wrong = client.post("/api/v1/tokens", json={"email": OTHER_EMAIL, "password": "Wrong#12345"})
    assert wrong.status_code == 401  # a wrong password says nothing about the account

    enable(office_client, other_org)
    assert client.get("/api/v1/tasks", headers=headers).status_code == 200
    assert client.post("/api/v1/tokens", json={"email": OTHER_EMAIL, "password": OTHER_PASSWORD}).status_code == 201


# --- running work and public results -----------------------------------------------------------


def test_running_work_is_left_and_public_results_stay_public(client, office_client, make_client, session_factory):
    member = make_member(session_factory, "ent@test.cn", "enterprise", "绿源电动车股份有限公司")
    declaration = declared(make_client(member.email, member.password), session_factory)
    instance_before = first(session_factory, select(ProcessInstance).where(
        ProcessInstance.id == declaration.instance_id))
    ready_before = [t.id for t in _ready(session_factory, declaration.instance_id)]
    assert ready_before  # the office's 核查 is open

    disable(office_client, member.organization_id)

    instance = first(session_factory, select(ProcessInstance).where(ProcessInstance.id == declaration.instance_id))
    assert (instance.status, instance.stage, instance.version) == (
        instance_before.status, instance_before.stage, instance_before.version)
    assert [t.id for t in _ready(session_factory, declaration.instance_id)] == ready_before
    _headings, rows = table(client.get("/declarations/"), "data-declarations")
    assert any("绿源电动车股份有限公司" in cell for row in rows for cell in row)
    assert client.get(f"/declarations/{declaration.id}").status_code == 200


def _ready(session_factory, instance_id: int) -> list[HumanTask]:
    with session_factory() as session:
        return list(session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance_id, HumanTask.state == "ready").order_by(HumanTask.id)))
