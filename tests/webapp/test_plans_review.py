"""对标方案 in the browser: the formal plan through the office's 正式版方案审核 (退回修改, 通过 →
公示), and who may see or touch the report, the formal plan and their documents."""
from __future__ import annotations

import pytest
from sqlalchemy import event, select

from storage.models import ProcessInstance
from tests.webapp.helpers import decide, field_errors, first, flashes, input_value, multipart, page, pdf, text_of
from tests.webapp.pilot_flow import (
    ENTERPRISE_NAME,
    INSTITUTION_NAME,
    enterprise_fixture,  # noqa: F401
    file_links,
    inbox_titles,
    institution_client_fixture,  # noqa: F401
    institution_fixture,  # noqa: F401
    is_login_redirect,
    messages,
    recruiting_fixture,  # noqa: F401
    rival_client_fixture,  # noqa: F401
    rival_fixture,  # noqa: F401
)
from tests.webapp.plan_flow import (
    DOCUMENTS,
    LABELS,
    PLAN_NAME,
    REASON,
    REPORT,
    ROW_FIELDS,
    ROWS,
    STANDARD_NAME,
    STANDARD_NUMBER,
    action_links,
    approved_fixture,  # noqa: F401
    co_drafter_ids,
    drafting_fixture,  # noqa: F401
    plan_form,
    plan_row,
    plan_status,
    post_plan,
    ready,
    ready_keys,
    report_form,
    report_submissions,
    shown_rows,
    stage_of,
)

# --- the full formal plan: 提交, the office's review, 退回修改, 通过 ---------------------------


def test_the_formal_plan_from_submission_to_awaiting_publicity(
        app, approved, drafting, institution, institution_client, office_client, enterprise, other_client,
        session_factory):
    response = post_plan(institution_client, drafting.id, plan_form(
        standard_number="T/ABC 001—2023", co_drafters=[str(enterprise.organization_id)]))
    assert response.status_code == 302, field_errors(response)
    assert "提交成功" in flashes(institution_client.get(response.headers["Location"], follow_redirects=True))
    assert plan_row(session_factory).status == "plan_review"
    assert stage_of(session_factory, drafting) == "plan_review"
    assert "提交正式版" not in inbox_titles(institution_client)
    ((_, snapshot, _, _, documents),) = report_submissions(session_factory, "plan")
    assert snapshot["standard_number"] == STANDARD_NUMBER
    assert [{k: r[k] for k in ROW_FIELDS} for r in snapshot["indicators"]] == ROWS
    assert sorted(documents) == sorted(DOCUMENTS)

    # The office's 正式版方案审核 shows every field, file and 指标项.
    review = ready(session_factory, "review_plan")
    assert "正式版方案审核" in inbox_titles(office_client)
    shown = office_client.get(f"/tasks/{review.id}")
    assert shown.status_code == 200
    root = page(shown)
    assert root.xpath("string(//*[@data-standard-number])").strip() == STANDARD_NUMBER
    text = text_of(shown)
    for expected in (STANDARD_NAME, ENTERPRISE_NAME, PLAN_NAME, INSTITUTION_NAME, "第 1 次提交"):
        assert expected in text, expected
    links = file_links(shown)
    assert sorted(links) == sorted(f"/files/{i}" for i in documents.values())
    for kind, (name, data, label) in DOCUMENTS.items():
        (link,) = root.xpath(f"//a[@data-file-link and normalize-space()='{name}']")
        assert link.get("href") == f"/files/{documents[kind]}"
        assert label in link.getparent().getparent().text_content()
        with office_client.get(link.get("href")) as download:
            assert download.status_code == 200 and download.data == data
    table = [[" ".join(td.text_content().split()) for td in tr.xpath("./td")]
             for tr in root.xpath("//table[@data-indicators]/tbody/tr")]
    # 一级指标 as the manual shows it: 安全（必填） … 智能化（可填）
    shown_level1 = {k: f"{v}（{'可填' if k == 'smart' else '必填'}）" for k, v in LABELS.items()}
    assert table == [[str(n), shown_level1[r["level1"]], r["level2"], r["value"], r["basis"], r["method"]]
                     for n, r in enumerate(ROWS, start=1)]

    # 退回修改: the institution's draft reopens with its last content and the reason.
    assert decide(office_client, review.id, "return", REASON).status_code == 302
    notices = messages(institution_client)
    assert any("正式版方案被退回" in m and REASON in m for m in notices)
    correction = ready(session_factory, "draft_plan")
    assert correction.task_name == "correct_plan"
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, approved) == "已退回（正式版）"
    (reason,) = page(mine).xpath(f"//tr[@data-plan-id='{approved}']//*[@data-return-reason]")
    assert " ".join(reason.text_content().split()) == f"退回原因：{REASON}"
    assert action_links(mine, "提交正式版") == [f"/tasks/{correction.id}"]
    reopened = institution_client.get(f"/tasks/{correction.id}")
    assert reopened.status_code == 200
    assert REASON in page(reopened).xpath("string(//*[@data-return-reason])")
    assert input_value(reopened, "standard_number") == STANDARD_NUMBER
    assert input_value(reopened, "standard_name") == STANDARD_NAME
    assert shown_rows(reopened) == ROWS
    assert page(reopened).xpath("//select[@name='co_drafters']/option[@selected]/@value") == [
        str(enterprise.organization_id)]
    for name, _data, _label in DOCUMENTS.values():
        assert f"已上传：{name}（不上传则沿用）" in text_of(reopened)
    # an enterprise named 参编单位 still cannot open the institution's task
    assert other_client.get(f"/tasks/{correction.id}").status_code == 403

    # 修改后重新提交 (no new files: the earlier ones are kept), then 通过 → 待公示.
    changed = [*ROWS[:3], {**ROWS[3], "value": "3米"}]
    response = post_plan(institution_client, correction.id, plan_form(
        rows=changed, files=(), co_drafters=[str(enterprise.organization_id)]))
    assert response.status_code == 302, field_errors(response)
    first_plan, second_plan = report_submissions(session_factory, "plan")
    assert first_plan[2:4] == ("return", REASON)
    assert second_plan[0] == 2 and second_plan[4] == first_plan[4]
    assert second_plan[1]["indicators"][3]["value"] == "3米"
    again = ready(session_factory, "review_plan")
    shown = office_client.get(f"/tasks/{again.id}")
    assert "第 2 次提交" in text_of(shown) and "3米" in text_of(shown)
    assert sorted(file_links(shown)) == sorted(f"/files/{i}" for i in documents.values())

    assert decide(office_client, again.id, "approve").status_code == 302
    plan = plan_row(session_factory)
    assert plan.status == "publicity"  # approved plans go straight into 公示
    instance = first(session_factory, select(ProcessInstance).where(ProcessInstance.id == again.instance_id))
    assert (instance.status, instance.stage) == ("waiting", "publicity")
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, approved) == "公示中"
    assert action_links(mine, "提交正式版") == []
    assert any("正式版方案审核通过" in m for m in messages(institution_client))
    assert ready_keys(session_factory) == []


