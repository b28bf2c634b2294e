"""单位管理 → 停用 / 启用: the office suspends an active enterprise or institution with a reason and
restores it; every refusal (bad input, wrong status, not the office) leaves everything as it was."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.domain import organizations
from storage.models import Message, Organization, User
from storage.models.accounts import OrganizationStatusChange
from tests.conftest import START
from tests.webapp.helpers import (
    OFFICE_EMAIL,
    OTHER_EMAIL,
    OTHER_PASSWORD,
    all_rows,
    count,
    csrf_token,
    field_errors,
    first,
    flashes,
    outbox,
    page,
)
from tests.webapp.pilot_flow import make_member

REASON = "提交的营业执照已被吊销，\n请联系专项办"
INSTITUTION_EMAIL, INSTITUTION_NAME = "lab@test.cn", "华测检测认证有限公司"


@pytest.fixture
def other_org(other_enterprise, session_factory) -> int:
    return first(session_factory, select(User.organization_id).where(User.id == other_enterprise))


@pytest.fixture
def institution(app, session_factory):
    return make_member(session_factory, INSTITUTION_EMAIL, "institution", INSTITUTION_NAME)


def disable(client, organization_id: int, reason: str | None = REASON, **kwargs):
    data = {} if reason is None else {"reason": reason}
    return client.post(f"/office/organizations/{organization_id}/disable", data=data, **kwargs)


def enable(client, organization_id: int, **kwargs):
    return client.post(f"/office/organizations/{organization_id}/enable", **kwargs)


def status_of(session_factory, organization_id: int) -> str:
    return first(session_factory, select(Organization.status).where(Organization.id == organization_id))


def snapshot(session_factory, organization_id: int) -> tuple:
    """Everything a 停用 / 启用 writes: the status, its record, the notices."""
    return (status_of(session_factory, organization_id),
            count(session_factory, OrganizationStatusChange),
            count(session_factory, Message, Message.organization_id == organization_id))


def changes(session_factory, organization_id: int) -> list[OrganizationStatusChange]:
    return all_rows(session_factory, select(OrganizationStatusChange).where(
        OrganizationStatusChange.organization_id == organization_id).order_by(OrganizationStatusChange.id))


# --- 停用 and 启用 ----------------------------------------------------------------------------


def test_office_disables_an_active_enterprise_with_a_reason(app, office_client, office, other_org,
                                                            session_factory):
    detail = office_client.get(f"/office/organizations/{other_org}")
    (form,) = page(detail).xpath("//form[@data-disable-form]")
    assert form.get("action") == f"/office/organizations/{other_org}/disable"
    assert "确定停用“其他企业有限公司”的帐号" in form.get("data-confirm")
    assert page(detail).xpath("//script[contains(@src, 'confirm.js')]")
    assert not page(detail).xpath("//form[@data-enable-form]")

    response = disable(office_client, other_org, f"  {REASON}  ")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/office/organizations/{other_org}"
    assert status_of(session_factory, other_org) == "disabled"
    (change,) = changes(session_factory, other_org)
    assert (change.from_status, change.to_status, change.reason, change.changed_by_id) == (
        "active", "disabled", REASON, office)
    assert change.changed_at == START

    (notice,) = all_rows(session_factory, select(Message).where(Message.organization_id == other_org))
    assert notice.title == "单位帐号已停用" and REASON in notice.body and notice.link == "/account/status"
    assert any(m["channel"] == "email" and "单位帐号已停用" in m["subject"] for m in outbox(app))

    shown = office_client.get(response.headers["Location"])
    assert flashes(shown) == ["“其他企业有限公司”的帐号已停用"]
    assert page(shown).xpath("//dd[@data-status]")[0].text_content() == "已停用"
    assert page(shown).xpath("//dd[@data-suspension-reason]")[0].text_content() == REASON
    (row,) = page(shown).xpath("//table[@data-status-changes]/tbody/tr")
    cells = [" ".join(td.text_content().split()) for td in row.xpath("td")]
    assert cells == ["2026-11-02 09:30", "停用", OFFICE_EMAIL, " ".join(REASON.split())]
    assert not page(shown).xpath("//form[@data-disable-form]")
    assert page(shown).xpath("//form[@data-enable-form]/@action") == [f"/office/organizations/{other_org}/enable"]


def test_office_enables_a_disabled_organisation_again(office_client, office, other_org, session_factory):
    disable(office_client, other_org)
    response = enable(office_client, other_org)
    assert response.status_code == 302
    assert status_of(session_factory, other_org) == "active"
    first_change, second = changes(session_factory, other_org)
    assert (second.from_status, second.to_status, second.reason, second.changed_by_id) == (
        "disabled", "active", None, office)
    titles = [m.title for m in all_rows(session_factory, select(Message).where(
        Message.organization_id == other_org).order_by(Message.id))]
    assert titles == ["单位帐号已停用", "单位帐号已恢复启用"]

    shown = office_client.get(f"/office/organizations/{other_org}")
    assert flashes(shown)[-1] == "“其他企业有限公司”的帐号已启用"
    assert page(shown).xpath("//dd[@data-status]")[0].text_content() == "审核通过"
    assert not page(shown).xpath("//dd[@data-suspension-reason]")
    assert [row.get("data-status-change") for row in page(shown).xpath("//tr[@data-status-change]")] == [
        "active", "disabled"]  # newest first
    assert page(shown).xpath("//form[@data-disable-form]")


def test_an_institution_can_be_disabled_too(office_client, institution, session_factory):
    assert disable(office_client, institution.organization_id).status_code == 302
    assert status_of(session_factory, institution.organization_id) == "disabled"


def test_list_shows_disabled_and_filters_by_it(office_client, other_org, institution, applicant):
    disable(office_client, other_org)
    listing = office_client.get("/office/organizations/")
    assert "已停用" in [o.text_content() for o in page(listing).xpath("//select[@name='status']/option")]
    (cell,) = page(listing).xpath(f"//tr[@data-organization-id='{other_org}']/td[@data-status]")
    assert (cell.get("data-status"), cell.text_content()) == ("disabled", "已停用")
    filtered = office_client.get("/office/organizations/?status=disabled")
    assert [int(r) for r in page(filtered).xpath("//tr/@data-organization-id")] == [other_org]
    active = office_client.get("/office/organizations/?status=active")
    assert [int(r) for r in page(active).xpath("//tr/@data-organization-id")] == [institution.organization_id]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize("reason, message", [
    (None, "请填写停用原因"),
    ("", "请填写停用原因"),
    ("  \n\t ", "请填写停用原因"),
    ("长" * (organizations.MAX_REASON + 1), f"停用原因不能超过 {organizations.MAX_REASON} 个字"),
])
def test_a_missing_or_too_long_reason_is_shown_at_the_field(office_client, other_org, session_factory,
                                                           reason, message):
    before = snapshot(session_factory, other_org)
    response = disable(office_client, other_org, reason)
    assert response.status_code == 422
    assert field_errors(response) == {"reason": [message]}
    assert page(response).xpath("//textarea[@name='reason']")[0].text_content() == (reason or "")
    assert snapshot(session_factory, other_org) == before == ("active", 0, 0)


def test_the_longest_reason_is_accepted(office_client, other_org, session_factory):
    reason = "长" * organizations.MAX_REASON
    assert disable(office_client, other_org, reason).status_code == 302
    assert changes(session_factory, other_org)[0].reason == reason


# --- steps the status does not allow -----------------------------------------------------------


def test_pending_and_rejected_registrations_are_not_touched(office_client, applicant, session_factory):
    before = snapshot(session_factory, applicant.organization_id)
    detail = office_client.get(f"/office/organizations/{applicant.organization_id}")
    assert not page(detail).xpath("//form[@data-disable-form] | //form[@data-enable-form]")
    assert page(detail).xpath("//*[@data-no-status-action]")
    for post in (disable, enable):
        response = post(office_client, applicant.organization_id)
        assert response.status_code == 302
        assert snapshot(session_factory, applicant.organization_id) == before
    shown = office_client.get(f"/office/organizations/{applicant.organization_id}")
    assert flashes(shown) == ["只有状态为“审核通过”的企业或机构可以停用", "只有已停用的企业或机构可以启用"]

    with session_factory() as session:
        session.get(Organization, applicant.organization_id).status = "rejected"
        session.commit()
    disable(office_client, applicant.organization_id)
    enable(office_client, applicant.organization_id)
    assert snapshot(session_factory, applicant.organization_id) == ("rejected", 0, before[2])


def test_disabling_twice_or_enabling_an_active_one_is_refused(office_client, other_org, session_factory):
    assert enable(office_client, other_org).status_code == 302
    assert snapshot(session_factory, other_org) == ("active", 0, 0)
    disable(office_client, other_org)
    before = snapshot(session_factory, other_org)
    again = disable(office_client, other_org, "再次停用")
    assert again.status_code == 302
    assert snapshot(session_factory, other_org) == before == ("disabled", 1, 1)
    assert "只有状态为“审核通过”的企业或机构可以停用" in flashes(office_client.get(again.headers["Location"]))


def test_a_change_made_meanwhile_is_not_overwritten(office, other_org, session_factory):
    """Two offices at once: the later 停用 finds the organisation no longer active and writes nothing."""
    with session_factory() as session:
        actor = session.get(User, office)
        stale = session.get(Organization, other_org)
        assert stale.status == "active"
        session.commit()  # the objects stay loaded as they were (expire_on_commit=False)
        with session_factory() as other:
            other.get(Organization, other_org).status = "disabled"
            other.commit()
        with pytest.raises(organizations.StatusChangeRefused):
            organizations.disable(session, stale, actor, REASON)
        session.rollback()
    assert snapshot(session_factory, other_org) == ("disabled", 0, 0)


def test_office_and_unknown_organisations_are_not_found(office_client, session_factory):
    office_org = first(session_factory, select(Organization.id).where(Organization.kind == "office"))
    for organization_id in (office_org, 999999):
        assert disable(office_client, organization_id).status_code == 404
        assert enable(office_client, organization_id).status_code == 404
    assert status_of(session_factory, office_org) == "active"
    assert count(session_factory, OrganizationStatusChange) == 0


def test_get_is_not_allowed(office_client, other_org):
    assert office_client.get(f"/office/organizations/{other_org}/disable").status_code == 405
    assert office_client.get(f"/office/organizations/{other_org}/enable").status_code == 405


# --- who may -----------------------------------------------------------------------------------


def test_only_the_office_may_disable_or_enable(client, make_client, office, other_org, institution,
                                               session_factory):
    enterprise = make_client(OTHER_EMAIL, OTHER_PASSWORD)
    lab = make_client(INSTITUTION_EMAIL, institution.password)
    for who in (enterprise, lab):
        assert disable(who, institution.organization_id).status_code == 403
        assert disable(who, other_org).status_code == 403
    anonymous = disable(client, other_org)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert snapshot(session_factory, other_org) == ("active", 0, 0)

    with session_factory() as session:
        session.get(Organization, other_org).status = "disabled"
        session.commit()
    assert enable(lab, other_org).status_code == 403
    assert enable(client, other_org).status_code == 302
    assert snapshot(session_factory, other_org) == ("disabled", 0, 0)


def test_the_domain_refuses_anyone_but_the_office(other_enterprise, institution, session_factory):
    with session_factory() as session:
        actor = session.get(User, institution.user_id)
        target = session.scalars(select(Organization).where(Organization.name == "其他企业有限公司")).one()
        with pytest.raises(organizations.StatusChangeRefused):
            organizations.disable(session, target, actor, REASON)
        with pytest.raises(organizations.StatusChangeRefused):
            organizations.enable(session, target, None)
        session.rollback()
    assert count(session_factory, OrganizationStatusChange) == 0


def test_the_forms_carry_a_csrf_token_and_need_it(app, office_client, other_org, session_factory):
    app.config["WTF_CSRF_ENABLED"] = True  # after logging in; the app fixture restores the config
    refused = disable(office_client, other_org)
    assert refused.status_code == 400
    assert snapshot(session_factory, other_org) == ("active", 0, 0)
    token = csrf_token(office_client.get(f"/office/organizations/{other_org}"))
    assert office_client.post(f"/office/organizations/{other_org}/disable",
                              data={"reason": REASON, "csrf_token": token}).status_code == 302
    token = csrf_token(office_client.get(f"/office/organizations/{other_org}"))
    assert office_client.post(f"/office/organizations/{other_org}/enable",
                              data={"csrf_token": token}).status_code == 302
    assert status_of(session_factory, other_org) == "active"
