"""提交正式版 (draft_plan) as a user meets it: every problem at once (the three PDFs included), what a
refused post did with the chosen PDFs, what the page checks before posting, and the 指标项 labels."""
from __future__ import annotations

import json

from storage.models import StoredFile
from tests.webapp.helpers import api_token, count, field_errors, multipart, page, pdf, text_of
from tests.webapp.pilot_flow import (
    NOT_PDF,
    enterprise_fixture,  # noqa: F401
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    recruiting_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    DOCUMENTS,
    PLAN_NAME,
    ROWS,
    approved_fixture,  # noqa: F401
    drafting_fixture,  # noqa: F401
    plan_form,
    plan_row,
    post_plan,
    ready,
    report_submissions,
)

MISSING = {kind: [f"请上传{label}（PDF）"] for kind, (_name, _data, label) in DOCUMENTS.items()}
NOT_KEPT = "提交未成功，请重新选择文件"


def not_kept(response) -> dict[str, str]:
    """The notes at file fields whose chosen PDF the refused post did not keep."""
    return {e.get("data-file-not-kept"): " ".join(e.text_content().split())
            for e in page(response).xpath("//*[@data-file-not-kept]")}


def saved_files(response) -> dict[str, tuple[str, str]]:
    """已上传 at each file field: (text, download link)."""
    return {e.get("data-saved-file"): (" ".join(e.text_content().split()), e.xpath("string(.//a/@href)"))
            for e in page(response).xpath("//*[@data-saved-file]")}


def test_an_empty_submit_names_every_problem_at_once(drafting, institution_client, session_factory):
    files_before = count(session_factory, StoredFile)
    response = post_plan(institution_client, drafting.id,
                         plan_form(rows=[], files=(), standard_number="", standard_name=""))
    assert response.status_code == 422
    assert field_errors(response) == {
        "standard_number": ["请填写标准号"], "standard_name": ["请填写标准名称"], **MISSING,
        "indicators": ["一级指标“安全、性能、低碳”至少各需一项"]}
    assert not_kept(response) == {}  # nothing was chosen, nothing lost
    assert count(session_factory, StoredFile) == files_before
    assert report_submissions(session_factory, "plan") == [] and report_submissions(session_factory, "draft") == []
    assert ready(session_factory, "draft_plan").id == drafting.id


def test_missing_files_show_with_the_other_field_errors(drafting, institution_client, session_factory):
    form = plan_form(files=("standard_text",), standard_name="", rows=[*ROWS[:2], {**ROWS[2], "value": ""}])
    response = post_plan(institution_client, drafting.id, form)
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors == {"standard_name": ["请填写标准名称"], "scheme": MISSING["scheme"],
                      "explanation": MISSING["explanation"]}
    assert "请填写指标值" in text_of(response)
    assert plan_row(session_factory).status == "plan_drafting"


def test_files_of_a_saved_draft_need_no_new_upload(drafting, institution_client, session_factory):
    saved = post_plan(institution_client, drafting.id, plan_form("save", rows=[], files=("standard_text", "scheme")))
    assert saved.status_code == 302, field_errors(saved)
    response = post_plan(institution_client, drafting.id, plan_form(files=(), standard_name=""))
    assert response.status_code == 422
    assert field_errors(response) == {"standard_name": ["请填写标准名称"], "explanation": MISSING["explanation"]}
    shown = saved_files(response)
    assert {k: text for k, (text, _link) in shown.items()} == {
        "standard_text": "已上传：标准文本.pdf（不上传则沿用）", "scheme": "已上传：对标方案.pdf（不上传则沿用）"}
    with institution_client.get(shown["scheme"][1]) as download:  # the saved file can be looked at
        assert download.status_code == 200 and download.data == DOCUMENTS["scheme"][1]
    # the page knows which files are saved, so its own check does not ask for them again
    saved_inputs = page(response).xpath("//input[@type='file' and @data-saved]/@name")
    assert sorted(saved_inputs) == ["scheme", "standard_text"]