def test_returning_a_plan_needs_a_reason(drafting, institution_client, office_client, session_factory):
    assert post_plan(institution_client, drafting.id, plan_form()).status_code == 302
    review = ready(session_factory, "review_plan")
    response = decide(office_client, review.id, "reject", "")
    assert response.status_code == 422
    assert field_errors(response) == {"reason": ["退回修改或不予通过时须填写原因"]}
    assert ready(session_factory, "review_plan").id == review.id


def test_a_saved_draft_is_submitted_with_its_files(drafting, institution_client, session_factory):
    assert post_plan(institution_client, drafting.id, plan_form("save")).status_code == 302
    saved = report_submissions(session_factory, "draft")[-1][4]
    response = post_plan(institution_client, drafting.id, plan_form(files=()))
    assert response.status_code == 302, field_errors(response)
    assert report_submissions(session_factory, "plan")[0][4] == saved
    assert plan_row(session_factory).status == "plan_review"


@pytest.mark.parametrize("files", [(), tuple(DOCUMENTS)], ids=["saved files", "new files"])
def test_submitting_reads_the_draft_submission_once(app, drafting, institution_client, session_factory, files):
    """提交 reads the draft that holds the files once, for saving, checking and the snapshot."""
    assert post_plan(institution_client, drafting.id, plan_form("save")).status_code == 302
    engine, draft_reads = app.extensions["duibiao.engine"], []

    def listener(connection, cursor, statement, parameters, context, executemany):
        values = parameters.values() if isinstance(parameters, dict) else parameters or ()
        if statement.startswith("SELECT plan_submission.id") and "draft" in values:
            draft_reads.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = post_plan(institution_client, drafting.id, plan_form(files=files))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 302, field_errors(response)
    assert len(draft_reads) == 1, draft_reads
    assert report_submissions(session_factory, "plan")[0][4] == report_submissions(session_factory, "draft")[-1][4]


