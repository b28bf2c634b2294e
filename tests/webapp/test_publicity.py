"""公示 in the browser: an approved formal plan is publicised for 7 days (公示截止 in China time),
approved enterprises and other institutions file 修订意见 (text + optional PDF) on
/plans/<id>/comment, the end of publicity is moved with ``duibiao engine tick --now``, then 发布
(no comments, or all 不采纳) or back to the institution (any 采纳) and a second round; the
office's 修订意见处理 page and its JSON API; /plans/<id>/comments for the institution and office."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from engine import clock
from storage.models import HumanTask, Plan, PlanComment, ProcessInstance, StoredFile, User
from tests.factories import PDF_BYTES, active_member, pilot
from tests.webapp.helpers import (
    CJK,
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    OTHER_EMAIL,
    OTHER_PASSWORD,
    all_rows,
    api_token,
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
PLAN_NAME = "两轮电动自行车对标方案"
STANDARD_NUMBER, STANDARD_NAME = "T/ABC 001-2023", "两轮电动自行车评价标准"
NOT_PDF = b"PK\x03\x04 this is a word document"
# The office approves at 01:00 on 3 November China time (still 2 November in UTC): the
# publicity ends 7 days later, 2026-11-10 01:00 China time (2026-11-09 17:00 UTC).
APPROVED_AT = datetime(2026, 11, 2, 17, 0, tzinfo=UTC)
ENDS_SHOWN = "2026-11-10 01:00"
ENTERPRISE_COMMENT = "建议将防撞击指标提高到 12N"
RIVAL_COMMENT = "转速指标应为 700"
NOT_IN_PUBLICITY = "该方案不在公示期内，不能提出修订意见"
OWN_PLAN = "编制机构不能对本单位的方案提出修订意见"
EVERY_COMMENT = "请逐条处理本轮公示的全部修订意见"


def _pdf_bytes(marker: bytes) -> bytes:
    return PDF_BYTES.replace(b"%%EOF", b"%" + marker + b"\n%%EOF")


REPORT = _pdf_bytes(b"report")
ATTACHMENT = _pdf_bytes(b"comment attachment")
DOCUMENTS = {  # field -> (file name, content)
    "standard_text": ("标准文本.pdf", _pdf_bytes(b"standard text")),
    "scheme": ("对标方案.pdf", _pdf_bytes(b"scheme")),
    "explanation": ("编制说明.pdf", _pdf_bytes(b"explanation")),
}
ROWS = [
    {"level1": "safety", "level2": "防撞击", "value": "10N", "basis": "ISO 12345-2020", "method": "GB/T 1234"},
    {"level1": "performance", "level2": "转速", "value": "650", "basis": "JIS 12345-2021", "method": "GB/T 1234"},
    {"level1": "low_carbon", "level2": "百公里耗电", "value": "4度", "basis": "GB 2233-2022", "method": "GB/T 1234"},
]


# --- fixtures (as in test_plans.py) ----------------------------------------------------------


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
    """Another approved 第三方技术机构: may comment on the institution's plan."""
    return make_member(session_factory, RIVAL_EMAIL, "institution", RIVAL_NAME)


@pytest.fixture
def rival_client(rival, make_client):
    return make_client(rival.email, rival.password)


@pytest.fixture
def enterprise(other_enterprise, session_factory) -> Member:
    """An approved enterprise (其他企业有限公司)."""
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
    assert decide(office_client, ready(session_factory, "review_enrollment").id, "approve").status_code == 302
    return plan_row(session_factory).id


@pytest.fixture
def publicised(approved, institution_client, office_client, session_factory, frozen_clock) -> int:
    """Report and formal plan filed and approved (the latter at APPROVED_AT): the plan in 公示."""
    task = ready(session_factory, "draft_report")
    response = institution_client.post(f"/tasks/{task.id}", **multipart(
        {"name": PLAN_NAME, "comparison_report": pdf("比对分析报告.pdf", REPORT)}))
    assert response.status_code == 302, field_errors(response)
    assert decide(office_client, ready(session_factory, "review_report").id, "approve").status_code == 302
    response = post_plan(institution_client, ready(session_factory, "draft_plan").id, plan_form())
    assert response.status_code == 302, field_errors(response)
    frozen_clock.set_now(APPROVED_AT)
    assert decide(office_client, ready(session_factory, "review_plan").id, "approve").status_code == 302
    return approved


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


