"""An enterprise with two people works on one application together; an institution's colleagues act on
the evaluation addressed to it as their rights say; a person's removal leaves the work with the
organisation. Through the pages and the API, against the real 达标评价 BPMN."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import Application, ApplicationSubmission, HumanTask, User
from tests.webapp.compliance_flow import (
    OPINION,
    application_fixture,  # noqa: F401
    applied,
    enterprise_client_fixture,  # noqa: F401
    evaluate_form,
    published_fixture,  # noqa: F401
    ready_task,
    return_form,
    shown_stage,
)
from tests.webapp.helpers import OTHER_EMAIL, all_rows, api_token, first, flashes, page, text_of
from tests.webapp.pilot_flow import (
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import approved_fixture, drafting_fixture  # noqa: F401
from tests.webapp.team_flow import COLLEAGUE_PASSWORD, joined

pytestmark = pytest.mark.slow  # a published plan first (~5 s)


def _user(session_factory, email: str) -> User:
    return first(session_factory, select(User).where(User.email == email))


def test_two_people_of_an_enterprise_work_on_one_application(
        app, published, institution, enterprise_client, institution_client, session_factory):
    engineer = joined(app, enterprise_client, "engineer@test.cn", ("submit",), name="张标准")
    viewer = joined(app, enterprise_client, "viewer@test.cn", (), name="李查看")
    # The engineer files the application; the administrator sees it in 我参与的, and who filed it.
    application = applied(engineer, session_factory, published, institution.organization_id)
    assert application.enterprise_id == _user(session_factory, OTHER_EMAIL).organization_id
    submission = first(session_factory, select(ApplicationSubmission))
    assert submission.created_by_id == _user(session_factory, "engineer@test.cn").id
    assert shown_stage(enterprise_client.get("/my/enrollments"), application.id) == "待机构审核"
    log = page(enterprise_client.get("/account/team/log"))
    started = [" ".join(row.text_content().split()) for row in log.xpath("//tr[@data-event-kind='started']")]
    assert any("张标准（engineer@test.cn）" in row for row in started), started

    # The institution returns it: the correction is the enterprise's, for anyone with 提交和修改.
    task = ready_task(session_factory, "evaluate_application", application.instance_id)
    assert institution_client.post(f"/tasks/{task.id}", data=return_form(OPINION)).status_code == 302
    correction = ready_task(session_factory, "correct_application", application.instance_id)
    assert viewer.get("/tasks/").status_code == 200 and f"/tasks/{correction.id}" in viewer.get("/tasks/").get_data(
        as_text=True)  # 待办 is the organisation's: the viewer sees it …
    shown = page(viewer.get(f"/tasks/{correction.id}"))  # the task and its history, no form to fill
    assert "您没有“提交和修改”权限" in " ".join(shown.xpath("//*[@data-view-only]")[0].text_content().split())
    form_field = "//form[@method='post' and .//button[@type='submit']]//input[@name='product_model']"
    assert not shown.xpath(form_field) and page(enterprise_client.get(f"/tasks/{correction.id}")).xpath(form_field)
    refused = viewer.post(f"/tasks/{correction.id}", data={"product_model": "XX20"})
    assert refused.status_code == 403 and "您没有“提交和修改”权限" in " ".join(flashes(refused))  # … and may not act
    headers = api_token(app.test_client(), "viewer@test.cn", COLLEAGUE_PASSWORD)
    assert app.test_client().post(f"/api/v1/tasks/{correction.id}", json={}, headers=headers).status_code == 403
    assert first(session_factory, select(HumanTask).where(HumanTask.id == correction.id)).state == "ready"

    # The engineer leaves: disabled, the correction stays with the enterprise, in its administrator's 待办.
    engineer_id = _user(session_factory, "engineer@test.cn").id
    assert enterprise_client.post(f"/account/team/{engineer_id}/disable").status_code == 302
    assert f"/tasks/{correction.id}" in enterprise_client.get("/tasks/").get_data(as_text=True)
    assert enterprise_client.get(f"/tasks/{correction.id}").status_code == 200
    assert first(session_factory, select(Application).where(Application.id == application.id)).status != "withdrawn"


def test_reviews_addressed_to_an_institution_need_the_review_right(
        app, application, institution_client, office_client, session_factory):
    submitter = joined(app, institution_client, "submitter@test.cn", ("submit",))
    reviewer = joined(app, institution_client, "reviewer@test.cn", ("review",), name="赵评审")
    task = ready_task(session_factory, "evaluate_application", application.instance_id)
    refused = submitter.post(f"/tasks/{task.id}", data=evaluate_form())
    assert refused.status_code == 403 and "您没有“办理评审”权限" in " ".join(flashes(refused))
    assert ready_task(session_factory, "evaluate_application", application.instance_id).id == task.id
    assert reviewer.post(f"/tasks/{task.id}", data=evaluate_form()).status_code == 302
    done = all_rows(session_factory, select(HumanTask).where(HumanTask.id == task.id))[0]
    assert done.completed_by_id == _user(session_factory, "reviewer@test.cn").id
    # 办理记录 names the person who acted.
    history = text_of(institution_client.get(f"/my/applications/{application.id}"))
    assert "reviewer@test.cn" in history or "赵评审" in history
    # … by name on the next step's 办理记录 (the office's 形式审核及备案).
    filing = ready_task(session_factory, "file_evaluation", application.instance_id)
    assert "赵评审（reviewer@test.cn）" in text_of(office_client.get(f"/tasks/{filing.id}"))