# --- who may see what ------------------------------------------------------------------------


def test_another_institution_cannot_touch_the_report_task(approved, rival_client, client, session_factory):
    task = ready(session_factory, "draft_report")
    assert rival_client.get(f"/tasks/{task.id}").status_code == 403
    response = rival_client.post(f"/tasks/{task.id}", **multipart(
        report_form("冒名方案", pdf("比对分析报告.pdf", REPORT))))
    assert response.status_code == 403
    assert ready(session_factory, "draft_report").id == task.id
    assert report_submissions(session_factory) == [] and plan_row(session_factory).name == ""
    assert "编制方案" not in " ".join(inbox_titles(rival_client))
    assert is_login_redirect(client.get(f"/tasks/{task.id}"), f"/tasks/{task.id}")


def test_another_institution_cannot_touch_the_formal_plan_or_its_documents(
        drafting, institution_client, rival_client, office_client, other_client, client, session_factory):
    assert post_plan(institution_client, drafting.id, plan_form("save")).status_code == 302
    saved = plan_row(session_factory)
    draft_files = report_submissions(session_factory, "draft")[-1][4]
    report_file = report_submissions(session_factory)[0][4]["comparison_report"]

    assert rival_client.get(f"/tasks/{drafting.id}").status_code == 403
    for action in ("save", "submit"):
        response = post_plan(rival_client, drafting.id, plan_form(action, standard_name="冒名标准"))
        assert response.status_code == 403, action
    assert plan_row(session_factory).standard_name == saved.standard_name == STANDARD_NAME
    assert ready(session_factory, "draft_plan").id == drafting.id
    assert report_submissions(session_factory, "plan") == []

    for kind, file_id in [*draft_files.items(), ("comparison_report", report_file)]:
        assert rival_client.get(f"/files/{file_id}").status_code == 403, kind
        assert other_client.get(f"/files/{file_id}").status_code == 403, kind
        assert client.get(f"/files/{file_id}").status_code == 401, kind
        with institution_client.get(f"/files/{file_id}") as own:
            assert own.status_code == 200, kind
            expected = REPORT if kind == "comparison_report" else DOCUMENTS[kind][1]
            assert own.data == expected
        with office_client.get(f"/files/{file_id}") as office_copy:
            assert office_copy.status_code == 200, kind


def test_an_enterprise_named_co_drafter_cannot_open_the_task(drafting, institution_client, other_client,
                                                             enterprise, session_factory):
    form = plan_form("save", co_drafters=[str(enterprise.organization_id)])
    assert post_plan(institution_client, drafting.id, form).status_code == 302
    assert co_drafter_ids(session_factory) == [enterprise.organization_id]
    assert other_client.get(f"/tasks/{drafting.id}").status_code == 403
    assert post_plan(other_client, drafting.id, plan_form("save", standard_name="企业改的")).status_code == 403
    assert post_plan(other_client, drafting.id, plan_form()).status_code == 403
    assert plan_row(session_factory).standard_name == STANDARD_NAME
    assert "提交正式版" not in inbox_titles(other_client)
    assert ready(session_factory, "draft_plan").id == drafting.id


def test_the_institution_cannot_take_the_office_reviews(approved, drafting, institution_client,
                                                       session_factory):
    assert post_plan(institution_client, drafting.id, plan_form()).status_code == 302
    review = ready(session_factory, "review_plan")
    assert institution_client.get(f"/tasks/{review.id}").status_code == 403
    assert decide(institution_client, review.id, "approve").status_code == 403
    assert plan_row(session_factory).status == "plan_review"


def test_a_plan_text_is_shown_as_text_not_markup(drafting, institution_client, office_client, session_factory):
    rows = [{**ROWS[0], "level2": "<script>alert('x')</script>防撞击"}, *ROWS[1:]]
    assert post_plan(institution_client, drafting.id, plan_form(rows=rows)).status_code == 302
    shown = office_client.get(f"/tasks/{ready(session_factory, 'review_plan').id}")
    assert "<script>alert" not in shown.get_data(as_text=True)
    assert "<script>alert('x')</script>防撞击" in text_of(shown)