def stored_comments(session_factory) -> list[PlanComment]:
    return all_rows(session_factory, select(PlanComment).order_by(PlanComment.id))


def formal_instance(session_factory) -> ProcessInstance:
    return first(session_factory, select(ProcessInstance).where(ProcessInstance.process_key == "formal_plan"))


def plan_form(rows=ROWS, files=tuple(DOCUMENTS)) -> dict:
    """The 提交正式版 form as the page posts it (提交)."""
    form = {"action": "submit", "standard_number": STANDARD_NUMBER, "standard_name": STANDARD_NAME}
    for kind in files:
        name, data = DOCUMENTS[kind]
        form[kind] = pdf(name, data)
    for index, row in enumerate(rows):
        for key, value in row.items():
            form[f"indicators-{index}-{key}"] = value
    return form


def post_plan(client, task_id: int, form: dict):
    return client.post(f"/tasks/{task_id}", **multipart(form))


def plan_status(response, plan_id: int) -> tuple[str, str | None]:
    """我的方案: (当前状态, the 公示截止 line or None) of the plan's row."""
    rows = page(response).xpath(f"//tr[@data-plan-id='{plan_id}']")
    assert len(rows) == 1, text_of(response)
    status = rows[0].xpath("string(.//*[@data-plan-status])").strip()
    ends = rows[0].xpath(".//*[@data-publicity-ends]")
    return status, " ".join(ends[0].text_content().split()) if ends else None


def action_links(response, label: str) -> list[str]:
    return page(response).xpath(f"//a[normalize-space()='{label}']/@href")


def messages(client) -> list[str]:
    response = client.get("/account/messages")
    return [" ".join(e.text_content().split()) for e in page(response).xpath("//*[@data-message]")]


def inbox_titles(client) -> list[str]:
    root = page(client.get("/tasks/"))
    return [" ".join(tr.xpath("./td")[1].text_content().split()) for tr in root.xpath("//tr[@data-task-id]")]


def is_login_redirect(response, target: str) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/login" and target in parse_qs(location.query).get("next", [""])[0]


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
    """``duibiao engine tick --now`` with the moment in China time without an offset (as an
    operator types it); then the app's clock moves there too."""
    china = clock.to_china(moment).replace(tzinfo=None).isoformat()
    result = app.test_cli_runner().invoke(args=["engine", "tick", "--now", china])
    assert result.exit_code == 0, result.output
    frozen_clock.set_now(moment)
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


def two_comments(plan_id: int, other_client, rival_client, session_factory) -> tuple[int, int]:
    comment(other_client, plan_id, ENTERPRISE_COMMENT, pdf("修订意见.pdf", ATTACHMENT))
    comment(rival_client, plan_id, RIVAL_COMMENT)
    by_text = {c.text: c.id for c in stored_comments(session_factory)}
    return by_text[ENTERPRISE_COMMENT], by_text[RIVAL_COMMENT]


# --- 公示中 ----------------------------------------------------------------------------------


def test_an_approved_plan_is_publicised_for_seven_days(publicised, institution_client, session_factory):
    plan = plan_row(session_factory)
    assert (plan.status, plan.publicity_round) == ("publicity", 1)
    assert (plan.publicity_starts_at, plan.publicity_ends_at) == (APPROVED_AT, APPROVED_AT + timedelta(days=7))
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, publicised) == ("公示中", f"公示截止 {ENDS_SHOWN}")
    assert action_links(mine, "修订意见") == [f"/plans/{publicised}/comments"]
    assert action_links(mine, "提交正式版") == []
    assert formal_instance(session_factory).stage == "publicity"
    listed = institution_client.get(f"/plans/{publicised}/comments")
    assert listed.status_code == 200
    assert comment_rows(listed) == [] and "暂无修订意见" in text_of(listed)


