"""升级试点 in the browser: who may see what, and the JSON API of 报名审核."""
from __future__ import annotations

from storage.models import EnrollmentFile
from tests.webapp.helpers import (
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    api_token,
    count,
    decide,
    multipart,
    open_task,
    pdf,
    text_of,
)
from tests.webapp.pilot_flow import (
    CERTIFICATE,
    INSTITUTION_EMAIL,
    INSTITUTION_NAME,
    INSTITUTION_PILOT,
    LICENCE,
    MEMBER_PASSWORD,
    NOT_PDF,
    NOTE,
    REASON,
    enroll,
    enrollment_fixture,  # noqa: F401
    enrollment_of,
    file_links,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    nothing_stored,
    recruiting_fixture,  # noqa: F401
    return_it,
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
    submissions,
)

# --- who may see what ------------------------------------------------------------------------


def test_another_institution_cannot_see_the_review_the_correction_or_the_files(
        client, office_client, institution_client, rival_client, other_client, enrollment,
        session_factory):
    review = open_task(session_factory, enrollment.instance_id)
    (only,) = submissions(session_factory, enrollment.id)
    assert rival_client.get(f"/tasks/{review.id}").status_code == 403
    assert decide(rival_client, review.id, "approve").status_code == 403
    assert institution_client.get(f"/tasks/{review.id}").status_code == 403  # the office's task
    assert "共 0 条" in text_of(rival_client.get("/tasks/"))

    for file_id in only[4]:
        assert rival_client.get(f"/files/{file_id}").status_code == 403
        assert other_client.get(f"/files/{file_id}").status_code == 403
        assert client.get(f"/files/{file_id}").status_code == 401
        with institution_client.get(f"/files/{file_id}") as own:
            assert own.status_code == 200

    correction = return_it(office_client, session_factory, enrollment)
    assert rival_client.get(f"/tasks/{correction.id}").status_code == 403
    response = rival_client.post(f"/tasks/{correction.id}", **multipart({"note": "冒名提交"}))
    assert response.status_code == 403
    assert open_task(session_factory, enrollment.instance_id).id == correction.id
    assert len(submissions(session_factory, enrollment.id)) == 1
    assert "冒名提交" not in text_of(office_client.get("/tasks/"))


def test_an_enterprise_cannot_open_pilot_management(other_client):
    assert other_client.get("/office/pilots").status_code == 403
    assert other_client.get("/office/pilots/new").status_code == 403


def test_the_office_does_not_enrol(office_client, recruiting, session_factory):
    assert office_client.get(f"/pilots/{recruiting}/enroll").status_code == 403
    assert enroll(office_client, recruiting).status_code == 403
    assert office_client.get("/my/enrollments").status_code == 403
    assert nothing_stored(session_factory)


def test_a_note_is_shown_as_text_not_markup(institution, institution_client, office_client, recruiting,
                                            session_factory):
    note = "<script>alert('x')</script>资质说明"
    assert enroll(institution_client, recruiting, note=note).status_code == 302
    row = enrollment_of(session_factory, recruiting, institution.organization_id)
    shown = office_client.get(f"/tasks/{open_task(session_factory, row.instance_id).id}")
    assert "<script>alert" not in shown.get_data(as_text=True)
    assert note in text_of(shown)


# --- the JSON API ----------------------------------------------------------------------------


def test_api_review_task_has_the_form_schema_and_the_context(client, office, enrollment, session_factory):
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    review = open_task(session_factory, enrollment.instance_id)
    response = client.get(f"/api/v1/tasks/{review.id}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    # The step reviews with the generic 审核 form (workflows/forms/generic_review.form).
    assert body["task"]["name"] == "review_enrollment" and body["task"]["role"] == "office"
    assert body["task"]["form_key"] == "generic_review"
    form = body["form"]
    assert form["properties"]["decision"]["oneOf"] == [
        {"const": "approve", "title": "通过"}, {"const": "return", "title": "退回修改"},
        {"const": "reject", "title": "不予通过"}]
    assert form["properties"]["reason"]["type"] == "string"
    assert form["required"] == ["decision"]

    context = body["context"]
    assert context["pilot"]["id"] == enrollment.pilot_id
    assert context["pilot"]["title"] == INSTITUTION_PILOT
    assert context["pilot"]["recruit_type"] == "第三方技术机构"
    assert context["pilot"]["status"] == "招募中" and context["pilot"]["deadline"] == "2026-12-31"
    assert context["organization"] == {"id": enrollment.organization_id, "name": INSTITUTION_NAME}
    (only,) = submissions(session_factory, enrollment.id)
    submission = context["submission"]
    assert submission["sequence"] == 1 and submission["note"] == NOTE
    assert [f["id"] for f in submission["files"]] == only[4]
    assert [f["name"] for f in submission["files"]] == ["资质证书.pdf", "检测能力表.pdf"]
    assert context["history"] == []

    headers_inst = api_token(client, INSTITUTION_EMAIL, MEMBER_PASSWORD)
    assert client.get(f"/api/v1/tasks/{review.id}", headers=headers_inst).status_code == 403


def test_api_correction_as_multipart_with_two_files(client, office_client, institution, enrollment,
                                                    session_factory):
    office_api = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    review = open_task(session_factory, enrollment.instance_id)
    returned = client.post(f"/api/v1/tasks/{review.id}", headers=office_api,
                           json={"decision": "return", "reason": REASON})
    assert returned.status_code == 200, returned.get_json()
    assert returned.get_json()["instance"]["stage"] == "returned"
    correction = open_task(session_factory, enrollment.instance_id)

    member_api = api_token(client, institution.email, institution.password)
    schema = client.get(f"/api/v1/tasks/{correction.id}", headers=member_api).get_json()
    assert schema["form"]["properties"]["qualification"]["type"] == "array"
    assert "qualification" not in schema["form"]["required"]
    assert schema["form"]["properties"]["note"]["default"] == NOTE
    assert schema["context"]["submission"]["reason"] == REASON

    bad = client.post(f"/api/v1/tasks/{correction.id}", headers=member_api, **multipart(
        {"note": NOTE, "qualification": [pdf("资质.pdf", NOT_PDF)]}))
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {"qualification": ["资质.pdf：请上传 PDF 格式的文件"]}

    response = client.post(f"/api/v1/tasks/{correction.id}", headers=member_api, **multipart({
        "note": "重新上传两份证书",
        "qualification": [pdf("新资质证书.pdf", CERTIFICATE), pdf("新检测能力表.pdf", LICENCE)],
    }))
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["instance"]["stage"] == "vetting"
    assert [t["name"] for t in body["tasks"]] == ["review_enrollment"]

    second = submissions(session_factory, enrollment.id)[1]
    assert second[:2] == (2, "重新上传两份证书") and len(second[4]) == 2
    next_review = open_task(session_factory, enrollment.instance_id)
    context = client.get(f"/api/v1/tasks/{next_review.id}", headers=office_api).get_json()["context"]
    assert [f["name"] for f in context["submission"]["files"]] == ["新资质证书.pdf", "新检测能力表.pdf"]
    assert [f["id"] for f in context["submission"]["files"]] == second[4]
    shown = office_client.get(f"/tasks/{next_review.id}")
    assert file_links(shown) == [f"/files/{i}" for i in second[4]]
    with office_client.get(file_links(shown)[0]) as download:
        assert download.data == CERTIFICATE
    assert count(session_factory, EnrollmentFile) == 4
