"""对标方案 in the browser: 编制方案 (draft_report: 对标方案名称 + 比对分析报告) from 我参与的, the
office's 平台备案及形式审核, 我的方案 and 提交正式版 (draft_plan: 标准号, 标准名称, 参编单位, three
PDFs and the 指标项 table; 保存 keeps a draft, 提交 completes), the office's 正式版方案审核, who may
see what, and the JSON API."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from storage.models import (
    HumanTask,
    Indicator,
    Plan,
    PlanCoDrafter,
    PlanSubmission,
    ProcessInstance,
    StoredFile,
    User,
)
from tests.factories import PDF_BYTES, active_member, pilot
from tests.webapp.helpers import (
    CJK,
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    OTHER_EMAIL,
    OTHER_PASSWORD,
    all_rows,
    api_token,
    count,
    decide,
    field_errors,
    first,
    flashes,
    input_value,
    multipart,
    page,
    pdf,
    remembered_password_hashes,
    text_of,
)

MEMBER_PASSWORD = "Member#123"  # tests.factories.active_member
INSTITUTION_EMAIL, INSTITUTION_NAME = "inst@test.cn", "华标检测认证有限公司"
RIVAL_EMAIL, RIVAL_NAME = "inst2@test.cn", "江南质量技术研究院"
ENTERPRISE_NAME = "其他企业有限公司"  # conftest's other_enterprise
PILOT_TITLE = "电动自行车产品试点第三方技术机构招募"
PLAN_NAME = "两轮电动自行车对标方案"
STANDARD_NUMBER, STANDARD_NAME = "T/ABC 001-2023", "两轮电动自行车评价标准"
REASON = "请补充与国际标准的比对分析"
NOT_PDF = b"PK\x03\x04 this is a word document"


def _pdf_bytes(marker: bytes) -> bytes:
    return PDF_BYTES.replace(b"%%EOF", b"%" + marker + b"\n%%EOF")


REPORT = _pdf_bytes(b"report")
DOCUMENTS = {  # field -> (file name, content, label shown to the office)
    "standard_text": ("标准文本.pdf", _pdf_bytes(b"standard text"), "标准文本"),
    "scheme": ("对标方案.pdf", _pdf_bytes(b"scheme"), "对标方案"),
    "explanation": ("编制说明.pdf", _pdf_bytes(b"explanation"), "编制说明"),
}
ROWS = [  # the manual's example: 一级指标, 二级指标, 指标值, 对标依据, 试验/评价方法标准
    {"level1": "safety", "level2": "防撞击", "value": "10N", "basis": "ISO 12345-2020", "method": "GB/T 1234"},
    {"level1": "performance", "level2": "转速", "value": "650", "basis": "JIS 12345-2021", "method": "GB/T 1234"},
    {"level1": "low_carbon", "level2": "百公里耗电", "value": "4度", "basis": "GB 2233-2022", "method": "GB/T 1234"},
    {"level1": "smart", "level2": "定位误差", "value": "5米", "basis": "GB 2233-2022", "method": "GB/T 1234"},
]
LABELS = {"safety": "安全", "performance": "性能", "low_carbon": "低碳", "smart": "智能化"}
ROW_FIELDS = ("level1", "level2", "value", "basis", "method")


# --- fixtures --------------------------------------------------------------------------------


@dataclass
class Member:
    user_id: int
    organization_id: int
    email: str
    password: str = MEMBER_PASSWORD


def make_member(session_factory, email, role, name) -> Member:
    with session_factory() as session, remembered_password_hashes():
        user = active_member(session, email, role, name)
        session.commit()
        return Member(user.id, user.organization_id, email)


@pytest.fixture
def institution(app, session_factory) -> Member:
    return make_member(session_factory, INSTITUTION_EMAIL, "institution", INSTITUTION_NAME)


@pytest.fixture
def institution_client(institution, make_client):
    return make_client(institution.email, institution.password)


@pytest.fixture
def rival(app, session_factory) -> Member:
    """Another approved 第三方技术机构, with nothing to do with the institution's plan."""
    return make_member(session_factory, RIVAL_EMAIL, "institution", RIVAL_NAME)


@pytest.fixture
def rival_client(rival, make_client):
    return make_client(rival.email, rival.password)


@pytest.fixture
def enterprise(other_enterprise, session_factory) -> Member:
    """An approved enterprise (其他企业有限公司): who may be named 参编单位."""
    with session_factory() as session:
        user = session.get(User, other_enterprise)
        return Member(user.id, user.organization_id, OTHER_EMAIL, OTHER_PASSWORD)


@pytest.fixture
def recruiting(office, session_factory) -> int:
    with session_factory() as session:
        row = pilot(session, session.get(User, office))
        session.commit()
        return row.id


@pytest.fixture
def approved(institution, institution_client, office_client, recruiting, session_factory) -> int:
    """The institution enrolled and the office approved: the plan's id (待上传比对分析报告)."""
    response = institution_client.post(f"/pilots/{recruiting}/enroll", **multipart(
        {"qualification": [pdf("资质证书.pdf")], "note": "我单位具备电动自行车检测资质"}))
    assert response.status_code == 302, field_errors(response)
    review = ready(session_factory, "review_enrollment")
    assert decide(office_client, review.id, "approve").status_code == 302
    return plan_row(session_factory).id


