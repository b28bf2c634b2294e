"""试运行: a draft's throw-away instance in a sandbox of its own, its tasks opened and completed as each
lane would, the clock moved — and the platform's own database untouched."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

import demodata
import workflows
from storage.models import DesignAudit, HumanTask, ProcessInstance
from tests.webapp.helpers import first, page, remembered_password_hashes, text_of

DESIGNER = ("designer@test.cn", "Design#123")
VETTING = dict(workflows.bpmn_files())["registration_vetting.bpmn"].decode()
RELABELLED = VETTING.replace('value="待审核"', 'value="待专项办审核"')
FORMAL_PLAN = dict(workflows.bpmn_files())["formal_plan.bpmn"].decode()


@pytest.fixture
def designer(app, session_factory, make_client):
    with session_factory() as session, remembered_password_hashes():
        demodata.ensure_user(session, *DESIGNER, "designer", "对标达标提升专项行动办公室")
        session.commit()
    return make_client(*DESIGNER)


def start(client, process_key: str, xml: str) -> str:
    draft_id = client.post(f"/design/processes/{process_key}/drafts", json={"xml": xml}).get_json()["draft_id"]
    response = client.post(f"/design/drafts/{draft_id}/try")
    assert response.status_code == 302, text_of(client.get(response.headers["Location"]))
    assert "/design/dryruns/" in response.headers["Location"]
    return response.headers["Location"]


def platform_rows(session_factory) -> tuple[int, int]:
    with session_factory() as session:
        return (session.scalar(select(func.count()).select_from(ProcessInstance)),
                session.scalar(select(func.count()).select_from(HumanTask)))


def test_a_dry_run_shows_the_drafts_words_and_completes_as_the_lane(designer, session_factory):
    before = platform_rows(session_factory)
    url = start(designer, "registration_vetting", RELABELLED)
    shown = page(designer.get(url))
    assert shown.xpath("string(//td[@data-stage])") == "待专项办审核"
    task_link = shown.xpath("//tr[@data-task='vet_registration']//a/@href")[0]
    assert "专项办" in shown.xpath("string(//tr[@data-task='vet_registration'])")

    form_page = designer.get(task_link)
    assert form_page.status_code == 200
    assert "以“专项办”的身份办理" in text_of(form_page)
    refused = designer.post(task_link, data={"decision": "reject"})  # 不予通过 needs its reason
    assert refused.status_code == 422 and page(refused).xpath("//*[contains(@class, 'invalid-feedback')]")
    done = designer.post(task_link, data={"decision": "approve"})
    assert done.status_code == 302
    after = page(designer.get(url))
    assert after.xpath("string(//td/@data-status)") == "completed"
    assert after.xpath("string(//td[@data-stage])") == "审核通过"
    assert platform_rows(session_factory) == before  # the platform's own rows: untouched
    assert first(session_factory, select(DesignAudit.action).where(DesignAudit.action == "dry_run")) == "dry_run"


def test_a_dry_run_of_formal_plan_shows_the_plan_form_and_moves_its_clock(designer):
    url = start(designer, "formal_plan", FORMAL_PLAN)
    link = page(designer.get(url)).xpath("//tr[@data-task='draft_plan']//a/@href")[0]
    form_page = designer.get(link)
    assert form_page.status_code == 200
    assert page(form_page).xpath("//input[@name='standard_number']")
    bad_clock = designer.post(url + "/clock", data={"duration": "8 days"}, follow_redirects=True)
    assert "ISO 8601" in text_of(bad_clock)
    moved = designer.post(url + "/clock", data={"duration": "P8D"}, follow_redirects=True)
    assert "时间已前进 P8D" in text_of(moved)


def test_dry_runs_are_for_designers_and_end_with_their_sandbox(designer, office_client, app):
    url = start(designer, "registration_vetting", VETTING)
    assert office_client.get(url).status_code == 403
    assert designer.get("/design/dryruns/not-a-token").status_code == 404
    ended = designer.post(url + "/discard")
    assert ended.status_code == 302 and designer.get(url).status_code == 404


def test_a_draft_that_fails_validation_is_not_run(designer, session_factory):
    """A draft runs for real in the dry run's sandbox: what the validation refuses (here a correlation
    expression, which SpiffWorkflow would evaluate with its own eval()) never gets there."""
    hostile = VETTING.replace(
        '<bpmn:process id="registration_vetting"',
        '<bpmn:correlationProperty id="cp"><bpmn:correlationPropertyRetrievalExpression messageRef="m">'
        '<bpmn:formalExpression>__import__("os").system("id")</bpmn:formalExpression>'
        '</bpmn:correlationPropertyRetrievalExpression></bpmn:correlationProperty>\n'
        '  <bpmn:process id="registration_vetting"', 1)
    assert hostile != VETTING
    draft_id = designer.post("/design/processes/registration_vetting/drafts",
                             json={"xml": hostile}).get_json()["draft_id"]
    response = designer.post(f"/design/drafts/{draft_id}/try", follow_redirects=True)
    assert "无法开始试运行" in text_of(response) and "关联表达式" in text_of(response)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(DesignAudit).where(
            DesignAudit.action == "dry_run")) == 0
