"""对标方案 and 公示 for the web tests: an approved enrolment, 编制方案 (draft_report) and 提交正式版
(draft_plan) driven to the office's approval through the web client, 修订意见 during 公示 and the
end of publicity, and reading the pages involved.

The fixtures are plain module attributes, each named after its fixture with ``_fixture`` added
(``approved_fixture`` is the fixture ``approved``): a test module imports the ones it uses, and the
ones those use (``from tests.webapp.plan_flow import approved_fixture  # noqa: F401``). The members
and the pilot come from tests.webapp.pilot_flow."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from engine import clock
from storage.models import HumanTask, Indicator, Plan, PlanCoDrafter, PlanComment, PlanSubmission, ProcessInstance
from tests.factories import PDF_BYTES
from tests.steps import step_is
from tests.webapp.helpers import all_rows, decide, field_errors, first, multipart, page, pdf, text_of
from tests.webapp.pilot_flow import INSTITUTION_PILOT, enroll

PILOT_TITLE = INSTITUTION_PILOT
PLAN_NAME = "两轮电动自行车对标方案"
STANDARD_NUMBER, STANDARD_NAME = "T/ABC 001-2023", "两轮电动自行车评价标准"
REASON = "请补充与国际标准的比对分析"


def pdf_bytes(marker: bytes) -> bytes:
    return PDF_BYTES + b"%" + marker + b"\n"  # a comment after %%EOF keeps the PDF well-formed


REPORT = pdf_bytes(b"report")
DOCUMENTS = {  # field -> (file name, content, label shown to the office)
    "standard_text": ("标准文本.pdf", pdf_bytes(b"standard text"), "标准文本"),
    "scheme": ("对标方案.pdf", pdf_bytes(b"scheme"), "对标方案"),
    "explanation": ("编制说明.pdf", pdf_bytes(b"explanation"), "编制说明"),
}
ROWS = [  # the manual's example: 一级指标, 二级指标, 指标值, 对标依据, 试验/评价方法标准
    {"level1": "safety", "level2": "防撞击", "value": "10N", "basis": "ISO 12345-2020", "method": "GB/T 1234"},
    {"level1": "performance", "level2": "转速", "value": "650", "basis": "JIS 12345-2021", "method": "GB/T 1234"},
    {"level1": "low_carbon", "level2": "百公里耗电", "value": "4度", "basis": "GB 2233-2022", "method": "GB/T 1234"},
    {"level1": "smart", "level2": "定位误差", "value": "5米", "basis": "GB 2233-2022", "method": "GB/T 1234"},
]
LABELS = {"safety": "安全", "performance": "性能", "low_carbon": "低碳", "smart": "智能化"}
ROW_FIELDS = ("level1", "level2", "value", "basis", "method")

# 公示: the plan publicised has the three required rows only (no 智能化).
PUBLICITY_ROWS = ROWS[:3]
ATTACHMENT = pdf_bytes(b"comment attachment")
# The office approves at 01:00 on 3 November China time (still 2 November in UTC): the
# publicity ends 7 days later, 2026-11-10 01:00 China time (2026-11-09 17:00 UTC).
APPROVED_AT = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
ENDS_SHOWN = "2026-11-10 01:00"
ENTERPRISE_COMMENT = "建议将防撞击指标提高到 12N"
RIVAL_COMMENT = "转速指标应为 700"
NOT_IN_PUBLICITY = "该方案不在公示期内，不能提出修订意见"
OWN_PLAN = "编制机构不能对本单位的方案提出修订意见"
EVERY_COMMENT = "请逐条处理本轮公示的全部修订意见"


# --- fixtures --------------------------------------------------------------------------------


@pytest.fixture(name="approved")
def approved_fixture(institution, institution_client, office_client, recruiting, session_factory) -> int:
    """The institution enrolled and the office approved: the plan's id (待上传比对分析报告)."""
    response = enroll(institution_client, recruiting)
    assert response.status_code == 302, field_errors(response)
    review = ready(session_factory, "review_enrollment")
    assert decide(office_client, review.id, "approve").status_code == 302
    return plan_row(session_factory).id