@pytest.fixture
def drafting(approved, institution_client, office_client, session_factory) -> HumanTask:
    """The 比对分析报告 filed and approved: the institution's draft_plan task (提交正式版)."""
    submit_report(institution_client, session_factory)
    review = ready(session_factory, "review_report")
    assert decide(office_client, review.id, "approve").status_code == 302
    return ready(session_factory, "draft_plan")


# --- helpers ---------------------------------------------------------------------------------


def ready(session_factory, form_key: str) -> HumanTask:
    tasks = all_rows(session_factory, select(HumanTask).where(
        HumanTask.state == "ready", HumanTask.form_key == form_key))
    assert len(tasks) == 1, [t.task_name for t in tasks]
    return tasks[0]


def ready_keys(session_factory) -> list[str]:
    return [t.form_key for t in all_rows(session_factory, select(HumanTask).where(
        HumanTask.state == "ready").order_by(HumanTask.id))]


def plan_row(session_factory) -> Plan:
    (row,) = all_rows(session_factory, select(Plan))
    return row


def report_submissions(session_factory, stage: str = "report") -> list[tuple]:
    """(sequence, data, decision, reason, {kind: file id}) of each submission, oldest first."""
    with session_factory() as session:
        rows = session.scalars(select(PlanSubmission).where(PlanSubmission.stage == stage)
                               .order_by(PlanSubmission.sequence)).all()
        return [(s.sequence, s.data, s.decision, s.reason, {d.kind: d.file_id for d in s.documents})
                for s in rows]


def indicator_rows(session_factory) -> list[dict]:
    with session_factory() as session:
        return [{k: getattr(i, k) for k in ROW_FIELDS}
                for i in session.scalars(select(Indicator).order_by(Indicator.position))]


def co_drafter_ids(session_factory) -> list[int]:
    return sorted(row.organization_id for row in all_rows(session_factory, select(PlanCoDrafter)))


def stage_of(session_factory, task: HumanTask) -> str:
    return first(session_factory, select(ProcessInstance).where(
        ProcessInstance.id == task.instance_id)).stage


def report_form(name: str | None = PLAN_NAME, report=None) -> dict:
    form = {}
    if name is not None:
        form["name"] = name
    if report is not None:
        form["comparison_report"] = report
    return form


def submit_report(client, session_factory, name: str = PLAN_NAME, data: bytes = REPORT):
    task = ready(session_factory, "draft_report")
    response = client.post(f"/tasks/{task.id}", **multipart(
        report_form(name, pdf("比对分析报告.pdf", data))))
    assert response.status_code == 302, field_errors(response)
    return task


def plan_form(action: str = "submit", rows=ROWS, files=tuple(DOCUMENTS), **overrides) -> dict:
    """The 提交正式版 form as the page posts it; ``None`` drops a field."""
    form = {"action": action, "standard_number": STANDARD_NUMBER, "standard_name": STANDARD_NAME}
    for kind in files:
        name, data, _label = DOCUMENTS[kind]
        form[kind] = pdf(name, data)
    for index, row in enumerate(rows):
        for key, value in row.items():
            form[f"indicators-{index}-{key}"] = value
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def post_plan(client, task_id: int, form: dict):
    return client.post(f"/tasks/{task_id}", **multipart(form))


def plan_status(response, plan_id: int) -> str:
    rows = page(response).xpath(f"//tr[@data-plan-id='{plan_id}']")
    assert len(rows) == 1, text_of(response)
    return rows[0].xpath("string(.//*[@data-plan-status])").strip()


def plan_cells(response, plan_id: int) -> list[str]:
    (row,) = page(response).xpath(f"//tr[@data-plan-id='{plan_id}']")
    return [" ".join(td.text_content().split()) for td in row.xpath("./td")]


def action_links(response, label: str) -> list[str]:
    return page(response).xpath(f"//a[normalize-space()='{label}']/@href")


def file_links(response) -> list[str]:
    return page(response).xpath("//a[@data-file-link]/@href")


def messages(client) -> list[str]:
    response = client.get("/account/messages")
    return [" ".join(e.text_content().split()) for e in page(response).xpath("//*[@data-message]")]


def inbox_titles(client) -> list[str]:
    root = page(client.get("/tasks/"))
    return [" ".join(tr.xpath("./td")[1].text_content().split()) for tr in root.xpath("//tr[@data-task-id]")]


def shown_rows(response) -> list[dict]:
    """The 指标项 rows of the draft_plan form, as the inputs hold them."""
    root = page(response)
    rows = []
    for tr in root.xpath("//table[@id='indicator-table']/tbody/tr[contains(@class,'indicator-row')]"):
        row = {}
        for element in tr.xpath(".//input | .//select"):
            key = element.get("name").rsplit("-", 1)[1]
            if element.tag == "select":
                chosen = element.xpath("./option[@selected]/@value")
                row[key] = chosen[0] if chosen else None
            else:
                row[key] = element.get("value")
        rows.append(row)
    return rows