def test_an_enterprise_and_another_institution_file_comments(
        app, publicised, other_client, rival_client, office_client, enterprise, rival, session_factory):
    for client in (other_client, rival_client):
        shown = client.get(f"/plans/{publicised}/comment")
        assert shown.status_code == 200
        assert has_comment_form(shown) and refusal(shown) == ""
        text = text_of(shown)
        for expected in (PLAN_NAME, STANDARD_NUMBER, STANDARD_NAME, "公示中", ENDS_SHOWN, "修订意见",
                         "附件（PDF，可选）"):
            assert expected in text, expected
        assert page(shown).xpath("string(//*[@data-publicity-ends])").strip() == ENDS_SHOWN
        assert my_comments(shown) == [] and "本单位已提交的意见" not in text

    response = post_comment(other_client, publicised, f"  {ENTERPRISE_COMMENT}\n", pdf("修订意见.pdf", ATTACHMENT))
    assert response.status_code == 302, field_errors(response)
    shown = other_client.get(response.headers["Location"])
    assert "修订意见已提交，专项办将在公示结束后统一处理" in flashes(shown)
    assert "本单位已提交的意见" in text_of(shown)
    assert my_comments(shown) == [ENTERPRISE_COMMENT]
    assert has_comment_form(shown)  # more comments may follow during the period

    comment(rival_client, publicised, RIVAL_COMMENT)
    assert my_comments(rival_client.get(f"/plans/{publicised}/comment")) == [RIVAL_COMMENT]
    assert my_comments(other_client.get(f"/plans/{publicised}/comment")) == [ENTERPRISE_COMMENT]

    # With CSRF on, the page's token is needed (and enough).
    app.config["WTF_CSRF_ENABLED"] = True  # restored by the app fixture
    assert post_comment(rival_client, publicised, "没有令牌的意见").status_code == 400
    token = page(rival_client.get(f"/plans/{publicised}/comment")).xpath(
        "string(//form//input[@name='csrf_token']/@value)")
    response = rival_client.post(f"/plans/{publicised}/comment", data={"text": "带令牌的意见", "csrf_token": token})
    assert response.status_code == 302
    app.config["WTF_CSRF_ENABLED"] = False

    ent, riv, _with_token = stored_comments(session_factory)
    assert (ent.plan_id, ent.publicity_round, ent.organization_id, ent.author_id, ent.text) == (
        publicised, 1, enterprise.organization_id, enterprise.user_id, ENTERPRISE_COMMENT)
    assert ent.created_at == APPROVED_AT and ent.resolution is None
    assert (riv.organization_id, riv.author_id, riv.text, riv.file_id) == (
        rival.organization_id, rival.user_id, RIVAL_COMMENT, None)
    attachment = first(session_factory, select(StoredFile).where(StoredFile.id == ent.file_id))
    assert attachment.original_name == "修订意见.pdf"
    with office_client.get(f"/files/{ent.file_id}") as download:
        assert download.status_code == 200 and download.data == ATTACHMENT
    assert plan_row(session_factory).status == "publicity"  # comments wait for the end


def test_who_may_not_comment(publicised, institution_client, office_client, client, applicant_client,
                             session_factory):
    target = f"/plans/{publicised}/comment"
    own = institution_client.get(target)
    assert own.status_code == 200
    assert refusal(own) == OWN_PLAN and not has_comment_form(own)
    refused = post_comment(institution_client, publicised, "本单位自评意见")
    assert refused.status_code == 422 and refusal(refused) == OWN_PLAN

    assert office_client.get(target).status_code == 403
    assert post_comment(office_client, publicised, "专项办意见").status_code == 403

    assert is_login_redirect(client.get(target), target)
    assert is_login_redirect(post_comment(client, publicised, "匿名意见"), target)

    for response in (applicant_client.get(target), post_comment(applicant_client, publicised, "待审企业意见")):
        assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/account/status"

    assert stored_comments(session_factory) == []
    assert institution_client.get("/plans/999999/comment").status_code == 404


def test_bad_comments_are_refused_with_chinese_messages(publicised, other_client, session_factory):
    cases = [
        (comment_form(None), "请填写修订意见"),
        (comment_form(""), "请填写修订意见"),
        (comment_form("   \n "), "请填写修订意见"),
        (comment_form("意" * 2001), "不能超过 2000 个字"),
        (comment_form("意" * 2000 + "见" * 500), "不能超过 2000 个字"),
    ]
    for form, message in cases:
        response = other_client.post(f"/plans/{publicised}/comment", **multipart(form))
        assert response.status_code == 422, form.get("text", "")[:10]
        assert field_errors(response) == {"text": [message]}
        assert CJK.search(message)
    for attachment in (pdf("修订意见.docx", NOT_PDF, "application/msword"), pdf("伪装.pdf", NOT_PDF)):
        response = post_comment(other_client, publicised, ENTERPRISE_COMMENT, attachment)
        assert response.status_code == 422
        assert field_errors(response) == {"attachment": ["请上传 PDF 格式的文件"]}
        assert page(response).xpath("string(//textarea[@name='text'])").strip() == ENTERPRISE_COMMENT
    assert stored_comments(session_factory) == []
    assert all_rows(session_factory, select(StoredFile).where(StoredFile.original_name.in_(
        ["修订意见.docx", "伪装.pdf"]))) == []

    comment(other_client, publicised, "意" * 2000)  # exactly the limit is fine
    assert [c.text for c in stored_comments(session_factory)] == ["意" * 2000]