@pytest.fixture(name="drafting")
def drafting_fixture(approved, institution_client, office_client, session_factory) -> HumanTask:
    """The 比对分析报告 filed and approved: the institution's draft_plan task (提交正式版)."""
    submit_report(institution_client, session_factory)
    review = ready(session_factory, "review_report")
    assert decide(office_client, review.id, "approve").status_code == 302
    return ready(session_factory, "draft_plan")


@pytest.fixture(name="publicised")
def publicised_fixture(approved, drafting, institution_client, office_client, session_factory,
                       frozen_clock) -> int:
    """Report and formal plan filed and approved (the latter at APPROVED_AT): the plan in 公示."""
    response = post_plan(institution_client, drafting.id, plan_form(rows=PUBLICITY_ROWS))
    assert response.status_code == 302, field_errors(response)
    frozen_clock.set_now(APPROVED_AT)
    assert decide(office_client, ready(session_factory, "review_plan").id, "approve").status_code == 302
    return approved


# --- the database ----------------------------------------------------------------------------


def ready(session_factory, form_key: str) -> HumanTask:
    tasks = all_rows(session_factory, select(HumanTask).where(
        HumanTask.state == "ready", step_is(form_key)))
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
        rows = session.scalars(select(PlanSubmission).where(PlanSubmission.kind == stage)
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


def stored_comments(session_factory) -> list[PlanComment]:
    return all_rows(session_factory, select(PlanComment).order_by(PlanComment.id))


def formal_instance(session_factory) -> ProcessInstance:
    return first(session_factory, select(ProcessInstance).where(ProcessInstance.process_key == "formal_plan"))


# --- 编制方案 and 提交正式版 --------------------------------------------------------------------


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
    assert response.headers["Location"] == "/my/plans"  # back to 我的方案, where the report's state shows
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


# --- reading the plan pages ------------------------------------------------------------------


def plan_status(response, plan_id: int) -> str:
    """我的方案: 当前状态 of the plan's row."""
    rows = page(response).xpath(f"//tr[@data-plan-id='{plan_id}']")
    assert len(rows) == 1, text_of(response)
    return rows[0].xpath("string(.//*[@data-plan-status])").strip()


def plan_status_and_end(response, plan_id: int) -> tuple[str, str | None]:
    """我的方案: (当前状态, the 公示截止 line or None) of the plan's row."""
    rows = page(response).xpath(f"//tr[@data-plan-id='{plan_id}']")
    assert len(rows) == 1, text_of(response)
    status = rows[0].xpath("string(.//*[@data-plan-status])").strip()
    ends = rows[0].xpath(".//*[@data-publicity-ends]")
    return status, " ".join(ends[0].text_content().split()) if ends else None


def plan_cells(response, plan_id: int) -> list[str]:
    (row,) = page(response).xpath(f"//tr[@data-plan-id='{plan_id}']")
    return [" ".join(td.text_content().split()) for td in row.xpath("./td")]


def action_links(response, label: str) -> list[str]:
    return page(response).xpath(f"//a[normalize-space()='{label}']/@href")


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


# --- 公示: 修订意见 and the end of publicity ---------------------------------------------------


def comment_form(text: str | None, attachment=None) -> dict:
    form = {} if text is None else {"text": text}
    if attachment is not None:
        form["attachment"] = attachment
    return form


def post_comment(client, plan_id: int, text: str | None, attachment=None):
    return client.post(f"/plans/{plan_id}/comment", **multipart(comment_form(text, attachment)))


def comment(client, plan_id: int, text: str, attachment=None) -> None:
    response = post_comment(client, plan_id, text, attachment)
    assert response.status_code == 302, (field_errors(response), text_of(response))
    assert response.headers["Location"] == f"/plans/{plan_id}/comment"


def two_comments(plan_id: int, other_client, rival_client, session_factory) -> tuple[int, int]:
    comment(other_client, plan_id, ENTERPRISE_COMMENT, pdf("修订意见.pdf", ATTACHMENT))
    comment(rival_client, plan_id, RIVAL_COMMENT)
    by_text = {c.text: c.id for c in stored_comments(session_factory)}
    return by_text[ENTERPRISE_COMMENT], by_text[RIVAL_COMMENT]


def has_comment_form(response) -> bool:
    root = page(response)
    return bool(root.xpath("//form//textarea[@name='text']")
                and root.xpath("//form//input[@name='attachment' and @type='file']"))


def refusal(response) -> str:
    return page(response).xpath("string(//*[@data-refusal])").strip()


def my_comments(response) -> list[str]:
    """本单位已提交的意见 on the comment page: the texts, oldest first."""
    return [e.xpath("string(./div)").strip() for e in page(response).xpath("//*[@data-my-comment]")]


def tick(app, frozen_clock, moment: datetime) -> str:
    """Time moves to ``moment``, then ``duibiao engine tick --now`` with it in China time without
    an offset (as an operator types it): what the tick records carries the (real) time of the tick."""
    frozen_clock.set_now(moment)
    china = clock.to_china(moment).replace(tzinfo=None).isoformat()
    result = app.test_cli_runner().invoke(args=["engine", "tick", "--now", china])
    assert result.exit_code == 0, result.output
    return result.output


def end_publicity(app, frozen_clock, session_factory) -> str:
    """Tick one second after the current round's 公示截止: the timer fires."""
    output = tick(app, frozen_clock, plan_row(session_factory).publicity_ends_at + timedelta(seconds=1))
    assert "触发 1 个流程实例的定时器" in output, output
    return output


def resolution_cards(response) -> list[dict]:
    """The 修订意见处理 form: each comment's card, with the field prefix the page posts."""
    cards = []
    for card in page(response).xpath("//form//div[@data-comment-id]"):
        (hidden,) = card.xpath(".//input[@type='hidden' and contains(@name,'-comment_id')]")
        prefix = hidden.get("name").removesuffix("-comment_id")
        cards.append({
            "prefix": prefix, "comment_id": int(hidden.get("value")),
            "heading": " ".join(card.xpath("string(./div/div[1])").split()),
            "text": card.xpath("string(./div/div[2])").strip(),
            "choices": [(i.get("value"), " ".join(card.xpath(f"string(.//label[@for='{i.get('id')}'])").split()))
                        for i in card.xpath(f".//input[@type='radio' and @name='{prefix}-resolution']")],
            "has_reply": bool(card.xpath(f".//textarea[@name='{prefix}-reply']")),
            "files": card.xpath(".//a/@href"),
            "errors": [" ".join(e.text_content().split())
                       for e in card.xpath(".//*[contains(@class,'invalid-feedback')]")],
        })
    return cards


def resolution_form(cards: list[dict], decisions: dict[int, tuple[str | None, str | None]]) -> dict:
    """The form as the page posts it: the hidden ids of ``cards``, 处理结果 and 答复 by comment id."""
    form = {}
    for card in cards:
        form[f"{card['prefix']}-comment_id"] = str(card["comment_id"])
        resolution, reply = decisions.get(card["comment_id"], (None, None))
        if resolution is not None:
            form[f"{card['prefix']}-resolution"] = resolution
        if reply is not None:
            form[f"{card['prefix']}-reply"] = reply
    return form


def comment_rows(response) -> list[list[str]]:
    """/plans/<id>/comments: 公示轮次, 提出单位, 修订意见, 附件, 提出时间, 处理结果, 答复."""
    return [[" ".join(td.text_content().split()) for td in tr.xpath("./td")]
            for tr in page(response).xpath("//tr[@data-comment-id]")]