def row_errors(response) -> list[list[str]]:
    """The messages shown in each row of the 指标项 table."""
    root = page(response)
    return [[" ".join(e.text_content().split()) for e in tr.xpath(".//*[contains(@class,'invalid-feedback')]")]
            for tr in root.xpath("//table[@id='indicator-table']/tbody/tr[contains(@class,'indicator-row')]")]


def is_login_redirect(response, target: str) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/login" and target in parse_qs(location.query).get("next", [""])[0]


# --- 我参与的 and 我的方案 -------------------------------------------------------------------


def test_an_approved_enrolment_offers_to_draft_the_plan(approved, institution_client, session_factory):
    task = ready(session_factory, "draft_report")
    assert (task.role, task.process_key) == ("institution", "comparison_report")
    mine = institution_client.get("/my/enrollments")
    assert action_links(mine, "编制方案") == [f"/tasks/{task.id}"]

    plans = institution_client.get("/my/plans")
    assert plans.status_code == 200 and "我的方案" in text_of(plans)
    assert plan_status(plans, approved) == "待上传比对分析报告"
    assert plan_cells(plans, approved)[:2] == ["（未命名）", PILOT_TITLE]
    assert action_links(plans, "编制方案") == [f"/tasks/{task.id}"]
    assert action_links(plans, "提交正式版") == []

    form_page = institution_client.get(f"/tasks/{task.id}")
    assert form_page.status_code == 200
    text = text_of(form_page)
    assert "对标方案名称" in text and "比对分析报告" in text and PILOT_TITLE in text
    assert page(form_page).xpath("//input[@name='name']")
    assert page(form_page).xpath("//input[@name='comparison_report' and @type='file']")


def test_my_plans_shows_the_status_at_every_step(approved, institution_client, office_client,
                                                 session_factory):
    def status():
        return plan_status(institution_client.get("/my/plans"), approved)

    assert status() == "待上传比对分析报告"
    submit_report(institution_client, session_factory)
    assert status() == "比对分析报告审核中"
    assert action_links(institution_client.get("/my/plans"), "编制方案") == []
    assert decide(office_client, ready(session_factory, "review_report").id, "approve").status_code == 302
    assert status() == "方案编制中"
    draft = ready(session_factory, "draft_plan")
    assert action_links(institution_client.get("/my/plans"), "提交正式版") == [f"/tasks/{draft.id}"]
    response = post_plan(institution_client, draft.id, plan_form())
    assert response.status_code == 302, field_errors(response)
    assert status() == "正式版审核中"
    assert decide(office_client, ready(session_factory, "review_plan").id, "approve").status_code == 302
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, approved) == "公示中"
    assert plan_cells(mine, approved)[:4] == [PLAN_NAME, PILOT_TITLE, STANDARD_NUMBER, STANDARD_NAME]
    assert action_links(mine, "提交正式版") == [] and action_links(mine, "编制方案") == []


def test_my_plans_is_empty_before_any_approval(institution_client):
    response = institution_client.get("/my/plans")
    assert response.status_code == 200
    assert "报名审核通过后，可在此编制对标方案。" in text_of(response)
    assert page(response).xpath("//tr/@data-plan-id") == []


def test_my_plans_is_for_institutions_only(approved, other_client, office_client, client, rival_client):
    assert other_client.get("/my/plans").status_code == 403
    assert office_client.get("/my/plans").status_code == 403
    assert is_login_redirect(client.get("/my/plans"), "/my/plans")
    assert page(rival_client.get("/my/plans")).xpath("//tr/@data-plan-id") == []


# --- draft_report (编制方案) and the office's 平台备案及形式审核 -----------------------------


BAD_REPORTS = [
    (report_form(None, pdf("比对分析报告.pdf", REPORT)), "name", "请填写对标方案名称"),
    (report_form("   ", pdf("比对分析报告.pdf", REPORT)), "name", "请填写对标方案名称"),
    (report_form("方" * 201, pdf("比对分析报告.pdf", REPORT)), "name", "不能超过 200 个字"),
    (report_form(PLAN_NAME), "comparison_report", "请上传比对分析报告（PDF）"),
    (report_form(PLAN_NAME, pdf("比对分析报告.docx", NOT_PDF, "application/msword")), "comparison_report",
     "请上传 PDF 格式的文件"),
    (report_form(PLAN_NAME, pdf("伪装.pdf", NOT_PDF)), "comparison_report", "请上传 PDF 格式的文件"),
]


@pytest.mark.parametrize("form, field, message", BAD_REPORTS,
                         ids=["no-name", "blank-name", "long-name", "no-report", "word", "renamed"])
def test_a_bad_report_is_refused_at_its_field(approved, institution_client, session_factory,
                                              form, field, message):
    task = ready(session_factory, "draft_report")
    response = institution_client.post(f"/tasks/{task.id}", **multipart(form))
    assert response.status_code == 422
    assert field_errors(response) == {field: [message]}
    assert CJK.search(message)
    assert ready(session_factory, "draft_report").id == task.id
    assert report_submissions(session_factory) == []
    assert plan_row(session_factory).status == "report_drafting"
    if field != "name":
        assert input_value(response, "name") == PLAN_NAME


