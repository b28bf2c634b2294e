"""退回修改 in the browser: the reason reaches 我的消息, the applicant corrects, the office sees it; 撤回."""
from __future__ import annotations

from sqlalchemy import select

from storage.models import Organization, ProcessInstance, RegistrationSubmission, StoredFile
from tests.factories import PDF_BYTES
from tests.webapp.helpers import (
    all_rows,
    decide,
    field_errors,
    first,
    flashes,
    input_value,
    multipart,
    open_task,
    page,
    pdf,
    text_of,
    unread_badge,
)

REASON = "营业执照不清晰，请重新上传"
NEW_LICENSE = PDF_BYTES.replace(b"200 200", b"595 842")


def correction_form(**overrides) -> dict:
    form = {"province_code": "440000", "city_code": "440300", "name": "深圳测试科技股份有限公司",
            "contact": "李四", "phone": "13912345678"}
    form.update(overrides)
    return form


def submissions(session_factory, organization_id) -> list[RegistrationSubmission]:
    with session_factory() as session:
        rows = session.scalars(select(RegistrationSubmission).where(
            RegistrationSubmission.organization_id == organization_id)
            .order_by(RegistrationSubmission.sequence)).all()
        return [(s.sequence, s.data["name"], s.decision, s.reason,
                 sorted((f.kind, f.file_id) for f in s.files)) for s in rows]


def stage(session_factory, instance_id) -> str:
    return first(session_factory, select(ProcessInstance).where(ProcessInstance.id == instance_id)).stage


def return_it(office_client, session_factory, applicant, reason=REASON):
    task = open_task(session_factory, applicant.instance_id)
    assert decide(office_client, task.id, "return", reason).status_code == 302
    return open_task(session_factory, applicant.instance_id)


def test_the_reason_reaches_my_messages_with_an_unread_badge(office_client, applicant, applicant_client,
                                                            session_factory):
    assert unread_badge(applicant_client.get("/account/status")) is None
    return_it(office_client, session_factory, applicant)

    status = applicant_client.get("/account/status")
    assert unread_badge(status) == "1"
    messages = applicant_client.get("/account/messages")
    entries = page(messages).xpath("//*[@data-message]")
    assert len(entries) == 1
    entry = " ".join(entries[0].text_content().split())
    assert "注册申请被退回" in entry and REASON in entry and "未读" in entry
    assert "2026-11-02 09:30" in entry

    after = applicant_client.get("/account/status")
    assert unread_badge(after) is None
    assert "未读" not in text_of(applicant_client.get("/account/messages"))


def test_status_offers_the_correction_which_goes_back_to_the_office(
        office_client, applicant, applicant_client, session_factory):
    correction = return_it(office_client, session_factory, applicant)

    status = applicant_client.get("/account/status")
    assert page(status).xpath("string(//*[@data-stage])").strip() == "已退回"
    buttons = page(status).xpath("//a[normalize-space()='修改并重新提交']/@href")
    assert buttons == [f"/tasks/{correction.id}"]
    assert REASON in text_of(status)
    assert not page(status).xpath("//form[@action='/account/status/withdraw']")

    form_page = applicant_client.get(f"/tasks/{correction.id}")
    assert form_page.status_code == 200
    assert input_value(form_page, "name") == "深圳测试科技有限公司"
    assert input_value(form_page, "contact") == "李四"

    response = applicant_client.post(f"/tasks/{correction.id}", **multipart(correction_form(
        business_license=pdf("营业执照-清晰版.pdf", NEW_LICENSE))))
    assert response.status_code == 302, field_errors(response)
    assert stage(session_factory, applicant.instance_id) == "vetting"
    assert first(session_factory, select(Organization).where(
        Organization.id == applicant.organization_id)).name == "深圳测试科技股份有限公司"

    status = applicant_client.get("/account/status")
    assert page(status).xpath("string(//*[@data-stage])").strip() == "待审核"
    assert "修改并重新提交" not in text_of(status)
    history = [" ".join(r.text_content().split()) for r in page(status).xpath("//tbody/tr")]
    assert len(history) == 2
    assert "深圳测试科技股份有限公司" in history[0] and "待审核" in history[0]
    assert "退回修改" in history[1] and REASON in history[1]

    vet = open_task(session_factory, applicant.instance_id)
    assert vet.task_name == "vet_registration"
    inbox = office_client.get("/tasks/")
    assert page(inbox).xpath("//tr[@data-task-id]/@data-task-id") == [str(vet.id)]
    shown = office_client.get(f"/tasks/{vet.id}")
    text = text_of(shown)
    assert "第 2 次提交" in text and "深圳测试科技股份有限公司" in text
    assert "历史提交（1 次）" in text and REASON in text
    new_file = first(session_factory, select(StoredFile).where(StoredFile.original_name == "营业执照-清晰版.pdf"))
    assert page(shown).xpath("//a[@data-file-link]/@href") == [f"/files/{new_file.id}"]
    with office_client.get(f"/files/{new_file.id}") as download:
        assert download.data == NEW_LICENSE

    (first_submission, second_submission) = submissions(session_factory, applicant.organization_id)
    assert first_submission[:4] == (1, "深圳测试科技有限公司", "return", REASON)
    assert second_submission[:4] == (2, "深圳测试科技股份有限公司", None, None)
    assert first_submission[4] != second_submission[4]


