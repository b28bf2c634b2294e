"""系统管理 → 数据字典: the office edits the lists the forms offer (新增, 编辑, 停用 / 启用), every change
audited; 停用 entries leave new input but still name the records holding them; the national standards
lists are shown read-only; designer-made forms offer the lists too."""
from __future__ import annotations

from sqlalchemy import select

from forms import designed
from storage.models import DictionaryChange, DictionaryEntry, EnterpriseProfile
from tests.webapp.compliance_flow import enterprise_client_fixture  # noqa: F401
from tests.webapp.helpers import OFFICE_EMAIL, all_rows, count, field_errors, first, page, text_of
from tests.webapp.pilot_flow import enterprise_fixture  # noqa: F401
from tests.webapp.test_profiles import ENTERPRISE_URL, checked, enterprise_form

BASE = "/office/dictionaries"


def edit_forms(response) -> list:
    """The page's POST forms other than 退出."""
    return page(response).xpath("//form[@method='post'][not(contains(@action, '/logout'))]")


def options(response, name: str) -> list[str]:
    return page(response).xpath(f"//input[@name='{name}']/@value")


def entry(session_factory, key: str, code: str) -> DictionaryEntry | None:
    return first(session_factory, select(DictionaryEntry).where(DictionaryEntry.dictionary == key,
                                                                 DictionaryEntry.code == code))


def test_the_office_finds_it_under_system_management(office_client):
    home = office_client.get("/office/organizations/")
    links = page(home).xpath("//nav[contains(@class,'side-menu')]//a[@data-menu-dictionaries]/@href")
    assert links == [f"{BASE}/"]
    listed = office_client.get(f"{BASE}/")
    assert "企业规模" in text_of(listed) and "试点领域" in text_of(listed)
    regions = office_client.get(f"{BASE}/shipped/regions")
    assert "北京市" in text_of(regions) and not edit_forms(regions)
    industries = office_client.get(f"{BASE}/shipped/industries")
    assert industries.status_code == 200 and not edit_forms(industries)


def test_an_added_entry_is_offered_and_audited(office_client, enterprise, enterprise_client, session_factory):
    added = office_client.post(f"{BASE}/enterprise_scale/entries", data={"code": "giant", "label": "特大型企业"})
    assert added.status_code == 302
    assert "giant" in options(enterprise_client.get(ENTERPRISE_URL), "scale")
    assert enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(scale="giant")).status_code == 302
    assert first(session_factory, select(EnterpriseProfile.scale)) == "giant"
    change = first(session_factory, select(DictionaryChange))
    assert (change.dictionary, change.code, change.action, change.before) == ("enterprise_scale", "giant", "add", None)
    assert change.after == {"code": "giant", "label": "特大型企业", "position": 5, "enabled": True}
    assert change.changed_by.email == OFFICE_EMAIL
    shown = office_client.get(f"{BASE}/enterprise_scale")
    assert "特大型企业" in text_of(shown) and OFFICE_EMAIL in text_of(shown)


def test_a_disabled_entry_leaves_new_input_but_names_old_records(office_client, enterprise, enterprise_client,
                                                                 session_factory):
    assert enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(scale="micro")).status_code == 302
    assert office_client.post(f"{BASE}/enterprise_scale/entries/micro/state", data={"enabled": "0"}).status_code == 302
    assert entry(session_factory, "enterprise_scale", "micro").enabled is False

    own = enterprise_client.get(ENTERPRISE_URL)  # the record holding it shows it, marked
    assert checked(own, "scale") == ["micro"] and "微型企业（已停用）" in text_of(own)
    refused = enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(scale="micro"))
    assert field_errors(refused) == {"scale": ["请在列出的选项中选择"]}
    organization_id = enterprise.organization_id
    assert "微型企业" in text_of(office_client.get(f"/office/organizations/{organization_id}"))

    # A pilot offers only the enabled 试点领域, and the refusal names them.
    office_client.post(f"{BASE}/pilot_field/entries/region/state", data={"enabled": "0"})
    new_pilot = office_client.get("/office/pilots/new")
    assert options(new_pilot, "field") == ["product", "organization"]
    posted = office_client.post("/office/pilots/new", data={"field": "region"})
    assert field_errors(posted)["field"] == ["请选择产品或组织"]

    assert office_client.post(f"{BASE}/enterprise_scale/entries/micro/state", data={"enabled": "1"}).status_code == 302
    assert "micro" in options(enterprise_client.get(ENTERPRISE_URL), "scale")
    assert [c.action for c in all_rows(session_factory, select(DictionaryChange).order_by(DictionaryChange.id))] == [
        "disable", "disable", "enable"]