def test_a_filed_report_reaches_the_office(approved, institution_client, office_client, session_factory):
    task = ready(session_factory, "draft_report")
    response = institution_client.post(f"/tasks/{task.id}", follow_redirects=True, **multipart(
        report_form(PLAN_NAME, pdf("比对分析报告.pdf", REPORT))))
    assert response.status_code == 200 and "提交成功" in flashes(response)
    plan = plan_row(session_factory)
    assert (plan.name, plan.status) == (PLAN_NAME, "report_review")
    assert stage_of(session_factory, task) == "report_review"
    ((sequence, data, decision, _reason, documents),) = report_submissions(session_factory)
    assert (sequence, data, decision, list(documents)) == (1, {"name": PLAN_NAME}, None, ["comparison_report"])

    review = ready(session_factory, "review_report")
    assert review.role == "office"
    assert "平台备案及形式审核" in inbox_titles(office_client)
    assert "平台备案及形式审核" not in inbox_titles(institution_client)
    shown = office_client.get(f"/tasks/{review.id}")
    assert shown.status_code == 200
    text = text_of(shown)
    for expected in (PILOT_TITLE, INSTITUTION_NAME, PLAN_NAME, "比对分析报告.pdf", "第 1 次提交"):
        assert expected in text, expected
    assert file_links(shown) == [f"/files/{documents['comparison_report']}"]
    assert {"通过", "退回修改", "不予通过"} <= {
        " ".join(label.text_content().split()) for label in page(shown).xpath("//label")}
    with office_client.get(file_links(shown)[0]) as download:
        assert download.status_code == 200 and download.data == REPORT
        assert download.mimetype == "application/pdf"


def test_returning_a_report_needs_a_reason(approved, institution_client, office_client, session_factory):
    submit_report(institution_client, session_factory)
    review = ready(session_factory, "review_report")
    response = decide(office_client, review.id, "return", "  ")
    assert response.status_code == 422
    assert field_errors(response) == {"reason": ["退回修改或不予通过时须填写原因"]}
    assert ready(session_factory, "review_report").id == review.id


def test_a_returned_report_is_corrected_keeping_its_file(approved, institution_client, office_client,
                                                          session_factory):
    submit_report(institution_client, session_factory)
    review = ready(session_factory, "review_report")
    assert decide(office_client, review.id, "return", REASON).status_code == 302

    notices = messages(institution_client)  # newest first, after 试点报名审核通过
    assert len(notices) == 2 and "比对分析报告被退回" in notices[0] and REASON in notices[0]
    assert "请在“我的方案”中修改后重新提交" in notices[0]
    correction = ready(session_factory, "draft_report")
    assert correction.task_name == "correct_report"
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, approved) == "待上传比对分析报告"
    assert action_links(mine, "编制方案") == [f"/tasks/{correction.id}"]

    form_page = institution_client.get(f"/tasks/{correction.id}")
    assert form_page.status_code == 200
    assert REASON in page(form_page).xpath("string(//*[@data-return-reason])")
    assert input_value(form_page, "name") == PLAN_NAME

    response = institution_client.post(f"/tasks/{correction.id}",
                                       **multipart({"name": "两轮电动自行车对标方案（修订）"}))
    assert response.status_code == 302, field_errors(response)
    first_submission, second_submission = report_submissions(session_factory)
    assert first_submission[2:4] == ("return", REASON)
    assert second_submission[:3] == (2, {"name": "两轮电动自行车对标方案（修订）"}, None)
    assert second_submission[4] == first_submission[4]  # the earlier 比对分析报告 is kept
    assert plan_row(session_factory).status == "report_review"

    again = ready(session_factory, "review_report")
    shown = office_client.get(f"/tasks/{again.id}")
    text = text_of(shown)
    assert "第 2 次提交" in text and "两轮电动自行车对标方案（修订）" in text and REASON in text
    assert file_links(shown) == [f"/files/{first_submission[4]['comparison_report']}"]


def test_an_approved_report_opens_the_formal_plan(approved, institution_client, office_client,
                                                  session_factory):
    submit_report(institution_client, session_factory)
    assert decide(office_client, ready(session_factory, "review_report").id, "approve").status_code == 302
    notices = messages(institution_client)  # newest first, after 试点报名审核通过
    assert len(notices) == 2 and "比对分析报告审核通过" in notices[0] and PLAN_NAME in notices[0]
    assert report_submissions(session_factory)[0][2] == "approve"

    draft = ready(session_factory, "draft_plan")
    assert (draft.role, draft.process_key, draft.organization_id) == (
        "institution", "formal_plan", plan_row(session_factory).organization_id)
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, approved) == "方案编制中"
    assert action_links(mine, "提交正式版") == [f"/tasks/{draft.id}"]
    assert action_links(institution_client.get("/my/enrollments"), "提交正式版") == [f"/tasks/{draft.id}"]


def test_a_rejected_report_ends_the_plan(approved, institution_client, office_client, session_factory):
    submit_report(institution_client, session_factory)
    review = ready(session_factory, "review_report")
    assert decide(office_client, review.id, "reject", "比对分析不充分").status_code == 302
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, approved) == "不予通过"
    assert action_links(mine, "编制方案") == [] and action_links(mine, "提交正式版") == []
    assert ready_keys(session_factory) == []
    assert any("比对分析报告不予通过" in m and "比对分析不充分" in m for m in messages(institution_client))