# --- the end of publicity --------------------------------------------------------------------


def test_without_comments_the_plan_is_published_when_the_period_ends(
        app, frozen_clock, publicised, institution_client, other_client, office_client, session_factory):
    ends = plan_row(session_factory).publicity_ends_at
    output = tick(app, frozen_clock, ends - timedelta(minutes=1))
    assert "触发 0 个流程实例的定时器" in output
    assert "2026-11-10 00:59:00（北京时间）" in output
    assert plan_status(institution_client.get("/my/plans"), publicised)[0] == "公示中"
    assert has_comment_form(other_client.get(f"/plans/{publicised}/comment"))

    # The period is over before the sweep runs: the page already refuses.
    frozen_clock.set_now(ends)
    late = other_client.get(f"/plans/{publicised}/comment")
    assert refusal(late) == NOT_IN_PUBLICITY and not has_comment_form(late)
    assert post_comment(other_client, publicised, "过期意见").status_code == 422

    end_publicity(app, frozen_clock, session_factory)
    plan = plan_row(session_factory)
    assert (plan.status, plan.published_at) == ("published", ends + timedelta(seconds=1))
    instance = formal_instance(session_factory)
    assert (instance.status, instance.stage) == ("completed", "published")
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, publicised) == ("发布", None)
    notices = messages(institution_client)
    assert "对标方案已发布" in notices[0] and PLAN_NAME in notices[0] and STANDARD_NUMBER in notices[0]
    assert "修订意见处理" not in inbox_titles(office_client) and ready_keys(session_factory) == []

    after = other_client.get(f"/plans/{publicised}/comment")
    assert after.status_code == 200 and refusal(after) == NOT_IN_PUBLICITY
    assert "公示已结束" in text_of(after)
    response = post_comment(other_client, publicised, "发布后的意见")
    assert response.status_code == 422 and refusal(response) == NOT_IN_PUBLICITY
    assert stored_comments(session_factory) == []
    assert not any("修订意见" in m for m in messages(other_client))


