"""流程设计: designers list processes, keep drafts, compare and validate them; hostile BPMN is refused
with a message and nothing stored; only designers get in."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

import demodata
import workflows
from storage.models import DesignAudit, ProcessDefinition, ProcessDraft
from tests.webapp.helpers import first, page, remembered_password_hashes, text_of

DESIGNER = ("designer@test.cn", "Design#123")
SECOND_DESIGNER = ("designer2@test.cn", "Design#456")
OPERATOR = ("operator@test.cn", "Operate#123")
OFFICE_ORG = "对标达标提升专项行动办公室"
SHIPPED = dict(workflows.bpmn_files())
FORMAL_PLAN = SHIPPED["formal_plan.bpmn"].decode()
REVIEW_TASK = ('<bpmn:userTask id="review_plan" name="正式版方案审核">',
               '<bpmn:userTask id="review_plan" name="正式版方案复核">')


@pytest.fixture
def designers(app, session_factory):
    with session_factory() as session, remembered_password_hashes():
        for email, password in (DESIGNER, SECOND_DESIGNER):
            demodata.ensure_user(session, email, password, "designer", OFFICE_ORG)
        demodata.ensure_user(session, *OPERATOR, "operator", OFFICE_ORG)
        session.commit()


@pytest.fixture
def designer(designers, make_client):
    return make_client(*DESIGNER)


def count(session_factory, model) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model))


def save(client, xml: str, note: str = "", url: str = "/design/processes/formal_plan/drafts"):
    return client.post(url, json={"xml": xml, "note": note})


def test_only_designers_get_in(designers, make_client, client, office_client, session_factory):
    urls = ["/design/", "/design/processes/formal_plan", "/design/processes/formal_plan/new"]
    for url in urls:
        assert client.get(url).status_code == 302, url
        assert office_client.get(url).status_code == 403, url
        assert make_client(*OPERATOR).get(url).status_code == 403, url
    assert save(make_client(*OPERATOR), FORMAL_PLAN).status_code == 403
    assert count(session_factory, ProcessDraft) == 0


def test_the_workspace_lists_every_process_with_its_current_version(designer):
    response = designer.get("/design/")
    assert response.status_code == 200
    rows = {tr.get("data-key"): tr for tr in page(response).xpath("//table[@data-design-processes]//tr[@data-key]")}
    assert set(rows) == {"certificate_issuance", "comparison_report", "compliance_review", "formal_plan",
                         "pilot_enrollment", "publicity", "registration_vetting", "self_declaration"}
    plan = rows["formal_plan"]
    assert plan.xpath("string(td[@data-current-version])") == "v1"
    assert plan.xpath("string(td/@data-shipped)") == "same"
    assert "与文件一致" in plan.text_content()
    assert "流程设计" in text_of(designer.get("/account/password"))


def test_a_saved_draft_is_seen_by_other_designers_and_audited(designer, designers, make_client, session_factory):
    edited = FORMAL_PLAN.replace(*REVIEW_TASK)
    response = save(designer, edited, "复核改名")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["problems"] == [] and body["edit_url"] == f"/design/drafts/{body['draft_id']}/edit"
    other = make_client(*SECOND_DESIGNER)
    listed = page(other.get("/design/processes/formal_plan"))
    assert listed.xpath(f"string(//tr[@data-draft-id='{body['draft_id']}'])").count("复核改名") == 1
    assert DESIGNER[0] in listed.xpath(f"string(//tr[@data-draft-id='{body['draft_id']}'])")
    # The second designer saves over it: who and when follow.
    again = save(other, edited.replace("正式版方案复核", "正式版方案终审"), "终审",
                 url=f"/design/drafts/{body['draft_id']}")
    assert again.status_code == 200 and again.get_json()["draft_id"] == body["draft_id"]
    assert other.get(f"/design/drafts/{body['draft_id']}/bpmn").get_data(as_text=True).count("正式版方案终审") == 1
    trail = first(session_factory, select(DesignAudit).order_by(DesignAudit.id.desc()))
    assert (trail.action, trail.summary["changed"]) == ("draft_saved", ["review_plan"])


@pytest.mark.parametrize("xml, words", [
    ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d>&x;</d>', "DOCTYPE"),
    ('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>', "DOCTYPE"),
    ("<bpmn:definitions", "不是可以使用的 BPMN 文件"),
    (SHIPPED["publicity.bpmn"].decode(), "“formal_plan”"),
    (FORMAL_PLAN.replace("</bpmn:definitions>", "<!--" + "x" * (2 * 1024 * 1024) + "--></bpmn:definitions>"),
     "2 MB"),
])
def test_hostile_or_wrong_bpmn_is_refused_with_a_message_and_nothing_stored(designer, session_factory, xml, words):
    response = save(designer, xml)
    assert response.status_code == 422
    assert any(words in message for message in response.get_json()["errors"]["xml"]), response.get_json()
    assert count(session_factory, ProcessDraft) == count(session_factory, DesignAudit) == 0


def test_a_bad_body_or_note_is_refused_at_its_field(designer, session_factory):
    response = designer.post("/design/processes/formal_plan/drafts", data="xml")
    assert response.status_code == 422 and "JSON" in response.get_json()["errors"]["xml"][0]
    response = save(designer, FORMAL_PLAN, "备" * 501)
    assert response.status_code == 422 and "500" in response.get_json()["errors"]["note"][0]
    assert count(session_factory, ProcessDraft) == 0


def test_validate_pins_the_servers_problems_to_their_elements(designer):
    broken = FORMAL_PLAN.replace('<spiffworkflow:property name="stageLabel" value="正式版审核中" />', "", 1)
    response = designer.post("/design/processes/formal_plan/validate", json={"xml": broken})
    assert response.status_code == 200
    assert response.get_json()["problems"] == [{
        "element_id": "review_plan", "where": "formal_plan.bpmn: formal_plan.review_plan",
        "message": "阶段“plan_review”缺少显示名称（stageLabel）"}]
    preScript = FORMAL_PLAN.replace(
        '<spiffworkflow:serviceTaskOperator id="plan.approve" resultVariable="approve_plan_result" />',
        '<spiffworkflow:serviceTaskOperator id="plan.approve" resultVariable="approve_plan_result" />'
        '<spiffworkflow:preScript>x = 1</spiffworkflow:preScript>', 1)
    problems = designer.post("/design/processes/formal_plan/validate", json={"xml": preScript}).get_json()["problems"]
    assert [(p["element_id"], "preScript" in p["message"]) for p in problems] == [("approve_plan", True)]


def test_compare_lists_what_a_draft_adds_removes_and_changes(designer):
    edited = FORMAL_PLAN.replace(*REVIEW_TASK).replace(
        '<bpmn:message id="withdraw_plan_message" name="withdraw_plan" />',
        '<bpmn:message id="withdraw_plan_message" name="withdraw_plan" /><bpmn:message id="m2" name="nudge" />')
    draft_id = save(designer, edited).get_json()["draft_id"]
    response = designer.get(f"/design/drafts/{draft_id}/compare")
    assert response.status_code == 200
    tree = page(response)
    assert tree.xpath("//tr/@data-added") == ["m2"] and tree.xpath("//tr/@data-changed") == ["review_plan"]
    assert "正式版方案审核" in tree.xpath("string(//tr[@data-changed='review_plan'])")


def test_versions_compare_and_export(designer, session_factory):
    response = designer.get("/design/processes/formal_plan/compare")
    assert response.status_code == 200 and page(response).xpath("//*[@data-no-change]")
    assert designer.get("/design/processes/formal_plan/compare?from=99").status_code == 404
    assert designer.get("/design/processes/formal_plan/compare?from=x").status_code == 404
    definition_id = first(session_factory, select(ProcessDefinition.id).where(ProcessDefinition.key == "formal_plan"))
    exported = designer.get(f"/design/definitions/{definition_id}/bpmn")
    assert exported.get_data(as_text=True) == FORMAL_PLAN
    assert exported.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"


def test_a_discarded_draft_leaves_the_list_and_cannot_be_saved_over(designer, session_factory):
    draft_id = save(designer, FORMAL_PLAN.replace(*REVIEW_TASK)).get_json()["draft_id"]
    assert designer.post(f"/design/drafts/{draft_id}/discard").status_code == 302
    assert not page(designer.get("/design/processes/formal_plan")).xpath(f"//tr[@data-draft-id='{draft_id}']")
    refused = save(designer, FORMAL_PLAN, url=f"/design/drafts/{draft_id}")
    assert refused.status_code == 422 and "已放弃" in refused.get_json()["errors"]["xml"][0]
    with session_factory() as session:
        actions = list(session.scalars(select(DesignAudit.action).order_by(DesignAudit.id)))
    assert actions == ["draft_saved", "draft_discarded"]


def test_an_uploaded_file_becomes_a_draft_and_a_hostile_one_is_refused(designer, session_factory):
    import io

    ok = designer.post("/design/processes/formal_plan/upload", content_type="multipart/form-data",
                       data={"file": (io.BytesIO(FORMAL_PLAN.replace(*REVIEW_TASK).encode()), "plan.bpmn"),
                             "note": "上传"})
    assert ok.status_code == 302 and "/design/drafts/" in ok.headers["Location"]
    hostile = designer.post("/design/processes/formal_plan/upload", content_type="multipart/form-data",
                            data={"file": (io.BytesIO(b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x/>'),
                                           "evil.bpmn")}, follow_redirects=True)
    assert "DOCTYPE" in text_of(hostile)
    assert count(session_factory, ProcessDraft) == 1


def test_a_save_over_a_colleagues_later_save_is_refused(designer, designers, make_client):
    draft = save(designer, FORMAL_PLAN.replace(*REVIEW_TASK)).get_json()
    assert draft["revision"] == 1
    url = f"/design/drafts/{draft['draft_id']}"
    edit_page = page(designer.get(url + "/edit"))
    assert edit_page.xpath("string(//*[@data-designer]/@data-revision)") == "1"
    first_save = designer.post(url, json={"xml": FORMAL_PLAN, "note": "我的", "revision": 1})
    assert first_save.status_code == 200 and first_save.get_json()["revision"] == 2
    late = make_client(*SECOND_DESIGNER).post(url, json={"xml": FORMAL_PLAN, "note": "他的", "revision": 1})
    assert late.status_code == 422 and "已被其他设计者修改" in late.get_json()["errors"]["xml"][0]
    assert "我的" in text_of(designer.get("/design/processes/formal_plan"))