# --- draft_plan (提交正式版): the page, 保存 and 提交 ----------------------------------------


def test_the_formal_plan_page_offers_every_field(drafting, institution_client, enterprise, applicant):
    response = institution_client.get(f"/tasks/{drafting.id}")
    assert response.status_code == 200
    root = page(response)
    text = text_of(response)
    for label in ("标准号", "标准名称", "参编单位", "标准文本", "对标方案", "编制说明", "指标项", "一级指标",
                  "二级指标", "指标值", "对标依据", "试验/评价方法标准"):
        assert label in text, label
    for name in ("standard_number", "standard_name"):
        assert root.xpath(f"//input[@name='{name}']")
    for name in DOCUMENTS:
        assert root.xpath(f"//input[@name='{name}' and @type='file']")
    # 参编单位: the active enterprises only (not the pending applicant, not institutions)
    options = root.xpath("//select[@name='co_drafters']/option")
    assert [(o.get("value"), o.text_content().strip()) for o in options] == [
        (str(enterprise.organization_id), ENTERPRISE_NAME)]
    assert root.xpath("//select[@name='co_drafters']/@multiple")
    template = root.xpath("//template[@id='indicator-template']")[0]
    assert [o.get("value") for o in template.xpath(".//option")] == list(LABELS)
    assert {b.get("value") for b in root.xpath("//button[@name='action']")} == {"save", "submit"}
    assert shown_rows(response) == []


def test_saving_a_partial_draft_keeps_it_and_the_task(drafting, institution_client, session_factory):
    form = {"action": "save", "standard_number": STANDARD_NUMBER,
            **{f"indicators-0-{k}": v for k, v in ROWS[0].items()}}
    response = post_plan(institution_client, drafting.id, form)
    assert response.status_code == 302, field_errors(response)
    assert response.headers["Location"] == f"/tasks/{drafting.id}"

    shown = institution_client.get(response.headers["Location"])
    assert shown.status_code == 200
    assert "已保存" in flashes(shown)
    assert input_value(shown, "standard_number") == STANDARD_NUMBER
    assert input_value(shown, "standard_name") in ("", None)
    assert shown_rows(shown) == [ROWS[0]]
    assert indicator_rows(session_factory) == [ROWS[0]]
    plan = plan_row(session_factory)
    assert (plan.standard_number, plan.status) == (STANDARD_NUMBER, "drafting")
    assert ready(session_factory, "draft_plan").id == drafting.id
    assert "提交正式版" in inbox_titles(institution_client)
    assert plan_cells(institution_client.get("/my/plans"), plan.id)[2] == STANDARD_NUMBER
    assert report_submissions(session_factory, "plan") == []


def test_saving_again_replaces_the_rows_and_keeps_earlier_files(drafting, institution_client,
                                                                session_factory):
    first_save = plan_form("save", rows=ROWS[:2], files=("standard_text",))
    assert post_plan(institution_client, drafting.id, first_save).status_code == 302
    second_save = plan_form("save", rows=ROWS[1:], files=("scheme",), standard_name="两轮电动自行车评价规范")
    assert post_plan(institution_client, drafting.id, second_save).status_code == 302
    assert indicator_rows(session_factory) == ROWS[1:]
    assert plan_row(session_factory).standard_name == "两轮电动自行车评价规范"
    drafts = report_submissions(session_factory, "draft")
    assert sorted(drafts[-1][4]) == ["scheme", "standard_text"]

    shown = institution_client.get(f"/tasks/{drafting.id}")
    assert shown_rows(shown) == ROWS[1:]
    text = text_of(shown)
    assert "已上传：标准文本.pdf（不上传则沿用）" in text and "已上传：对标方案.pdf（不上传则沿用）" in text
    assert "编制说明.pdf" not in text


@pytest.mark.parametrize("action", ["save", "submit"])
@pytest.mark.parametrize("number, message", [
    ("GB/T 1234", "标准号应包含发布年份，如 T/ABC 001-2023"),
    ("ABC", "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"),
    ("GB/T 1234-1900", "发布年份应为 1950 至 2099 之间的四位数字，如 GB/T 1234-2020"),
], ids=["no-year", "nonsense", "bad-year"])
def test_a_malformed_standard_number_is_refused(drafting, institution_client, session_factory,
                                                action, number, message):
    response = post_plan(institution_client, drafting.id, plan_form(action, standard_number=number))
    assert response.status_code == 422
    assert field_errors(response) == {"standard_number": [message]}
    assert input_value(response, "standard_number") == number
    assert plan_row(session_factory).standard_number is None
    assert indicator_rows(session_factory) == []
    assert ready(session_factory, "draft_plan").id == drafting.id


@pytest.mark.parametrize("action", ["save", "submit"])
def test_the_standard_number_is_stored_in_its_canonical_form(drafting, institution_client, session_factory,
                                                             action):
    response = post_plan(institution_client, drafting.id, plan_form(action, standard_number="t/abc 001—2023"))
    assert response.status_code == 302, field_errors(response)
    assert plan_row(session_factory).standard_number == "T/ABC 001-2023"
    if action == "save":
        assert input_value(institution_client.get(f"/tasks/{drafting.id}"), "standard_number") == "T/ABC 001-2023"
    else:
        assert report_submissions(session_factory, "plan")[0][1]["standard_number"] == "T/ABC 001-2023"