def test_dismissed_comments_publish_the_plan_and_tell_the_commenters(
        app, frozen_clock, publicised, institution_client, other_client, rival_client, office_client,
        session_factory):
    ent_id, riv_id = two_comments(publicised, other_client, rival_client, session_factory)
    end_publicity(app, frozen_clock, session_factory)
    task = ready(session_factory, "resolve_comments")
    assert (task.role, task.process_key, task.title) == ("office", "publicity", "修订意见处理")
    assert formal_instance(session_factory).stage == "comments_review"
    assert "修订意见处理" in inbox_titles(office_client)
    assert "修订意见处理" not in inbox_titles(institution_client)
    assert institution_client.get(f"/tasks/{task.id}").status_code == 403
    assert plan_status(institution_client.get("/my/plans"), publicised) == ("公示结束", None)
    late = post_comment(other_client, publicised, "公示结束后的意见")
    assert late.status_code == 422 and refusal(late) == NOT_IN_PUBLICITY

    shown = office_client.get(f"/tasks/{task.id}")
    assert shown.status_code == 200
    text = text_of(shown)
    for expected in (PLAN_NAME, STANDARD_NUMBER, INSTITUTION_NAME, "第 1 轮"):
        assert expected in text, expected
    cards = resolution_cards(shown)
    assert [(c["comment_id"], c["text"]) for c in cards] == [(ent_id, ENTERPRISE_COMMENT), (riv_id, RIVAL_COMMENT)]
    assert ENTERPRISE_NAME in cards[0]["heading"] and RIVAL_NAME in cards[1]["heading"]
    for card in cards:
        assert card["choices"] == [("adopt", "采纳"), ("dismiss", "不采纳")] and card["has_reply"]
    ent_file = stored_comments(session_factory)[0].file_id
    assert cards[0]["files"] == [f"/files/{ent_file}"] and cards[1]["files"] == []

    # Nothing chosen, no reply: each card says what is missing.
    missing = office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {
        ent_id: (None, "现行指标已高于国际标准"), riv_id: ("dismiss", "  ")}))
    assert missing.status_code == 422
    assert [c["errors"] for c in resolution_cards(missing)] == [["请选择采纳或不采纳"], ["请填写答复"]]
    both = office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {}))
    assert both.status_code == 422
    assert [c["errors"] for c in resolution_cards(both)] == [["请选择采纳或不采纳", "请填写答复"]] * 2
    # A form that leaves a comment out is refused as a whole.
    partial = office_client.post(f"/tasks/{task.id}", data=resolution_form(cards[:1], {
        ent_id: ("dismiss", "现行指标已高于国际标准")}))
    assert partial.status_code == 422 and EVERY_COMMENT in text_of(partial)
    assert ready(session_factory, "resolve_comments").id == task.id
    assert [c.resolution for c in stored_comments(session_factory)] == [None, None]

    done = office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {
        ent_id: ("dismiss", "现行指标已高于国际标准"), riv_id: ("dismiss", "转速指标与国际标准一致")}))
    assert done.status_code == 302, text_of(done)
    assert plan_row(session_factory).status == "published"
    assert formal_instance(session_factory).stage == "published"
    assert [(c.resolution, c.reply) for c in stored_comments(session_factory)] == [
        ("dismiss", "现行指标已高于国际标准"), ("dismiss", "转速指标与国际标准一致")]
    assert plan_status(institution_client.get("/my/plans"), publicised) == ("发布", None)
    assert "对标方案已发布" in messages(institution_client)[0]
    for client in (other_client, rival_client):
        notices = messages(client)
        assert len(notices) == 1, notices
        assert "您提出修订意见的对标方案已发布" in notices[0] and PLAN_NAME in notices[0]

    # 修订意见 with their 处理结果 and 答复: the institution and the office; not another institution.
    for client in (institution_client, office_client):
        listed = client.get(f"/plans/{publicised}/comments")
        assert listed.status_code == 200
        rows = comment_rows(listed)
        assert [(r[0], r[1], r[2], r[5], r[6]) for r in rows] == [
            ("1", ENTERPRISE_NAME, ENTERPRISE_COMMENT, "不采纳", "现行指标已高于国际标准"),
            ("1", RIVAL_NAME, RIVAL_COMMENT, "不采纳", "转速指标与国际标准一致")]
        assert rows[0][3] == "修订意见.pdf"
    assert rival_client.get(f"/plans/{publicised}/comments").status_code == 403
    assert other_client.get(f"/plans/{publicised}/comments").status_code == 403
    # The attachment the list links to opens for both who see the list.
    for client in (office_client, institution_client):
        (link,) = page(client.get(f"/plans/{publicised}/comments")).xpath(
            f"//tr[@data-comment-id='{ent_id}']//a/@href")
        with client.get(link) as download:
            assert download.status_code == 200 and download.data == ATTACHMENT
    assert rival_client.get(link).status_code == 403


