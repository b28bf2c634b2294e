"""engine.domain.directory and engine.domain.org_chart without Flask: the guards a form cannot bypass."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.domain import directory, org_chart
from engine.domain.directory import ProfileDraft, ProfileRefused
from engine.domain.errors import InputError
from engine.domain.org_chart import ChartRefused
from storage.models import OrgChartNode, ServiceProfile
from tests.factories import active_member, office_user


@pytest.fixture
def office(session):
    return office_user(session)


@pytest.fixture
def institution(session):
    return active_member(session, "inst@test.cn", "institution", "华标检测认证有限公司")


def draft(**overrides) -> ProfileDraft:
    values = {"fields": ["M7454"], "summary": " 检验检测 ", "qualifications": "", "contact": "王工",
              "phone": "010-62345678", "email": "", "address": None, "published": True}
    values.update(overrides)
    return ProfileDraft(**values)


# --- 服务信息 ---------------------------------------------------------------------------------


def test_a_profile_is_saved_trimmed_with_its_fields_in_order(session, institution):
    profile = directory.save(session, institution, draft(fields=["M7452", "M7454"]))
    assert (profile.summary, profile.qualifications, profile.email) == ("检验检测", None, None)
    assert [row.code for row in profile.fields] == ["M7452", "M7454"]
    directory.save(session, institution, draft(fields=["M7454", "M7453"]))
    assert [row.code for row in session.get(ServiceProfile, institution.organization_id).fields] == ["M7454", "M7453"]


@pytest.mark.parametrize("role", ["enterprise", "office"])
def test_only_an_institution_saves_a_profile(session, role):
    user = active_member(session, f"{role}@test.cn", role, "某单位")
    with pytest.raises(ProfileRefused):
        directory.save(session, user, draft())
    assert not session.scalar(select(func.count()).select_from(ServiceProfile))


@pytest.mark.parametrize(("overrides", "field"), [
    ({"fields": []}, "fields"), ({"fields": ["M7454", "M7454"]}, "fields"), ({"fields": ["7454"]}, "fields"),
    ({"fields": ["M7454"] * 11}, "fields"), ({"summary": "  "}, "summary"), ({"contact": ""}, "contact"),
    ({"phone": None}, "phone"), ({"address": "长" * 201}, "address"),
    ({"qualifications": "长" * 2001}, "qualifications"),
])
def test_the_domain_refuses_what_the_form_would(session, institution, overrides, field):
    with pytest.raises(InputError) as refused:
        directory.save(session, institution, draft(**overrides))
    assert refused.value.field == field


def test_search_treats_wildcards_literally_and_ignores_unknown_filters(session, institution):
    directory.save(session, institution, draft())
    found = directory.Filters.parse({"q": "100%", "field": "DROP TABLE", "province": "11"})
    assert (found.query, found.field, found.province) == ("100%", "", "")
    assert directory.search(session, found)[1] == 0
    assert [row.name for row in directory.search(session, directory.Filters.parse({"q": "华标"}))[0]] == [
        "华标检测认证有限公司"]


# --- 组织架构 ----------------------------------------------------------------------------------


def test_only_the_office_edits_the_chart(session, institution):
    with pytest.raises(ChartRefused):
        org_chart.add(session, institution, None, "专项办", None)
    with pytest.raises(ChartRefused):
        org_chart.set_published(session, institution, True)


def test_a_move_under_a_descendant_or_past_six_levels_is_refused(session, office):
    top = org_chart.add(session, office, None, "专项办", None)
    child = org_chart.add(session, office, top.id, "第三方技术机构", None)
    with pytest.raises(InputError) as refused:
        org_chart.edit(session, office, top, child.id, "专项办", None)
    assert refused.value.field == "parent_id"
    chain = [org_chart.add(session, office, None, "第1层", None)]
    for level in range(2, 6):
        chain.append(org_chart.add(session, office, chain[-1].id, f"第{level}层", None))
    # Moving 专项办 (two levels) under the fifth level would make seven.
    with pytest.raises(InputError):
        org_chart.edit(session, office, top, chain[-1].id, "专项办", None)
    moved = org_chart.edit(session, office, top, chain[-2].id, "专项办", None)  # six: allowed
    assert moved.parent_id == chain[-2].id
    assert [node.depth for node in org_chart.flatten(org_chart.tree(session)) if node.name == "第三方技术机构"] == [6]


def test_publishing_twice_is_refused_and_the_public_chart_follows(session, office):
    assert org_chart.public_chart(session) is None
    org_chart.add(session, office, None, "专项办", None)
    org_chart.set_published(session, office, True)
    with pytest.raises(ChartRefused):
        org_chart.set_published(session, office, True)
    assert [node.name for node in org_chart.public_chart(session).tree] == ["专项办"]
    org_chart.set_published(session, office, False)
    assert org_chart.public_chart(session) is None
    assert session.scalar(select(func.count(OrgChartNode.id))) == 1