def test_the_em_dash_of_the_manual_is_accepted(drafting, institution_client, session_factory):
    response = post_plan(institution_client, drafting.id, plan_form("save", standard_number="T/ABC 001—2023"))
    assert response.status_code == 302, field_errors(response)
    assert plan_row(session_factory).standard_number == "T/ABC 001-2023"


@pytest.mark.parametrize("rows, missing", [
    ([ROWS[0], ROWS[1], ROWS[3]], "低碳"),
    ([ROWS[3]], "安全、性能、低碳"),
    ([], "安全、性能、低碳"),
], ids=["no-low-carbon", "only-smart", "no-rows"])
def test_submitting_without_a_required_indicator_names_it(drafting, institution_client, session_factory,
                                                          rows, missing):
    response = post_plan(institution_client, drafting.id, plan_form(rows=rows))
    assert response.status_code == 422
    assert field_errors(response) == {"indicators": [f"一级指标“{missing}”至少各需一项"]}
    assert shown_rows(response) == rows
    assert ready(session_factory, "draft_plan").id == drafting.id
    assert plan_row(session_factory).status == "drafting"
    assert indicator_rows(session_factory) == [] and report_submissions(session_factory, "plan") == []


def test_submitting_an_empty_row_shows_its_messages(drafting, institution_client, session_factory):
    empty = dict.fromkeys(ROW_FIELDS, "")
    response = post_plan(institution_client, drafting.id, plan_form(rows=[*ROWS, empty]))
    assert response.status_code == 422
    errors = row_errors(response)
    assert errors[:4] == [[], [], [], []]
    assert errors[4] == ["请选择一级指标", "请填写二级指标", "请填写指标值", "请填写对标依据",
                         "请填写试验/评价方法标准"]
    invalid = page(response).xpath("//table[@id='indicator-table']//*[contains(@class,'is-invalid')]/@name")
    assert sorted(invalid) == sorted(f"indicators-4-{k}" for k in ROW_FIELDS)
    assert ready(session_factory, "draft_plan").id == drafting.id
    assert report_submissions(session_factory, "plan") == []


def test_a_half_filled_row_shows_what_it_lacks(drafting, institution_client, session_factory):
    half = {"level1": "smart", "level2": "定位误差", "value": "", "basis": "", "method": "GB/T 1234"}
    response = post_plan(institution_client, drafting.id, plan_form(rows=[*ROWS[:3], half]))
    assert response.status_code == 422
    assert row_errors(response)[3] == ["请填写指标值", "请填写对标依据"]
    assert report_submissions(session_factory, "plan") == []


def test_a_row_with_an_unknown_level1_is_refused(drafting, institution_client, session_factory):
    odd = {**ROWS[3], "level1": "beauty"}
    for action in ("save", "submit"):
        response = post_plan(institution_client, drafting.id, plan_form(action, rows=[*ROWS[:3], odd]))
        assert response.status_code == 422, action
        assert row_errors(response)[3] == ["一级指标应为安全、性能、低碳或智能化"], action
    assert indicator_rows(session_factory) == []


@pytest.mark.parametrize("missing", [("scheme",), ("standard_text",), ("scheme", "explanation")])
def test_submitting_without_a_document_is_refused_at_its_field(drafting, institution_client,
                                                               session_factory, missing):
    files_before = count(session_factory, StoredFile)
    kept = tuple(k for k in DOCUMENTS if k not in missing)
    response = post_plan(institution_client, drafting.id, plan_form(files=kept))
    assert response.status_code == 422
    assert field_errors(response) == {k: [f"请上传{DOCUMENTS[k][2]}（PDF）"] for k in missing}
    assert ready(session_factory, "draft_plan").id == drafting.id
    assert plan_row(session_factory).status == "drafting"
    assert report_submissions(session_factory, "plan") == []
    assert count(session_factory, StoredFile) == files_before
    assert input_value(response, "standard_number") == STANDARD_NUMBER


@pytest.mark.parametrize("action", ["save", "submit"])
def test_a_document_that_is_not_a_pdf_is_refused(drafting, institution_client, session_factory, action):
    form = plan_form(action, scheme=pdf("对标方案.docx", NOT_PDF, "application/msword"))
    response = post_plan(institution_client, drafting.id, form)
    assert response.status_code == 422
    assert field_errors(response) == {"scheme": ["请上传 PDF 格式的文件"]}
    assert report_submissions(session_factory, "draft") == []


OVERLONG = [
    ({"standard_name": "标" * 201}, "standard_name", "不能超过 200 个字"),
    ({"indicators-0-level2": "指" * 101}, None, "不能超过 100 个字"),
    ({"indicators-1-value": "9" * 101}, None, "不能超过 100 个字"),
    ({"indicators-2-basis": "依" * 201}, None, "不能超过 200 个字"),
    ({"indicators-3-method": "法" * 201}, None, "不能超过 200 个字"),
]


