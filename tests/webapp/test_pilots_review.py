"""升级试点 in the browser: the office's 报名审核 from 待办 (通过, 退回修改, 不予通过) and
撤回."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from storage.models import HumanTask, ProcessInstance
from tests.webapp.helpers import (
    count,
    decide,
    field_errors,
    first,
    flashes,
    multipart,
    open_task,
    outbox,
    page,
    pdf,
    text_of,
)
from tests.webapp.pilot_flow import (
    CERTIFICATE,
    INSTITUTION_EMAIL,
    INSTITUTION_NAME,
    INSTITUTION_PILOT,
    LICENCE,
    NOT_PDF,
    NOTE,
    REASON,
    enrollment_fixture,  # noqa: F401
    file_links,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    messages,
    my_row,
    my_stage,
    recruiting_fixture,  # noqa: F401
    resubmit_links,
    return_it,
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
    stage,
    submissions,
    task_states,
    withdraw_forms,
)

# --- the office's 报名审核 -------------------------------------------------------------------


def test_the_review_task_shows_the_pilot_the_organisation_and_the_files(
        office_client, enrollment, session_factory):
    review = open_task(session_factory, enrollment.instance_id)
    response = office_client.get(f"/tasks/{review.id}")
    assert response.status_code == 200
    text = text_of(response)
    for shown in (INSTITUTION_PILOT, "两轮电动自行车", "第三方技术机构", INSTITUTION_NAME, NOTE,
                  "第 1 次提交", "资质证书.pdf", "检测能力表.pdf"):
        assert shown in text, shown
    assert page(response).xpath("//a[normalize-space()='" + INSTITUTION_PILOT + "']/@href") == \
        [f"/pilots/{enrollment.pilot_id}"]
    (only,) = submissions(session_factory, enrollment.id)
    assert file_links(response) == [f"/files/{i}" for i in only[4]]
    assert {"通过", "退回修改", "不予通过"} <= set(
        " ".join(label.text_content().split()) for label in page(response).xpath("//label"))
    for file_id, data in zip(only[4], (LICENCE, CERTIFICATE), strict=True):
        with office_client.get(f"/files/{file_id}") as download:
            assert download.status_code == 200 and download.data == data


@pytest.mark.parametrize("decision", ["return", "reject"])
def test_returning_or_rejecting_needs_a_reason(office_client, enrollment, session_factory, decision):
    review = open_task(session_factory, enrollment.instance_id)
    response = decide(office_client, review.id, decision, "  ")
    assert response.status_code == 422
    assert field_errors(response) == {"reason": ["退回修改或不予通过时须填写原因"]}
    assert open_task(session_factory, enrollment.instance_id).id == review.id
    assert stage(session_factory, enrollment.instance_id) == "vetting"
    assert submissions(session_factory, enrollment.id)[0][2] is None


def test_a_decision_must_be_one_of_the_three(office_client, enrollment, session_factory):
    review = open_task(session_factory, enrollment.instance_id)
    response = decide(office_client, review.id, "maybe", REASON)
    assert response.status_code == 422
    assert field_errors(response) == {"decision": ["请选择通过、退回修改或不予通过"]}
    assert open_task(session_factory, enrollment.instance_id).id == review.id


def test_a_return_reaches_the_institution_which_resubmits_keeping_its_files(
        app, office_client, institution_client, enrollment, session_factory):
    (original,) = submissions(session_factory, enrollment.id)
    correction = return_it(office_client, session_factory, enrollment)
    assert (correction.task_name, correction.role) == ("correct_enrollment", "applicant")

    notices = messages(institution_client)
    assert len(notices) == 1
    assert "试点报名被退回" in notices[0] and REASON in notices[0] and INSTITUTION_PILOT in notices[0]
    assert any(m["to"] == INSTITUTION_EMAIL and "试点报名被退回" in m["subject"]
               for m in outbox(app, "email"))

    mine = institution_client.get("/my/enrollments")
    assert my_stage(mine, enrollment.id) == "已退回"
    assert resubmit_links(mine) == [f"/tasks/{correction.id}"]
    assert withdraw_forms(mine) == []

    form_page = institution_client.get(f"/tasks/{correction.id}")
    assert form_page.status_code == 200
    assert page(form_page).xpath("string(//*[@data-return-reason])").count(REASON) == 1
    assert page(form_page).xpath("string(//textarea[@name='note'])").strip() == NOTE
    assert file_links(form_page) == [f"/files/{i}" for i in original[4]]

    response = institution_client.post(f"/tasks/{correction.id}", **multipart(
        {"note": "已补充说明，证书仍在有效期内"}))
    assert response.status_code == 302, field_errors(response)
    assert stage(session_factory, enrollment.instance_id) == "vetting"
    first_submission, second_submission = submissions(session_factory, enrollment.id)
    assert first_submission[:4] == (1, NOTE, "return", REASON)
    assert second_submission[:4] == (2, "已补充说明，证书仍在有效期内", None, None)
    assert second_submission[4] == first_submission[4]
    assert my_stage(institution_client.get("/my/enrollments"), enrollment.id) == "待审核"

    review = open_task(session_factory, enrollment.instance_id)
    assert review.task_name == "review_enrollment"
    shown = office_client.get(f"/tasks/{review.id}")
    text = text_of(shown)
    assert "第 2 次提交" in text and "已补充说明，证书仍在有效期内" in text
    assert "历史提交（1 次）" in text and REASON in text
    assert file_links(shown) == [f"/files/{i}" for i in original[4]]


def test_a_resubmission_with_new_files_replaces_them(office_client, institution_client, enrollment,
                                                     session_factory):
    correction = return_it(office_client, session_factory, enrollment)
    response = institution_client.post(f"/tasks/{correction.id}", **multipart(
        {"note": NOTE, "qualification": [pdf("新资质证书.pdf", CERTIFICATE)]}))
    assert response.status_code == 302, field_errors(response)
    first_submission, second_submission = submissions(session_factory, enrollment.id)
    assert len(second_submission[4]) == 1 and second_submission[4][0] not in first_submission[4]
    review = open_task(session_factory, enrollment.instance_id)
    shown = office_client.get(f"/tasks/{review.id}")
    assert file_links(shown) == [f"/files/{second_submission[4][0]}"]
    assert "新资质证书.pdf" in text_of(shown)


def test_a_bad_resubmission_is_refused_at_its_field(office_client, institution_client, enrollment,
                                                    session_factory):
    correction = return_it(office_client, session_factory, enrollment)
    response = institution_client.post(f"/tasks/{correction.id}", **multipart(
        {"note": NOTE, "qualification": [pdf("资质.pdf", NOT_PDF)]}))
    assert response.status_code == 422
    assert field_errors(response) == {"qualification": ["资质.pdf：请上传 PDF 格式的文件"]}
    assert open_task(session_factory, enrollment.instance_id).id == correction.id
    assert len(submissions(session_factory, enrollment.id)) == 1


def test_approval(app, office_client, institution_client, enrollment, session_factory):
    review = open_task(session_factory, enrollment.instance_id)
    response = decide(office_client, review.id, "approve")
    assert response.status_code == 302, field_errors(response)

    row = first(session_factory, select(ProcessInstance).where(ProcessInstance.id == enrollment.instance_id))
    assert (row.status, row.stage) == ("completed", "approved")
    mine = institution_client.get("/my/enrollments")
    # 当前状态 is now the work the approval opened (编制方案), the approval itself said beneath it.
    assert my_stage(mine, enrollment.id) == "待编制方案"
    assert "报名审核通过" in " ".join(my_row(mine, enrollment.id).text_content().split())
    assert resubmit_links(mine) == [] and withdraw_forms(mine) == []
    notices = messages(institution_client)
    assert len(notices) == 1
    assert "试点报名审核通过" in notices[0] and INSTITUTION_PILOT in notices[0]
    assert any(m["to"] == INSTITUTION_EMAIL and "试点报名审核通过" in m["subject"]
               for m in outbox(app, "email"))
    assert submissions(session_factory, enrollment.id)[0][2] == "approve"
    assert "共 0 条" in text_of(office_client.get("/tasks/"))


def test_rejection(office_client, institution_client, enrollment, session_factory):
    review = open_task(session_factory, enrollment.instance_id)
    response = decide(office_client, review.id, "reject", "不具备电动自行车检测能力")
    assert response.status_code == 302, field_errors(response)
    mine = institution_client.get("/my/enrollments")
    assert my_stage(mine, enrollment.id) == "不予通过"
    assert resubmit_links(mine) == [] and withdraw_forms(mine) == []
    notices = messages(institution_client)
    assert len(notices) == 1
    assert "试点报名不予通过" in notices[0] and "不具备电动自行车检测能力" in notices[0]
    assert submissions(session_factory, enrollment.id)[0][2:4] == ("reject", "不具备电动自行车检测能力")
    assert count(session_factory, HumanTask, HumanTask.state == "ready") == 0


# --- 撤回 ------------------------------------------------------------------------------------


def test_withdraw_while_under_review_then_resubmit(office_client, institution_client, enrollment,
                                                   session_factory):
    review = open_task(session_factory, enrollment.instance_id)
    response = institution_client.post(f"/my/enrollments/{enrollment.id}/withdraw")
    assert response.status_code == 302 and response.headers["Location"] == "/my/enrollments"

    mine = institution_client.get("/my/enrollments")
    assert "报名已撤回，您可以修改后重新提交" in flashes(mine)
    assert my_stage(mine, enrollment.id) == "已撤回"
    resubmit = open_task(session_factory, enrollment.instance_id)
    assert (resubmit.task_name, resubmit.role) == ("resubmit_enrollment", "applicant")
    assert resubmit_links(mine) == [f"/tasks/{resubmit.id}"]
    assert withdraw_forms(mine) == []
    assert first(session_factory, select(HumanTask).where(HumanTask.id == review.id)).state != "ready"
    assert "共 0 条" in text_of(office_client.get("/tasks/"))
    assert office_client.get(f"/tasks/{review.id}", follow_redirects=True).status_code == 200
    assert submissions(session_factory, enrollment.id)[0][2] == "withdrawn"

    form_page = institution_client.get(f"/tasks/{resubmit.id}")
    assert "您已撤回本次报名，修改后可重新提交。" in text_of(form_page)
    response = institution_client.post(f"/tasks/{resubmit.id}", **multipart({"note": NOTE}))
    assert response.status_code == 302, field_errors(response)
    assert stage(session_factory, enrollment.instance_id) == "vetting"
    withdrawn, resubmitted = submissions(session_factory, enrollment.id)
    assert resubmitted[:3] == (2, NOTE, None) and resubmitted[4] == withdrawn[4]  # files kept
    review = open_task(session_factory, enrollment.instance_id)
    assert review.task_name == "review_enrollment"
    assert "共 1 条" in text_of(office_client.get("/tasks/"))
    assert file_links(office_client.get(f"/tasks/{review.id}")) == [f"/files/{i}" for i in withdrawn[4]]
    assert my_stage(institution_client.get("/my/enrollments"), enrollment.id) == "待审核"


@pytest.mark.parametrize("decision, expected_stage, label", [
    ("approve", "approved", "待编制方案"), ("return", "returned", "已退回"),
    ("reject", "rejected", "不予通过"),
])
def test_withdraw_after_the_office_decided_is_refused(office_client, institution_client, enrollment,
                                                      session_factory, decision, expected_stage, label):
    review = open_task(session_factory, enrollment.instance_id)
    assert decide(office_client, review.id, decision, REASON).status_code == 302
    tasks_before = task_states(session_factory)

    response = institution_client.post(f"/my/enrollments/{enrollment.id}/withdraw",
                                       follow_redirects=True)
    assert "专项办已处理该报名，无法撤回" in flashes(response)
    assert my_stage(response, enrollment.id) == label
    assert stage(session_factory, enrollment.instance_id) == expected_stage
    assert task_states(session_factory) == tasks_before
    assert [s[2] for s in submissions(session_factory, enrollment.id)] == [decision]


def test_withdrawing_another_organisations_enrolment_is_not_found(rival_client, enrollment,
                                                                  session_factory):
    assert rival_client.post(f"/my/enrollments/{enrollment.id}/withdraw").status_code == 404
    assert rival_client.post(f"/my/enrollments/{enrollment.id + 1000}/withdraw").status_code == 404
    assert stage(session_factory, enrollment.instance_id) == "vetting"
    assert open_task(session_factory, enrollment.instance_id).task_name == "review_enrollment"
    assert page(rival_client.get("/my/enrollments")).xpath("//tr/@data-enrollment-id") == []