def test_a_correction_without_new_files_keeps_the_earlier_ones(
        office_client, applicant, applicant_client, session_factory):
    correction = return_it(office_client, session_factory, applicant)
    response = applicant_client.post(f"/tasks/{correction.id}", **multipart(correction_form()))
    assert response.status_code == 302, field_errors(response)

    (first_submission, second_submission) = submissions(session_factory, applicant.organization_id)
    assert first_submission[4] == second_submission[4] == [("business_license", first_submission[4][0][1])]
    vet = open_task(session_factory, applicant.instance_id)
    shown = office_client.get(f"/tasks/{vet.id}")
    assert page(shown).xpath("//a[@data-file-link]/@href") == [f"/files/{first_submission[4][0][1]}"]


def test_a_bad_correction_is_refused_at_its_field(office_client, applicant, applicant_client, session_factory):
    correction = return_it(office_client, session_factory, applicant)
    response = applicant_client.post(f"/tasks/{correction.id}", **multipart(correction_form(
        city_code="110100", business_license=pdf("营业执照.pdf", b"not a pdf"))))

    assert response.status_code == 422
    errors = field_errors(response)
    assert errors["city_code"] == ["所选城市不属于所选省份"]
    assert errors["business_license"] == ["请上传 PDF 格式的文件"]
    assert open_task(session_factory, applicant.instance_id).id == correction.id
    assert len(submissions(session_factory, applicant.organization_id)) == 1


def test_withdraw_while_undecided_then_resubmit(office_client, applicant, applicant_client, session_factory):
    status = applicant_client.get("/account/status")
    assert page(status).xpath("//form[@action='/account/status/withdraw']")

    response = applicant_client.post("/account/status/withdraw")
    assert response.status_code == 302 and response.headers["Location"].endswith("/account/status")
    status = applicant_client.get("/account/status")
    assert "申请已撤回，您可以修改后重新提交" in flashes(status)
    assert page(status).xpath("string(//*[@data-stage])").strip() == "已撤回"
    assert "已撤回" in " ".join(page(status).xpath("//tbody/tr")[0].text_content().split())
    assert "共 0 条" in text_of(office_client.get("/tasks/"))

    resubmit = open_task(session_factory, applicant.instance_id)
    assert resubmit.role == "applicant"
    assert page(status).xpath("//a[normalize-space()='修改并重新提交']/@href") == [f"/tasks/{resubmit.id}"]
    response = applicant_client.post(f"/tasks/{resubmit.id}", **multipart(correction_form()))
    assert response.status_code == 302, field_errors(response)
    assert stage(session_factory, applicant.instance_id) == "vetting"
    assert "共 1 条" in text_of(office_client.get("/tasks/"))


def test_withdraw_after_a_decision_is_refused(office_client, applicant, applicant_client, session_factory):
    task = open_task(session_factory, applicant.instance_id)
    decide(office_client, task.id, "approve")

    response = applicant_client.post("/account/status/withdraw", follow_redirects=True)
    assert "专项办已处理该申请，无法撤回" in flashes(response)
    assert first(session_factory, select(Organization).where(
        Organization.id == applicant.organization_id)).status == "active"
    row = first(session_factory, select(ProcessInstance))
    assert (row.status, row.stage) == ("completed", "approved")


def test_withdraw_after_a_return_is_refused(office_client, applicant, applicant_client, session_factory):
    correction = return_it(office_client, session_factory, applicant)
    response = applicant_client.post("/account/status/withdraw", follow_redirects=True)
    assert "专项办已处理该申请，无法撤回" in flashes(response)
    assert open_task(session_factory, applicant.instance_id).id == correction.id
    assert stage(session_factory, applicant.instance_id) == "returned"
    assert all_rows(session_factory, select(RegistrationSubmission))[0].decision == "return"


def test_a_reason_is_shown_as_text_not_markup(office_client, applicant, applicant_client, session_factory):
    return_it(office_client, session_factory, applicant, reason="<script>alert('x')</script>请补充")
    for url in ("/account/messages", "/account/status"):
        response = applicant_client.get(url)
        assert "<script>alert" not in response.get_data(as_text=True)
        assert "<script>alert('x')</script>请补充" in text_of(response)


def test_withdraw_without_an_application(other_client):
    response = other_client.post("/account/status/withdraw", follow_redirects=True)
    assert "没有可撤回的申请" in flashes(response)