@pytest.mark.parametrize("overrides, field, message", OVERLONG,
                         ids=["standard_name", "level2", "value", "basis", "method"])
def test_over_long_text_is_refused_on_submit(drafting, institution_client, session_factory,
                                             overrides, field, message):
    response = post_plan(institution_client, drafting.id, plan_form(**overrides))
    assert response.status_code == 422
    if field is not None:
        assert field_errors(response) == {field: [message]}
    else:
        (key,) = overrides
        index = int(key.split("-")[1])
        assert row_errors(response)[index] == [message]
    assert report_submissions(session_factory, "plan") == []
    assert ready(session_factory, "draft_plan").id == drafting.id


@pytest.mark.parametrize("overrides, field, message", OVERLONG[:2], ids=["standard_name", "level2"])
def test_over_long_text_is_refused_on_save(drafting, institution_client, session_factory,
                                           overrides, field, message):
    """保存 must not keep what 提交 could never accept (and what the columns cannot hold)."""
    response = post_plan(institution_client, drafting.id, plan_form("save", **overrides))
    assert response.status_code == 422
    if field is not None:
        assert field_errors(response) == {field: [message]}
    else:
        assert row_errors(response)[0] == [message]
    assert plan_row(session_factory).standard_name is None
    assert indicator_rows(session_factory) == []


@pytest.mark.parametrize("who", ["institution", "rival", "applicant", "unknown"])
@pytest.mark.parametrize("action", ["submit", "save"])
def test_only_an_active_enterprise_may_be_named_co_drafter(request, drafting, institution, institution_client,
                                                           enterprise, session_factory, who, action):
    if who == "institution":
        organization_id = institution.organization_id
    elif who == "rival":
        organization_id = request.getfixturevalue("rival").organization_id
    elif who == "applicant":  # a registered enterprise still waiting for the office
        organization_id = request.getfixturevalue("applicant").organization_id
    else:
        organization_id = enterprise.organization_id + 1000
    form = plan_form(action, co_drafters=[str(enterprise.organization_id), str(organization_id)])
    response = post_plan(institution_client, drafting.id, form)
    assert response.status_code == 422
    assert field_errors(response) == {"co_drafters": ["参编单位须为平台已注册的企业"]}
    assert co_drafter_ids(session_factory) == []
    assert report_submissions(session_factory, "plan") == []
    assert ready(session_factory, "draft_plan").id == drafting.id


def test_a_co_drafter_is_kept_with_the_draft(drafting, institution_client, enterprise, session_factory):
    form = plan_form("save", co_drafters=[str(enterprise.organization_id)])
    assert post_plan(institution_client, drafting.id, form).status_code == 302
    assert co_drafter_ids(session_factory) == [enterprise.organization_id]
    shown = institution_client.get(f"/tasks/{drafting.id}")
    assert page(shown).xpath("//select[@name='co_drafters']/option[@selected]/@value") == [
        str(enterprise.organization_id)]
    # saving without it removes it
    assert post_plan(institution_client, drafting.id, plan_form("save", files=())).status_code == 302
    assert co_drafter_ids(session_factory) == []


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
    assert table == [[str(n), LABELS[r["level1"]], r["level2"], r["value"], r["basis"], r["method"]]
                     for n, r in enumerate(ROWS, start=1)]

    # 退回修改: the institution's draft reopens with its last content and the reason.
    assert decide(office_client, review.id, "return", REASON).status_code == 302
    notices = messages(institution_client)
    assert any("正式版方案被退回" in m and REASON in m for m in notices)
    correction = ready(session_factory, "draft_plan")
    assert correction.task_name == "correct_plan"
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, approved) == "方案编制中"
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


# --- the JSON API ----------------------------------------------------------------------------