def test_an_adopted_comment_sends_the_plan_back_and_it_is_publicised_again(
        app, frozen_clock, publicised, institution_client, other_client, rival_client, office_client,
        session_factory):
    ent_id, riv_id = two_comments(publicised, other_client, rival_client, session_factory)
    end_publicity(app, frozen_clock, session_factory)
    task = ready(session_factory, "resolve_comments")
    cards = resolution_cards(office_client.get(f"/tasks/{task.id}"))
    response = office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {
        ent_id: ("adopt", "采纳，请提高防撞击指标"), riv_id: ("dismiss", "转速指标与国际标准一致")}))
    assert response.status_code == 302, text_of(response)

    correction = ready(session_factory, "draft_plan")
    assert (correction.task_name, correction.role) == ("correct_plan", "institution")
    assert plan_row(session_factory).status == "drafting"
    mine = institution_client.get("/my/plans")
    assert plan_status(mine, publicised) == ("方案编制中", None)
    assert action_links(mine, "提交正式版") == [f"/tasks/{correction.id}"]
    notice = messages(institution_client)[0]
    assert "公示期修订意见被采纳，请修改方案" in notice
    assert ENTERPRISE_COMMENT in notice and "采纳，请提高防撞击指标" in notice
    assert RIVAL_COMMENT not in notice
    for client in (other_client, rival_client):
        assert not any("已发布" in m for m in messages(client))

    reopened = institution_client.get(f"/tasks/{correction.id}")
    assert reopened.status_code == 200
    assert input_value(reopened, "standard_number") == STANDARD_NUMBER
    assert input_value(reopened, "standard_name") == STANDARD_NAME
    assert [input_value(reopened, f"indicators-{i}-value") for i in range(len(ROWS))] == [
        r["value"] for r in ROWS]
    for name, _data in DOCUMENTS.values():
        assert f"已上传：{name}（不上传则沿用）" in text_of(reopened)

    # 修改后重新提交 (files kept), 专项办通过 → a second round of 公示.
    frozen_clock.advance(timedelta(days=2))
    revised = [{**ROWS[0], "value": "12N"}, *ROWS[1:]]
    response = post_plan(institution_client, correction.id, plan_form(rows=revised, files=()))
    assert response.status_code == 302, field_errors(response)
    assert decide(office_client, ready(session_factory, "review_plan").id, "approve").status_code == 302
    plan = plan_row(session_factory)
    assert (plan.status, plan.publicity_round) == ("publicity", 2)
    assert plan.publicity_ends_at == clock.now() + timedelta(days=7)
    second_end = clock.to_china(plan.publicity_ends_at).strftime("%Y-%m-%d %H:%M")
    assert second_end == "2026-11-19 01:00"
    assert plan_status(institution_client.get("/my/plans"), publicised) == ("公示中", f"公示截止 {second_end}")
    again = other_client.get(f"/plans/{publicised}/comment")
    assert has_comment_form(again) and my_comments(again) == []  # the old round's comments stay there
    assert page(again).xpath("string(//*[@data-publicity-ends])").strip() == second_end

    end_publicity(app, frozen_clock, session_factory)  # no new comment: the old ones do not count
    assert plan_row(session_factory).status == "published"
    assert ready_keys(session_factory) == []
    assert plan_status(institution_client.get("/my/plans"), publicised) == ("发布", None)
    assert "对标方案已发布" in messages(institution_client)[0]

    for client in (institution_client, office_client):
        rows = comment_rows(client.get(f"/plans/{publicised}/comments"))
        assert [(r[0], r[1], r[2], r[5], r[6]) for r in rows] == [
            ("1", ENTERPRISE_NAME, ENTERPRISE_COMMENT, "采纳", "采纳，请提高防撞击指标"),
            ("1", RIVAL_NAME, RIVAL_COMMENT, "不采纳", "转速指标与国际标准一致")]


def test_each_round_resolves_its_own_comments_and_the_list_shows_every_round(
        app, frozen_clock, publicised, institution_client, other_client, rival_client, office_client,
        session_factory):
    comment(other_client, publicised, ENTERPRISE_COMMENT)
    (first_id,) = [c.id for c in stored_comments(session_factory)]
    end_publicity(app, frozen_clock, session_factory)
    task = ready(session_factory, "resolve_comments")
    cards = resolution_cards(office_client.get(f"/tasks/{task.id}"))
    assert office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {
        first_id: ("adopt", "采纳，请提高防撞击指标")})).status_code == 302
    correction = ready(session_factory, "draft_plan")
    revised = [{**ROWS[0], "value": "12N"}, *ROWS[1:]]
    assert post_plan(institution_client, correction.id, plan_form(rows=revised, files=())).status_code == 302
    assert decide(office_client, ready(session_factory, "review_plan").id, "approve").status_code == 302
    assert plan_row(session_factory).publicity_round == 2

    comment(rival_client, publicised, RIVAL_COMMENT)
    second_id = max(c.id for c in stored_comments(session_factory))
    end_publicity(app, frozen_clock, session_factory)
    task = ready(session_factory, "resolve_comments")
    shown = office_client.get(f"/tasks/{task.id}")
    assert "第 2 轮" in text_of(shown)
    cards = resolution_cards(shown)
    assert [(c["comment_id"], c["text"]) for c in cards] == [(second_id, RIVAL_COMMENT)]  # round 1 is done
    assert office_client.post(f"/tasks/{task.id}", data=resolution_form(cards, {
        second_id: ("dismiss", "转速指标与国际标准一致")})).status_code == 302
    assert plan_row(session_factory).status == "published"
    assert any("您提出修订意见的对标方案已发布" in m for m in messages(rival_client))
    assert rival_client.get(f"/plans/{publicised}/comments").status_code == 403

    for client in (institution_client, office_client):
        rows = comment_rows(client.get(f"/plans/{publicised}/comments"))
        assert [(r[0], r[1], r[2], r[5], r[6]) for r in rows] == [
            ("1", ENTERPRISE_NAME, ENTERPRISE_COMMENT, "采纳", "采纳，请提高防撞击指标"),
            ("2", RIVAL_NAME, RIVAL_COMMENT, "不采纳", "转速指标与国际标准一致")]