def test_a_refused_submit_says_which_chosen_files_must_be_chosen_again(drafting, institution_client,
                                                                        session_factory):
    files_before = count(session_factory, StoredFile)
    response = post_plan(institution_client, drafting.id, plan_form(standard_name=""))
    assert response.status_code == 422
    assert field_errors(response) == {"standard_name": ["请填写标准名称"]}
    assert not_kept(response) == {kind: f"{NOT_KEPT}（已选择：{name}）" for kind, (name, _d, _l) in DOCUMENTS.items()}
    assert count(session_factory, StoredFile) == files_before


def test_a_refused_save_says_so_too(drafting, institution_client, session_factory):
    response = post_plan(institution_client, drafting.id,
                         plan_form("save", files=("scheme",), standard_number="ABC"))
    assert response.status_code == 422
    assert not_kept(response) == {"scheme": "保存未成功，请重新选择文件（已选择：对标方案.pdf）"}
    assert report_submissions(session_factory, "draft") == []


def test_a_file_with_its_own_error_gets_only_that(drafting, institution_client):
    form = plan_form(scheme=pdf("对标方案.docx", NOT_PDF, "application/msword"))
    response = post_plan(institution_client, drafting.id, form)
    assert response.status_code == 422
    assert field_errors(response) == {"scheme": ["请上传 PDF 格式的文件"]}
    assert set(not_kept(response)) == {"standard_text", "explanation"}


def test_the_api_names_the_missing_files_with_the_other_errors(drafting, client, institution):
    headers = api_token(client, institution.email, institution.password)
    response = client.post(f"/api/v1/tasks/{drafting.id}", json={"standard_name": ""}, headers=headers)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert {k: errors[k] for k in DOCUMENTS} == MISSING
    assert errors["standard_number"] == ["请填写标准号"]
    assert errors["standard_name"] == ["请填写标准名称"]


def test_the_page_checks_the_common_mistakes_before_posting(drafting, institution_client):
    root = page(institution_client.get(f"/tasks/{drafting.id}"))
    assert root.xpath("//script[contains(@src, 'plan_form.js')]")
    checks = json.loads(root.xpath("string(//script[@id='plan-form-checks'])"))
    assert checks["documents"] == {k: v[0] for k, v in MISSING.items()}
    assert checks["required"]["standard_number"] == "请填写标准号"
    assert checks["required"]["method"] == "请填写试验/评价方法标准"
    assert checks["levels"] == {"safety": "安全", "performance": "性能", "low_carbon": "低碳"}
    assert checks["missing_levels"].replace("%(m)s", "安全、低碳") == "一级指标“安全、低碳”至少各需一项"
    assert checks["missing_level"].replace("%(m)s", "低碳") == "一级指标“低碳”至少需一项"
    assert "not_pdf" not in checks and checks["too_big"] == "文件不能超过 20 MB"  # PDF-ness is judged by content
    # every file field is marked required, and 删除 stays on one line
    labels = [" ".join(e.text_content().split()) for e in root.xpath("//label[@for='scheme']")]
    assert labels == ["对标方案（PDF） *"]
    buttons = root.xpath("//button[contains(@class, 'remove-row')]")
    template_buttons = root.xpath("//template[@id='indicator-template']")[0].xpath(".//button")
    for button in [*buttons, *template_buttons]:
        assert "text-nowrap" in button.get("class").split()
        assert "text-nowrap" in button.getparent().get("class", "").split()


def test_the_office_review_shows_the_manual_labels(drafting, institution_client, office_client, session_factory):
    assert post_plan(institution_client, drafting.id, plan_form()).status_code == 302
    review = ready(session_factory, "review_plan")
    response = office_client.get(f"/tasks/{review.id}")
    cells = page(response).xpath("//table[@data-indicators]/tbody/tr/td[2]/text()")
    assert cells == ["安全（必填）", "性能（必填）", "低碳（必填）", "智能化（可填）"]


def test_the_report_form_marks_the_report_required(approved, institution_client, session_factory):
    task = ready(session_factory, "draft_report")
    root = page(institution_client.get(f"/tasks/{task.id}"))
    label = " ".join(root.xpath("string(//label[@for='comparison_report'])").split())
    assert label == "比对分析报告（PDF） *"
    # still refused at the field without a file, and kept when it was filed before (domain's rule)
    response = institution_client.post(f"/tasks/{task.id}", **multipart({"name": PLAN_NAME}))
    assert response.status_code == 422
    assert field_errors(response) == {"comparison_report": ["请上传比对分析报告（PDF）"]}