def test_api_formal_plan_schema_holds_the_saved_draft(drafting, client, institution, institution_client,
                                                      enterprise, session_factory):
    form = plan_form("save", rows=ROWS[:2], co_drafters=[str(enterprise.organization_id)])
    assert post_plan(institution_client, drafting.id, form).status_code == 302
    headers = api_token(client, institution.email, institution.password)
    response = client.get(f"/api/v1/tasks/{drafting.id}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["task"]["form_key"] == "draft_plan" and body["task"]["role"] == "institution"
    properties = body["form"]["properties"]

    indicators = properties["indicators"]
    assert indicators["type"] == "array"
    items = indicators["items"]
    assert items["type"] == "object"
    assert set(items["properties"]) == set(ROW_FIELDS)
    assert [c["const"] for c in items["properties"]["level1"]["oneOf"]] == list(LABELS)
    assert [c["title"] for c in items["properties"]["level1"]["oneOf"]] == [
        "安全（必填）", "性能（必填）", "低碳（必填）", "智能化（可填）"]
    assert items["properties"]["level2"]["type"] == "string"
    assert items["properties"]["level2"]["maxLength"] == 100
    assert set(items["required"]) == set(ROW_FIELDS)
    assert indicators["default"] == ROWS[:2]

    co_drafters = properties["co_drafters"]
    assert co_drafters["type"] == "array"
    assert co_drafters["items"]["oneOf"] == [{"const": enterprise.organization_id, "title": ENTERPRISE_NAME}]
    assert co_drafters["default"] == [enterprise.organization_id]
    assert properties["standard_number"]["default"] == STANDARD_NUMBER
    assert properties["standard_name"]["default"] == STANDARD_NAME
    for kind in DOCUMENTS:
        assert properties[kind]["format"] == "binary"
    assert {f["kind"] for f in body["context"]["draft_files"]} == set(DOCUMENTS)
    assert body["context"]["plan"]["name"] == PLAN_NAME


def test_api_saves_a_draft_then_submits_it_as_json(drafting, client, institution, office, session_factory):
    headers = api_token(client, institution.email, institution.password)
    fields = {"standard_number": "T/ABC 001—2023", "standard_name": STANDARD_NAME}
    for index, row in enumerate(ROWS[:2]):
        fields.update({f"indicators-{index}-{k}": v for k, v in row.items()})
    for kind, (name, data, _label) in DOCUMENTS.items():
        fields[kind] = pdf(name, data)
    saved = client.post(f"/api/v1/tasks/{drafting.id}/draft", headers=headers, **multipart(fields))
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["saved"] is True
    assert ready(session_factory, "draft_plan").id == drafting.id
    assert plan_row(session_factory).standard_number == STANDARD_NUMBER
    assert indicator_rows(session_factory) == ROWS[:2]
    schema = client.get(f"/api/v1/tasks/{drafting.id}", headers=headers).get_json()
    assert schema["form"]["properties"]["indicators"]["default"] == ROWS[:2]

    no_safety = client.post(f"/api/v1/tasks/{drafting.id}", headers=headers, json={
        "standard_number": STANDARD_NUMBER, "standard_name": STANDARD_NAME, "indicators": ROWS[1:]})
    assert no_safety.status_code == 422
    assert no_safety.get_json()["errors"]["indicators"] == ["一级指标“安全”至少各需一项"]
    assert ready(session_factory, "draft_plan").id == drafting.id

    response = client.post(f"/api/v1/tasks/{drafting.id}", headers=headers, json={
        "standard_number": STANDARD_NUMBER, "standard_name": STANDARD_NAME, "indicators": ROWS})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["instance"]["stage"] == "plan_review"
    assert [t["form_key"] for t in body["tasks"]] == ["review_plan"]
    ((_, snapshot, _, _, documents),) = report_submissions(session_factory, "plan")
    assert [{k: r[k] for k in ROW_FIELDS} for r in snapshot["indicators"]] == ROWS
    assert sorted(documents) == sorted(DOCUMENTS)  # the files came from the saved draft
    assert plan_row(session_factory).status == "plan_review"

    office_headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    review = ready(session_factory, "review_plan")
    context = client.get(f"/api/v1/tasks/{review.id}", headers=office_headers).get_json()["context"]
    assert context["submission"]["data"]["standard_number"] == STANDARD_NUMBER
    assert sorted(f["name"] for f in context["submission"]["files"]) == sorted(
        name for name, _d, _l in DOCUMENTS.values())
    refused = client.post(f"/api/v1/tasks/{review.id}/draft", headers=office_headers,
                          json={"decision": "approve"})
    assert refused.status_code == 404
    assert ready(session_factory, "review_plan").id == review.id


def test_api_draft_refuses_what_the_page_refuses(drafting, client, institution, rival, session_factory):
    headers = api_token(client, institution.email, institution.password)
    bad = client.post(f"/api/v1/tasks/{drafting.id}/draft", headers=headers,
                      json={"standard_number": "GB/T 1234", "indicators": ROWS[:1]})
    assert bad.status_code == 422
    assert bad.get_json()["errors"] == {"standard_number": ["标准号应包含发布年份，如 T/ABC 001-2023"]}
    assert indicator_rows(session_factory) == []

    rival_headers = api_token(client, rival.email, rival.password)
    assert client.get(f"/api/v1/tasks/{drafting.id}", headers=rival_headers).status_code == 403
    stolen = client.post(f"/api/v1/tasks/{drafting.id}/draft", headers=rival_headers,
                         json={"standard_number": STANDARD_NUMBER, "indicators": ROWS})
    assert stolen.status_code == 403
    assert client.post(f"/api/v1/tasks/{drafting.id}", headers=rival_headers,
                       json={"standard_number": STANDARD_NUMBER, "indicators": ROWS}).status_code == 403
    assert indicator_rows(session_factory) == [] and plan_row(session_factory).standard_number is None


def test_api_json_submit_reports_row_errors_with_their_row(drafting, client, institution, session_factory):
    headers = api_token(client, institution.email, institution.password)
    fields = {kind: pdf(name, data) for kind, (name, data, _label) in DOCUMENTS.items()}
    assert client.post(f"/api/v1/tasks/{drafting.id}/draft", headers=headers,
                       **multipart(fields)).status_code == 200
    rows = [*ROWS[:3], {**ROWS[3], "value": ""}]
    response = client.post(f"/api/v1/tasks/{drafting.id}", headers=headers, json={
        "standard_number": STANDARD_NUMBER, "standard_name": STANDARD_NAME, "indicators": rows})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors) == ["indicators"]
    assert errors["indicators"] == ["第 4 行 指标值：请填写指标值"]
    assert ready(session_factory, "draft_plan").id == drafting.id