def test_the_comment_list_needs_a_publicised_plan(approved, institution_client, office_client, other_client,
                                                  rival_client, client):
    for who in (institution_client, office_client):
        assert who.get(f"/plans/{approved}/comments").status_code == 404
        assert who.get("/plans/999999/comments").status_code == 404
    for who in (other_client, rival_client):
        assert who.get(f"/plans/{approved}/comment").status_code == 404
    assert is_login_redirect(client.get(f"/plans/{approved}/comments"), f"/plans/{approved}/comments")


# --- the JSON API ----------------------------------------------------------------------------


def test_api_resolves_comments_as_json(app, frozen_clock, publicised, client, other_client, rival_client,
                                       session_factory):
    ent_id, riv_id = two_comments(publicised, other_client, rival_client, session_factory)
    end_publicity(app, frozen_clock, session_factory)
    task = ready(session_factory, "resolve_comments")
    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)

    response = client.get(f"/api/v1/tasks/{task.id}", headers=headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["task"]["form_key"] == "resolve_comments" and body["task"]["role"] == "office"
    resolutions = body["form"]["properties"]["resolutions"]
    assert resolutions["type"] == "array" and resolutions["items"]["type"] == "object"
    items = resolutions["items"]["properties"]
    assert {"comment_id", "resolution", "reply"} <= set(items)
    assert items["resolution"]["oneOf"] == [{"const": "adopt", "title": "采纳"},
                                            {"const": "dismiss", "title": "不采纳"}]
    assert {"comment_id", "resolution", "reply"} <= set(resolutions["items"]["required"])
    assert [(int(d["comment_id"]), d["text"]) for d in resolutions["default"]] == [
        (ent_id, ENTERPRISE_COMMENT), (riv_id, RIVAL_COMMENT)]
    context = body["context"]
    assert [(c["id"], c["organization"]) for c in context["comments"]] == [
        (ent_id, ENTERPRISE_NAME), (riv_id, RIVAL_NAME)]
    assert context["plan"]["round"] == 1

    left_out = client.post(f"/api/v1/tasks/{task.id}", headers=headers, json={
        "resolutions": [{"comment_id": ent_id, "resolution": "dismiss", "reply": "否"}]})
    assert left_out.status_code == 422
    assert left_out.get_json()["errors"] == {"resolutions": [EVERY_COMMENT]}
    no_reply = client.post(f"/api/v1/tasks/{task.id}", headers=headers, json={"resolutions": [
        {"comment_id": ent_id, "resolution": "dismiss", "reply": "否"},
        {"comment_id": riv_id, "resolution": "maybe", "reply": ""}]})
    assert no_reply.status_code == 422
    assert no_reply.get_json()["errors"] == {"resolutions": [
        "第 2 行 处理结果：请选择采纳或不采纳", "第 2 行 答复：请填写答复"]}
    assert ready(session_factory, "resolve_comments").id == task.id
    assert [c.resolution for c in stored_comments(session_factory)] == [None, None]

    response = client.post(f"/api/v1/tasks/{task.id}", headers=headers, json={"resolutions": [
        {"comment_id": ent_id, "resolution": "dismiss", "reply": "现行指标已高于国际标准"},
        {"comment_id": riv_id, "resolution": "dismiss", "reply": "转速指标与国际标准一致"}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["tasks"] == [] and body["instance"]["stage"] == "published"
    assert plan_row(session_factory).status == "published"
    assert [(c.resolution, c.reply) for c in stored_comments(session_factory)] == [
        ("dismiss", "现行指标已高于国际标准"), ("dismiss", "转速指标与国际标准一致")]