def test_a_renamed_entry_keeps_its_code_and_shows_the_new_name(office_client, enterprise, enterprise_client,
                                                               session_factory):
    enterprise_client.post(ENTERPRISE_URL, data=enterprise_form(sector="tertiary"))
    assert office_client.post(f"{BASE}/sector/entries/tertiary",
                              data={"label": "第三产业", "position": "3"}).status_code == 302
    moved = office_client.post(f"{BASE}/sector/entries/primary", data={"label": "一产", "position": "9"})
    assert moved.status_code == 302
    assert options(enterprise_client.get(ENTERPRISE_URL), "sector") == ["secondary", "tertiary", "primary"]
    assert "第三产业" in text_of(office_client.get(f"/office/organizations/{enterprise.organization_id}"))
    change = first(session_factory, select(DictionaryChange).order_by(DictionaryChange.id))
    assert change.before["label"] == "三产" and change.after["label"] == "第三产业"
    assert first(session_factory, select(EnterpriseProfile.sector)) == "tertiary"


def test_bad_input_is_told_at_the_field_and_stores_nothing(office_client, session_factory):
    cases = [({"code": "Big One", "label": "大"}, "code", "编码只能由小写字母、数字和下划线组成，最多 40 位"),
             ({"code": "large", "label": "巨型企业"}, "code", "该字典中已有此编码"),
             ({"code": "huge", "label": "大型企业"}, "label", "该字典中已有同名的选项"),
             ({"code": "huge", "label": " "}, "label", "请填写名称")]
    for form, field, message in cases:
        refused = office_client.post(f"{BASE}/enterprise_scale/entries", data=form)
        assert refused.status_code == 422 and field_errors(refused) == {field: [message]}
    edit = office_client.post(f"{BASE}/enterprise_scale/entries/large", data={"label": "大型企业", "position": "0"})
    assert field_errors(edit) == {"position": ["排序须为 1 到 999 之间的整数"]}
    assert count(session_factory, DictionaryEntry, DictionaryEntry.dictionary == "enterprise_scale") == 4
    assert count(session_factory, DictionaryChange) == 0
    assert office_client.post(f"{BASE}/nothing/entries", data={"code": "a", "label": "a"}).status_code == 404
    assert office_client.post(f"{BASE}/sector/entries/nothing", data={"label": "a", "position": "1"}).status_code == 404


def test_the_last_enabled_entry_cannot_be_disabled(office_client, session_factory):
    for code in ("product", "organization"):
        office_client.post(f"{BASE}/pilot_field/entries/{code}/state", data={"enabled": "0"})
    refused = office_client.post(f"{BASE}/pilot_field/entries/region/state", data={"enabled": "0"},
                                 follow_redirects=True)
    assert "字典中至少要保留一个启用的选项" in text_of(refused)
    assert entry(session_factory, "pilot_field", "region").enabled is True


def test_designer_forms_offer_the_office_lists(app, office_client):
    assert "institution_type" in designed.DICTIONARIES
    office_client.post(f"{BASE}/institution_type/entries/other/state", data={"enabled": "0"})
    schema = {"type": "default", "components": [
        {"type": "select", "key": "kind", "label": "机构类型", "valuesKey": "institution_type"}]}
    with app.test_request_context():
        form = designed.form_class(schema)()
        assert [c.value for c in form.kind.iter_choices()] == [
            "", "testing", "certification", "standardization", "association", "research"]
        assert dict(designed.choices(schema["components"][0]))["other"] == "其它"  # old answers still read
