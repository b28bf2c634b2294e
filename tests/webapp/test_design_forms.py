"""表单: designers make forms — new form, drafts saved with a revision check, 检查 and 预览 from the
server's reading of the form, 放弃; bad keys and hostile documents refused with a message and nothing
stored; only designers get in."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import func, select

import demodata
from engine import form_designs
from forms import designed
from storage.models import DesignAudit, FormDefinition, FormDraft
from tests.webapp.helpers import page, remembered_password_hashes

DESIGNER = ("designer@test.cn", "Design#123")
OPERATOR = ("operator@test.cn", "Operate#123")
OFFICE_ORG = "对标达标提升专项行动办公室"
FILE_FIELD = {"id": "Field_report", "type": "filepicker", "key": "report", "label": "核查报告", "accept": ".pdf"}
DATE_FIELD = {"id": "Field_date", "type": "datetime", "key": "visit_date", "subtype": "date", "label": "核查日期",
              "dateLabel": "核查日期"}


@pytest.fixture
def designer(app, session_factory, make_client):
    with session_factory() as session, remembered_password_hashes():
        demodata.ensure_user(session, *DESIGNER, "designer", OFFICE_ORG)
        demodata.ensure_user(session, *OPERATOR, "operator", OFFICE_ORG)
        session.commit()
    return make_client(*DESIGNER)


def new_form(client, key="site_check", name="现场核查"):
    return client.post("/design/forms/new", data={"key": key, "name": name})


def the_draft(session_factory, key="site_check") -> FormDraft:
    with session_factory() as session:
        return session.scalars(select(FormDraft).where(FormDraft.form_key == key)).one()


def schema(*components, key="site_check") -> dict:
    return {"type": "default", "id": key, "title": "现场核查", "components": list(components)}


def save(client, draft: FormDraft, body: dict):
    return client.post(f"/design/forms/{draft.form_key}/drafts/{draft.id}", json=body)


def count(session_factory, model) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_only_designers_get_in(designer, make_client, client, office_client, session_factory):
    new_form(designer)
    draft = the_draft(session_factory)
    urls = ["/design/forms", "/design/forms/site_check", f"/design/forms/site_check/drafts/{draft.id}"]
    operator = make_client(*OPERATOR)
    for url in urls:
        assert designer.get(url).status_code == 200, url
        assert client.get(url).status_code == 302, url
        assert office_client.get(url).status_code == 403, url
        assert operator.get(url).status_code == 403, url
    assert new_form(operator, "other_form").status_code == 403
    assert save(operator, draft, {"schema": schema(FILE_FIELD), "revision": 1}).status_code == 403
    for url in ("/design/forms/site_check/check", "/design/forms/site_check/preview"):
        assert operator.post(url, json={"schema": schema()}).status_code == 403, url
    for url in ("/design/forms/site_check/drafts", f"/design/forms/site_check/drafts/{draft.id}/discard",
                "/design/forms/site_check/upload"):
        assert operator.post(url).status_code == 403, url
        assert office_client.post(url).status_code == 403, url
    assert count(session_factory, FormDraft) == 1
    assert the_draft(session_factory).revision == 1


def test_a_new_form_opens_in_the_editor_with_its_blank_schema(designer, session_factory):
    response = new_form(designer)
    draft = the_draft(session_factory)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/design/forms/site_check/drafts/{draft.id}")
    assert draft.schema == {"type": "default", "id": "site_check", "title": "现场核查", "components": []}
    editor = page(designer.get(response.headers["Location"]))
    config = json.loads(editor.xpath("//script[@id='form-editor-config']")[0].text)
    assert config["schema"] == draft.schema
    assert "filepicker" in config["supportedTypes"] and "iframe" not in config["supportedTypes"]
    assert [d["value"] for d in config["dictionaries"]] == list(designed.DICTIONARIES)
    assert [c["value"] for c in config["contextKeys"]] == list(designed.CONTEXT_KEYS)
    assert config["outcomeTypes"] == list(designed.OUTCOME_TYPES) and config["maxFileMb"] > 0
    (root,) = editor.xpath("//*[@data-form-editor]")
    assert root.get("data-revision") == "1"
    assert not editor.xpath("//script[not(@src) and not(@type='application/json')]"), "no inline script"
    listed = page(designer.get("/design/forms")).xpath("//table[@data-forms]//tr[@data-form-key='site_check']")
    assert listed and "现场核查" in listed[0].text_content()
    with session_factory() as session:
        assert [row.action for row in form_designs.trail(session, "site_check")] == ["form_saved"]


@pytest.mark.parametrize("key, message", [
    ("Site-Check", "小写字母开头"), ("x", "小写字母开头"), ("1abc", "小写字母开头"),
    ("vet_registration", "平台内置表单"), ("review_plan", "平台内置表单"), ("generic_review", "已存在"),
])
def test_a_bad_key_is_refused_at_the_field(designer, session_factory, key, message):
    response = new_form(designer, key)
    assert response.status_code == 422
    (error,) = page(response).xpath("//*[@data-field-error='key']")
    assert message in error.text_content()
    assert count(session_factory, FormDraft) == 0


def test_a_form_that_exists_is_not_made_twice(designer, session_factory):
    new_form(designer)
    response = new_form(designer)
    assert response.status_code == 422
    assert "已存在" in page(response).xpath("//*[@data-field-error='key']")[0].text_content()
    assert count(session_factory, FormDraft) == 1


def test_saving_keeps_the_schema_and_refuses_a_stale_revision(designer, session_factory):
    new_form(designer)
    draft = the_draft(session_factory)
    first = save(designer, draft, {"schema": schema(DATE_FIELD), "note": "加日期", "revision": 1})
    assert first.status_code == 200
    assert first.get_json()["revision"] == 2
    stale = save(designer, draft, {"schema": schema(DATE_FIELD, FILE_FIELD), "note": "旧页面", "revision": 1})
    assert stale.status_code == 422
    assert "其他设计者修改" in stale.get_json()["errors"]["schema"][0]
    kept = the_draft(session_factory)
    assert (kept.revision, kept.note, kept.schema["components"]) == (2, "加日期", [DATE_FIELD])
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DesignAudit)
                              .where(DesignAudit.action == "form_saved")) == 2


@pytest.mark.parametrize("body, field, message", [
    ({"schema": [], "revision": 1}, "schema", "JSON 对象"),
    ({"schema": {"components": "no"}, "revision": 1}, "schema", "components"),
    ({"schema": {"id": "other_form", "components": []}, "revision": 1}, "schema", "site_check"),
    ({"schema": {"components": [{"type": "text", "text": "长" * 100_000}]}, "revision": 1}, "schema", "256 KB"),
    ({"schema": {"components": []}, "note": "x" * 501, "revision": 1}, "note", "500"),
    ({"schema": {"components": []}}, "schema", "revision"),
])
def test_a_bad_document_is_refused_and_nothing_changes(designer, session_factory, body, field, message):
    new_form(designer)
    draft = the_draft(session_factory)
    response = save(designer, draft, body)
    assert response.status_code == 422
    assert message in " ".join(response.get_json()["errors"][field])
    assert the_draft(session_factory).revision == 1


def test_a_document_nested_too_deep_is_refused_not_a_crash(designer, session_factory):
    new_form(designer)
    draft = the_draft(session_factory)
    deep = '{"schema": ' + "[" * 50_000 + "]" * 50_000 + ', "revision": 1}'
    for url in (f"/design/forms/site_check/drafts/{draft.id}", "/design/forms/site_check/check"):
        response = designer.post(url, data=deep, content_type="application/json")
        assert response.status_code == 422, url
        assert "JSON" in response.get_json()["errors"]["schema"][0]
    assert the_draft(session_factory).revision == 1


def test_check_names_the_component_and_preview_renders_the_form(designer, session_factory):
    new_form(designer)
    unlimited = schema(DATE_FIELD, FILE_FIELD)
    found = designer.post("/design/forms/site_check/check", json={"schema": unlimited}).get_json()["problems"]
    assert [p["component_id"] for p in found] == ["Field_report"]
    assert found[0]["key"] == "report" and found[0]["message"]
    limited = schema(DATE_FIELD, {**FILE_FIELD, "properties": {"maxSizeMb": "10"}})
    assert designer.post("/design/forms/site_check/check", json={"schema": limited}).get_json()["problems"] == []
    preview = designer.post("/design/forms/site_check/preview", json={"schema": limited}).get_json()
    assert "核查日期" in preview["html"] and "核查报告" in preview["html"]
    saved = save(designer, the_draft(session_factory), {"schema": unlimited, "revision": 1}).get_json()
    assert [p["component_id"] for p in saved["problems"]] == ["Field_report"]
    unreadable = schema({"id": "Field_html", "type": "html", "content": "<script>alert(1)</script>"})
    refused = designer.post("/design/forms/site_check/preview", json={"schema": unreadable})
    assert refused.status_code == 422
    assert "Field_html" in [p["component_id"] for p in refused.get_json()["problems"]]
    assert "预览" in refused.get_json()["errors"]["schema"][0]
    with session_factory() as session:  # 检查, 预览 and 保存 deploy nothing
        assert session.scalars(select(FormDefinition).where(FormDefinition.key == "site_check")).all() == []


def test_discarding_a_draft_closes_it(designer, session_factory):
    new_form(designer)
    draft = the_draft(session_factory)
    assert designer.post(f"/design/forms/site_check/drafts/{draft.id}/discard").status_code == 302
    assert the_draft(session_factory).state == "discarded"
    assert save(designer, draft, {"schema": schema(), "revision": 1}).status_code == 422
    assert designer.get(f"/design/forms/site_check/drafts/{draft.id}").status_code == 302
    with session_factory() as session:
        assert [row.action for row in form_designs.trail(session, "site_check")] == ["form_discarded", "form_saved"]


def test_a_new_draft_starts_from_the_current_deployed_version(designer, session_factory):
    deployed = schema(DATE_FIELD, {**FILE_FIELD, "properties": {"maxSizeMb": "10"}})
    with session_factory() as session:
        session.add(FormDefinition(key="site_check", version=1, sha256="0" * 64, schema=deployed, is_current=True))
        session.commit()
    response = designer.post("/design/forms/site_check/drafts")
    assert response.status_code == 302
    draft = the_draft(session_factory)
    assert draft.schema == deployed and draft.base_definition_id is not None
    form_page = page(designer.get("/design/forms/site_check"))
    assert form_page.xpath("//table[@data-form-versions]//tr[@data-version='1'][@data-current]")
    exported = designer.get("/design/forms/site_check/versions/1.form")
    assert exported.status_code == 200 and json.loads(exported.data) == deployed
    assert "attachment" in exported.headers["Content-Disposition"]
    assert designer.get("/design/forms/site_check/versions/2.form").status_code == 404


def test_unknown_forms_and_drafts_are_not_found(designer, session_factory):
    assert designer.get("/design/forms/no_such_form").status_code == 404
    assert designer.post("/design/forms/no_such_form/drafts").status_code == 404
    new_form(designer)
    draft = the_draft(session_factory)
    new_form(designer, "another_form", "另一个")
    assert designer.get(f"/design/forms/another_form/drafts/{draft.id}").status_code == 404
    assert count(session_factory, FormDraft) == 2


def test_an_uploaded_form_file_becomes_a_draft_of_the_key(designer, session_factory):
    new_form(designer)
    camunda = {"id": "Form_0x1y2z", "type": "default", "components": [DATE_FIELD], "schemaVersion": 16}
    upload = {"file": (io.BytesIO(json.dumps(camunda).encode()), "inspection.form"), "note": "来自 Camunda"}
    response = designer.post("/design/forms/site_check/upload", data=upload, content_type="multipart/form-data")
    assert response.status_code == 302 and "/drafts/" in response.headers["Location"]
    with session_factory() as session:
        uploaded = session.scalars(select(FormDraft).where(FormDraft.note == "来自 Camunda")).one()
        assert uploaded.schema == {**camunda, "id": "site_check"}
    for data in (b"{not json", b"\xff\xfe", b"[1, 2]", b"{" * 100_000):
        refused = designer.post("/design/forms/site_check/upload", content_type="multipart/form-data",
                                data={"file": (io.BytesIO(data), "bad.form")}, follow_redirects=True)
        assert page(refused).xpath("//div[contains(@class, 'alert-danger')]"), data[:10]
    assert count(session_factory, FormDraft) == 2


def test_a_save_without_the_csrf_token_is_refused(app, designer, session_factory):
    new_form(designer)
    draft = the_draft(session_factory)
    editor = designer.get(f"/design/forms/site_check/drafts/{draft.id}")
    token = page(editor).xpath("//meta[@name='csrf-token']/@content")[0]
    app.config["WTF_CSRF_ENABLED"] = True  # after logging in; restored by the app fixture
    body = {"schema": schema(DATE_FIELD), "revision": 1}
    assert save(designer, draft, body).status_code == 400
    assert the_draft(session_factory).revision == 1
    accepted = designer.post(f"/design/forms/site_check/drafts/{draft.id}", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 200
    assert the_draft(session_factory).revision == 2
