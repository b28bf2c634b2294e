"""升级试点 in the browser: 试点管理 / 新增试点招募 (office), 正在招募, 报名参与, 我参与的,
the office's 报名审核 from 待办 (通过, 退回修改, 不予通过), 撤回, who may see what, and the JSON API."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from storage.models import (
    Enrollment,
    EnrollmentFile,
    EnrollmentSubmission,
    HumanTask,
    Pilot,
    PilotFile,
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
    api_token,
    count,
    decide,
    field_errors,
    first,
    flashes,
    input_value,
    multipart,
    open_task,
    outbox,
    page,
    pdf,
    remembered_password_hashes,
    text_of,
)

MEMBER_PASSWORD = "Member#123"  # tests.factories.active_member
INSTITUTION_EMAIL, INSTITUTION_NAME = "inst@test.cn", "华标检测认证有限公司"
RIVAL_EMAIL, RIVAL_NAME = "inst2@test.cn", "江南质量技术研究院"
OTHER_NAME = "其他企业有限公司"  # conftest's other_enterprise
INSTITUTION_PILOT = "电动自行车产品试点第三方技术机构招募"
ENTERPRISE_PILOT = "电动自行车产品试点企业招募"
NOTE = "我单位具备电动自行车检测资质"
REASON = "资质证书已过期，请上传有效期内的证书"
LICENCE = PDF_BYTES
CERTIFICATE = PDF_BYTES.replace(b"200 200", b"595 842")
NOT_PDF = b"PK\x03\x04 this is a word document"
COLUMNS = ["标题", "产品名称", "招募类型", "当前状态", "发布时间"]


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
    """Another approved 第三方技术机构, with nothing to do with the institution's enrolment."""
    return make_member(session_factory, RIVAL_EMAIL, "institution", RIVAL_NAME)


@pytest.fixture
def rival_client(rival, make_client):
    return make_client(rival.email, rival.password)


@pytest.fixture
def enterprise(other_enterprise, session_factory) -> Member:
    with session_factory() as session:
        user = session.get(User, other_enterprise)
        return Member(user.id, user.organization_id, OTHER_EMAIL, OTHER_PASSWORD)


def make_pilot(session_factory, office_id: int, **fields) -> int:
    with session_factory() as session:
        row = pilot(session, session.get(User, office_id), **fields)
        session.commit()
        return row.id


@pytest.fixture
def recruiting(office, session_factory) -> int:
    """A pilot recruiting 第三方技术机构 until 2026-12-31."""
    return make_pilot(session_factory, office)


@pytest.fixture
def enterprise_pilot(office, session_factory) -> int:
    return make_pilot(session_factory, office, recruit_type="enterprise")


# --- helpers ---------------------------------------------------------------------------------


def pilot_form(**overrides) -> dict:
    """A complete 新增试点招募 form; ``None`` drops a field."""
    form = {"title": "智能门锁产品试点第三方技术机构招募", "product_name": "智能门锁",
            "recruit_type": "institution", "field": "product",
            "description": "招募承担智能门锁对标方案编制的第三方技术机构。", "deadline": "2026-12-31"}
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def enroll(client, pilot_id: int, files=None, note: str | None = NOTE, **kwargs):
    """报名参与 with ``files`` (default: one PDF) in the ``qualification`` field."""
    form = {"qualification": [pdf("资质证书.pdf", LICENCE)] if files is None else files}
    if note is not None:
        form["note"] = note
    return client.post(f"/pilots/{pilot_id}/enroll", **multipart(form), **kwargs)


def enrollment_of(session_factory, pilot_id: int, organization_id: int) -> Enrollment | None:
    return first(session_factory, select(Enrollment).where(
        Enrollment.pilot_id == pilot_id, Enrollment.organization_id == organization_id))


def enrolled(client, session_factory, pilot_id: int, member: Member, files=None) -> Enrollment:
    response = enroll(client, pilot_id, files)
    assert response.status_code == 302, field_errors(response)
    row = enrollment_of(session_factory, pilot_id, member.organization_id)
    assert row is not None and row.instance_id is not None
    return row


def submissions(session_factory, enrollment_id: int) -> list[tuple]:
    """(sequence, note, decision, reason, [file ids]) of each submission, oldest first."""
    with session_factory() as session:
        rows = session.scalars(select(EnrollmentSubmission).where(
            EnrollmentSubmission.enrollment_id == enrollment_id)
            .order_by(EnrollmentSubmission.sequence)).all()
        return [(s.sequence, s.note, s.decision, s.reason, [f.file_id for f in s.files])
                for s in rows]


def task_states(session_factory) -> list[tuple[int, str]]:
    with session_factory() as session:
        return [(t.id, t.state) for t in session.scalars(select(HumanTask).order_by(HumanTask.id))]


def stage(session_factory, instance_id: int) -> str:
    return first(session_factory, select(ProcessInstance).where(
        ProcessInstance.id == instance_id)).stage


def my_row(response, enrollment_id: int):
    rows = page(response).xpath(f"//tr[@data-enrollment-id='{enrollment_id}']")
    assert len(rows) == 1, text_of(response)
    return rows[0]


def my_stage(response, enrollment_id: int) -> str:
    return my_row(response, enrollment_id).xpath("string(.//*[@data-stage])").strip()


def resubmit_links(response) -> list[str]:
    return page(response).xpath("//a[normalize-space()='修改并重新提交']/@href")


def withdraw_forms(response) -> list[str]:
    return page(response).xpath("//form[contains(@action, '/withdraw')]/@action")


def file_links(response) -> list[str]:
    return page(response).xpath("//a[@data-file-link]/@href")


def table(response) -> tuple[list[str], list[list[str]]]:
    root = page(response)
    header = [" ".join(th.text_content().split()) for th in root.xpath("//table//thead//th")]
    rows = [[" ".join(td.text_content().split()) for td in tr.xpath("./td")]
            for tr in root.xpath("//table//tbody/tr")]
    return header, rows


def pager_text(response) -> str:
    """The pager's items (a flex row: the gap separates them on screen), joined by spaces."""
    (nav,) = page(response).xpath("//nav[contains(@class, 'pager')]")
    return " ".join(" ".join(item.text_content().split()) for item in nav)


def messages(client) -> list[str]:
    response = client.get("/account/messages")
    return [" ".join(e.text_content().split()) for e in page(response).xpath("//*[@data-message]")]


def is_login_redirect(response, target: str) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/login" and target in parse_qs(location.query).get("next", [""])[0]


def return_it(office_client, session_factory, enrollment, reason=REASON) -> HumanTask:
    review = open_task(session_factory, enrollment.instance_id)
    assert review.task_name == "review_enrollment"
    response = decide(office_client, review.id, "return", reason)
    assert response.status_code == 302, field_errors(response)
    return open_task(session_factory, enrollment.instance_id)


def nothing_stored(session_factory) -> bool:
    return (count(session_factory, Enrollment) == 0 and count(session_factory, EnrollmentSubmission) == 0
            and count(session_factory, StoredFile) == 0 and count(session_factory, HumanTask) == 0)


# --- 试点管理 and 新增试点招募 (office) ------------------------------------------------------


def test_office_lists_every_pilot_with_its_status(office, office_client, session_factory):
    open_id = make_pilot(session_factory, office)
    ended_id = make_pilot(session_factory, office, recruit_type="enterprise",
                          deadline=date(2026, 11, 1))

    response = office_client.get("/office/pilots")
    assert response.status_code == 200
    root = page(response)
    assert "试点管理" in text_of(response)
    assert root.xpath("//a[normalize-space()='新增试点招募']/@href")[0] == "/office/pilots/new"
    header, rows = table(response)
    assert header == ["标题", "产品名称", "招募类型", "试点领域", "报名截止", "当前状态", "发布时间"]
    assert rows == [
        [ENTERPRISE_PILOT, "两轮电动自行车", "企业", "产品", "2026-11-01", "已结束", "2026-11-02"],
        [INSTITUTION_PILOT, "两轮电动自行车", "第三方技术机构", "产品", "2026-12-31", "招募中",
         "2026-11-02"],
    ]
    links = root.xpath("//tbody//a/@href")
    assert links == [f"/pilots/{ended_id}", f"/pilots/{open_id}"]
    assert "当前 1 / 20 条, 共 2 条" in pager_text(response)


def test_office_with_no_pilots_yet(office_client):
    response = office_client.get("/office/pilots")
    assert response.status_code == 200 and "暂无试点招募" in text_of(response)


def test_office_publishes_a_pilot_with_attachments(office, office_client, client, session_factory):
    form_page = office_client.get("/office/pilots/new")
    assert form_page.status_code == 200
    assert {"title", "product_name", "recruit_type", "field", "description", "deadline"} <= set(
        page(form_page).xpath("//form//*[@name]/@name"))
    assert page(form_page).xpath("//input[@name='attachments']/@multiple")

    response = office_client.post("/office/pilots/new", **multipart(pilot_form(
        attachments=[pdf("招募公告.pdf", LICENCE), pdf("报名须知.pdf", CERTIFICATE)])))
    assert response.status_code == 302, field_errors(response)
    stored = first(session_factory, select(Pilot))
    assert response.headers["Location"] == f"/pilots/{stored.id}"
    assert (stored.title, stored.product_name, stored.recruit_type, stored.field, stored.deadline,
            stored.created_by_id) == ("智能门锁产品试点第三方技术机构招募", "智能门锁", "institution",
                                      "product", date(2026, 12, 31), office)
    assert stored.description == "招募承担智能门锁对标方案编制的第三方技术机构。"

    detail = office_client.get(response.headers["Location"])
    assert "试点招募已发布" in flashes(detail)
    text = text_of(detail)
    for shown in ("智能门锁产品试点第三方技术机构招募", "智能门锁", "第三方技术机构", "2026-12-31",
                  "招募中", "招募公告.pdf", "报名须知.pdf"):
        assert shown in text
    with session_factory() as session:
        attachments = session.scalars(select(PilotFile).where(PilotFile.pilot_id == stored.id)
                                      .order_by(PilotFile.id)).all()
        file_ids = [a.file_id for a in attachments]
        assert [a.file.original_name for a in attachments] == ["招募公告.pdf", "报名须知.pdf"]
    links = page(detail).xpath("//a[contains(@href, '/files/')]/@href")
    assert links == [f"/files/{i}" for i in file_ids]

    # Public: anyone downloads a pilot's attachments, logged in or not.
    for downloader in (client, office_client):
        with downloader.get(f"/files/{file_ids[1]}") as download:
            assert download.status_code == 200
            assert download.data == CERTIFICATE
            assert download.mimetype == "application/pdf"

    listed = office_client.get("/office/pilots")
    assert table(listed)[1][0][0] == "智能门锁产品试点第三方技术机构招募"
    assert table(client.get("/pilots/"))[1][0][0] == "智能门锁产品试点第三方技术机构招募"


@pytest.mark.parametrize("recruit_type, field, label", [
    ("enterprise", "organization", "组织"), ("institution", "region", "区域"),
])
def test_office_publishes_a_pilot_without_attachments(office_client, session_factory,
                                                      recruit_type, field, label):
    response = office_client.post("/office/pilots/new", **multipart(pilot_form(
        recruit_type=recruit_type, field=field)))
    assert response.status_code == 302, field_errors(response)
    stored = first(session_factory, select(Pilot))
    assert (stored.recruit_type, stored.field) == (recruit_type, field)
    assert count(session_factory, PilotFile) == 0
    detail = office_client.get(f"/pilots/{stored.id}")
    assert label in text_of(detail)
    assert not page(detail).xpath("//a[contains(@href, '/files/')]")


BAD_PILOTS = [
    ({"title": None}, "title", "请填写标题"),
    ({"title": "   "}, "title", "请填写标题"),
    ({"title": "试" * 201}, "title", "不能超过 200 个字"),
    ({"product_name": None}, "product_name", "请填写产品名称"),
    ({"recruit_type": None}, "recruit_type", "请选择招募类型"),
    ({"recruit_type": "government"}, "recruit_type", "请选择第三方技术机构或企业"),
    ({"field": None}, "field", "请选择试点领域"),
    ({"field": "industry"}, "field", "请选择产品、组织或区域"),
    ({"description": None}, "description", "请填写试点说明"),
    ({"deadline": None}, "deadline", "请填写报名截止日期，格式如 2026-12-31"),
    ({"deadline": "2026-13-45"}, "deadline", "请填写报名截止日期，格式如 2026-12-31"),
    ({"deadline": "31/12/2026"}, "deadline", "请填写报名截止日期，格式如 2026-12-31"),
    ({"attachments": [pdf("公告.pdf"), pdf("说明.docx", NOT_PDF, "application/msword")]},
     "attachments", "说明.docx：请上传 PDF 格式的文件"),
    ({"attachments": [pdf("伪装.pdf", NOT_PDF)]}, "attachments", "伪装.pdf：请上传 PDF 格式的文件"),
]


@pytest.mark.parametrize("overrides, field, message", BAD_PILOTS,
                         ids=[f"{f}-{i}" for i, (_, f, _) in enumerate(BAD_PILOTS)])
def test_a_bad_pilot_is_refused_at_its_field(office_client, session_factory, overrides, field, message):
    response = office_client.post("/office/pilots/new", **multipart(pilot_form(**overrides)))
    assert response.status_code == 422
    errors = field_errors(response)
    assert errors == {field: [message]}
    assert CJK.search(message) and "Not a valid" not in response.get_data(as_text=True)
    # the message is the invalid-feedback of that very field
    feedback = page(response).xpath(f"//*[@data-field-error='{field}']")[0]
    assert "invalid-feedback" in feedback.get("class")
    assert count(session_factory, Pilot) == 0
    assert count(session_factory, PilotFile) == 0 and count(session_factory, StoredFile) == 0
    if field != "title":  # what was typed is kept
        assert input_value(response, "title") == "智能门锁产品试点第三方技术机构招募"


@pytest.mark.parametrize("who", ["institution", "enterprise"])
def test_only_the_office_manages_pilots(request, session_factory, who):
    client = request.getfixturevalue("institution_client" if who == "institution" else "other_client")
    assert client.get("/office/pilots").status_code == 403
    assert client.get("/office/pilots/new").status_code == 403
    response = client.post("/office/pilots/new", **multipart(pilot_form(attachments=[pdf()])))
    assert response.status_code == 403
    assert count(session_factory, Pilot) == 0 and count(session_factory, StoredFile) == 0
    assert not page(client.get("/account/password")).xpath("//a[@href='/office/pilots']")


def test_anonymous_users_are_sent_to_login(client, recruiting, session_factory):
    for url in ("/office/pilots", "/office/pilots/new", "/my/enrollments",
                f"/pilots/{recruiting}/enroll"):
        assert is_login_redirect(client.get(url), url), url
    response = client.post("/office/pilots/new", **multipart(pilot_form()))
    assert is_login_redirect(response, "/office/pilots/new")
    assert is_login_redirect(enroll(client, recruiting), f"/pilots/{recruiting}/enroll")
    assert is_login_redirect(client.post("/my/enrollments/1/withdraw"), "/withdraw")
    assert count(session_factory, Pilot) == 1 and nothing_stored(session_factory)


def test_the_office_menu_offers_pilot_management(office_client, institution_client):
    office_menu = page(office_client.get("/account/password")).xpath("//nav[contains(@class,'side-menu')]//a/@href")
    assert "/office/pilots" in office_menu and "/office/pilots/new" in office_menu
    member_menu = page(institution_client.get("/account/password")).xpath(
        "//nav[contains(@class,'side-menu')]//a/@href")
    assert "/pilots/" in member_menu and "/my/enrollments" in member_menu
    assert "/office/pilots" not in member_menu


# --- 正在招募 (public) -----------------------------------------------------------------------


def test_recruiting_shows_only_pilots_whose_deadline_has_not_passed(client, office, session_factory):
    later = make_pilot(session_factory, office)
    today = make_pilot(session_factory, office, title="截止今日的试点招募", deadline=date(2026, 11, 2))
    ended = make_pilot(session_factory, office, title="已截止的试点招募", deadline=date(2026, 11, 1))

    response = client.get("/pilots/")
    assert response.status_code == 200
    assert "正在招募" in text_of(response)
    header, rows = table(response)
    assert header == COLUMNS
    assert rows == [
        ["截止今日的试点招募", "两轮电动自行车", "第三方技术机构", "招募中", "2026-11-02"],
        [INSTITUTION_PILOT, "两轮电动自行车", "第三方技术机构", "招募中", "2026-11-02"],
    ]
    assert page(response).xpath("//tbody/tr/@data-pilot-id") == [str(today), str(later)]
    assert page(response).xpath("//tbody//a/@href") == [f"/pilots/{today}", f"/pilots/{later}"]
    assert pager_text(response) == "« 上一页 1 下一页 » 当前 1 / 20 条, 共 2 条"

    everything = client.get("/pilots/?all=1")
    header, rows = table(everything)
    assert header == COLUMNS
    assert page(everything).xpath("//tbody/tr/@data-pilot-id") == [str(ended), str(today), str(later)]
    assert [row[3] for row in rows] == ["已结束", "招募中", "招募中"]
    assert "共 3 条" in pager_text(everything)
    assert "已结束" in text_of(client.get(f"/pilots/{ended}"))


def test_a_deadline_ends_at_midnight_china_time(client, office, session_factory, frozen_clock):
    pilot_id = make_pilot(session_factory, office, deadline=date(2026, 11, 2))
    frozen_clock.set_now(datetime(2026, 11, 2, 15, 59, tzinfo=UTC))  # 23:59 in Beijing
    assert page(client.get("/pilots/")).xpath("//tbody/tr/@data-pilot-id") == [str(pilot_id)]
    frozen_clock.set_now(datetime(2026, 11, 2, 16, 0, tzinfo=UTC))  # 00:00 on 11-03
    response = client.get("/pilots/")
    assert not page(response).xpath("//tbody/tr/@data-pilot-id")
    assert "暂无正在招募的试点" in text_of(response) and "共 0 条" in pager_text(response)
    detail = client.get(f"/pilots/{pilot_id}")
    assert page(detail).xpath("string(//*[@data-pilot-status])").strip() == "已结束"


def test_the_pager_of_recruiting(client, office, session_factory):
    with session_factory() as session:
        author = session.get(User, office)
        for n in range(21):
            pilot(session, author, title=f"试点招募 {n:02d}")
        session.commit()
    first_page = client.get("/pilots/")
    assert len(table(first_page)[1]) == 20
    assert pager_text(first_page) == "« 上一页 1 下一页 » 当前 1 / 20 条, 共 21 条"
    next_link = page(first_page).xpath("//nav[contains(@class,'pager')]//a[contains(., '下一页')]/@href")
    assert next_link == ["/pilots/?page=2"]
    second = client.get(next_link[0])
    assert [row[0] for row in table(second)[1]] == ["试点招募 00"]
    assert pager_text(second) == "« 上一页 2 下一页 » 当前 2 / 20 条, 共 21 条"
    all_link = page(client.get("/pilots/?all=1")).xpath(
        "//nav[contains(@class,'pager')]//a[contains(., '下一页')]/@href")
    assert len(all_link) == 1 and "all=1" in all_link[0] and "page=2" in all_link[0]


def test_an_anonymous_visitor_sees_a_pilot_and_is_asked_to_log_in(client, recruiting):
    response = client.get(f"/pilots/{recruiting}")
    assert response.status_code == 200
    text = text_of(response)
    for shown in (INSTITUTION_PILOT, "两轮电动自行车", "第三方技术机构", "产品", "2026-12-31", "招募中",
                  "招募承担对标方案编制的第三方技术机构。"):
        assert shown in text
    login = page(response).xpath("//a[normalize-space()='登录后报名参与']/@href")
    assert len(login) == 1
    assert urlsplit(login[0]).path == "/login"
    assert parse_qs(urlsplit(login[0]).query) == {"next": [f"/pilots/{recruiting}/enroll"]}
    assert not page(response).xpath("//a[normalize-space()='报名参与']")
    assert client.get(f"/pilots/{recruiting + 1000}").status_code == 404


def test_logging_in_from_a_pilot_leads_to_its_enrolment_form(client, institution, recruiting):
    link = page(client.get(f"/pilots/{recruiting}")).xpath(
        "//a[normalize-space()='登录后报名参与']/@href")[0]
    query = urlsplit(link).query
    response = client.post(f"/login?{query}", data={
        "email": institution.email, "password": institution.password, "captcha": "PASSED"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/pilots/{recruiting}/enroll"


def test_a_member_sees_whether_it_may_enrol(institution_client, other_client, recruiting,
                                            enterprise_pilot):
    own = institution_client.get(f"/pilots/{recruiting}")
    assert page(own).xpath("//a[normalize-space()='报名参与']/@href") == [f"/pilots/{recruiting}/enroll"]
    assert not page(own).xpath("//*[@data-refusal]")

    wrong = other_client.get(f"/pilots/{recruiting}")
    assert not page(wrong).xpath("//a[normalize-space()='报名参与']")
    assert page(wrong).xpath("string(//*[@data-refusal])").strip() == "该试点招募第三方技术机构，您的单位不能报名"
    assert page(institution_client.get(f"/pilots/{enterprise_pilot}")).xpath(
        "string(//*[@data-refusal])").strip() == "该试点招募企业，您的单位不能报名"


# --- 报名参与 and 我参与的 --------------------------------------------------------------------


def test_an_institution_enrols(institution, institution_client, office_client, recruiting,
                               session_factory):
    form_page = institution_client.get(f"/pilots/{recruiting}/enroll")
    assert form_page.status_code == 200
    assert "报名参与" in text_of(form_page) and INSTITUTION_PILOT in text_of(form_page)
    assert page(form_page).xpath("//input[@name='qualification' and @type='file']/@multiple")
    assert page(form_page).xpath("//textarea[@name='note']")

    response = enroll(institution_client, recruiting,
                      [pdf("资质证书.pdf", LICENCE), pdf("检测能力表.pdf", CERTIFICATE)])
    assert response.status_code == 302, field_errors(response)
    assert response.headers["Location"] == "/my/enrollments"

    enrollment = enrollment_of(session_factory, recruiting, institution.organization_id)
    (only,) = submissions(session_factory, enrollment.id)
    assert only[:4] == (1, NOTE, None, None) and len(only[4]) == 2
    assert stage(session_factory, enrollment.instance_id) == "vetting"

    mine = institution_client.get("/my/enrollments")
    assert "报名材料已提交，请等待专项办审核" in flashes(mine)
    assert "我参与的" in text_of(mine)
    row = my_row(mine, enrollment.id)
    cells = [" ".join(td.text_content().split()) for td in row.xpath("./td")]
    assert cells[:4] == [INSTITUTION_PILOT, "两轮电动自行车", "2026-11-02 09:30", "待审核"]
    assert row.xpath(".//a/@href")[0] == f"/pilots/{recruiting}"
    assert withdraw_forms(mine) == [f"/my/enrollments/{enrollment.id}/withdraw"]
    assert resubmit_links(mine) == []

    review = open_task(session_factory, enrollment.instance_id)
    assert (review.task_name, review.role) == ("review_enrollment", "office")
    inbox = office_client.get("/tasks/")
    assert page(inbox).xpath("//tr[@data-task-id]/@data-task-id") == [str(review.id)]

    detail = institution_client.get(f"/pilots/{recruiting}")
    assert page(detail).xpath("string(//*[@data-refusal])").strip() == \
        "您的单位已报名该试点，请在“我参与的”中查看"


def test_an_enterprise_enrols_in_an_enterprise_pilot(enterprise, other_client, enterprise_pilot,
                                                     session_factory):
    enrollment = enrolled(other_client, session_factory, enterprise_pilot, enterprise)
    assert my_stage(other_client.get("/my/enrollments"), enrollment.id) == "待审核"
    assert open_task(session_factory, enrollment.instance_id).task_name == "review_enrollment"


def test_an_empty_my_enrollments(institution_client):
    response = institution_client.get("/my/enrollments")
    assert response.status_code == 200
    assert "您还没有参与任何试点。" in text_of(response)
    assert page(response).xpath("//a[normalize-space()='查看正在招募的试点']/@href") == ["/pilots/"]


def test_enrolling_twice_is_refused(institution, institution_client, recruiting, session_factory):
    enrollment = enrolled(institution_client, session_factory, recruiting, institution)
    files_before = count(session_factory, StoredFile)
    message = "您的单位已报名该试点，请在“我参与的”中查看"

    for response in (institution_client.get(f"/pilots/{recruiting}/enroll"),
                     enroll(institution_client, recruiting)):
        assert response.status_code == 302
        assert response.headers["Location"] == f"/pilots/{recruiting}"
    shown = institution_client.get(f"/pilots/{recruiting}")
    assert message in flashes(shown)
    assert count(session_factory, Enrollment) == 1
    assert len(submissions(session_factory, enrollment.id)) == 1
    assert count(session_factory, StoredFile) == files_before
    assert count(session_factory, HumanTask) == 1


def test_an_institution_cannot_enrol_in_an_enterprise_pilot(institution_client, enterprise_pilot,
                                                            session_factory):
    response = enroll(institution_client, enterprise_pilot)
    assert response.status_code == 302 and response.headers["Location"] == f"/pilots/{enterprise_pilot}"
    followed = institution_client.get(response.headers["Location"])
    assert "该试点招募企业，您的单位不能报名" in flashes(followed)
    assert institution_client.get(f"/pilots/{enterprise_pilot}/enroll").status_code == 302
    assert nothing_stored(session_factory)


def test_enrolling_after_the_deadline_is_refused(institution_client, office, session_factory,
                                                 frozen_clock):
    pilot_id = make_pilot(session_factory, office, deadline=date(2026, 11, 2))
    form_page = institution_client.get(f"/pilots/{pilot_id}/enroll")
    assert form_page.status_code == 200  # still open on the deadline day

    frozen_clock.set_now(datetime(2026, 11, 2, 16, 0, tzinfo=UTC))  # midnight in Beijing
    response = enroll(institution_client, pilot_id, follow_redirects=True)
    assert "该试点报名已截止" in flashes(response)
    assert page(response).xpath("string(//*[@data-refusal])").strip() == "该试点报名已截止"
    assert nothing_stored(session_factory)


@pytest.mark.parametrize("files, note, field, message", [
    ([pdf("资质证书.pdf"), pdf("资质证书.docx", NOT_PDF, "application/msword")], NOTE,
     "qualification", "资质证书.docx：请上传 PDF 格式的文件"),
    ([pdf("扫描件.pdf", b"\x89PNG\r\n\x1a\n not a pdf")], NOTE, "qualification",
     "扫描件.pdf：请上传 PDF 格式的文件"),
    ([], NOTE, "qualification", "请上传 PDF 文件"),
    ([pdf()], "说" * 1001, "note", "不能超过 1000 个字"),
    ([pdf(f"资质{n}.pdf") for n in range(11)], NOTE, "qualification", "最多上传 10 个文件"),
], ids=["word-document", "png-named-pdf", "no-file", "long-note", "eleven-files"])
def test_a_bad_enrolment_is_refused_at_its_field(institution_client, recruiting, session_factory,
                                                 files, note, field, message):
    response = enroll(institution_client, recruiting, files, note)
    assert response.status_code == 422
    assert field_errors(response) == {field: [message]}
    assert "invalid-feedback" in page(response).xpath(f"//*[@data-field-error='{field}']")[0].get("class")
    assert nothing_stored(session_factory)


def test_a_pending_organisation_cannot_enrol(applicant, applicant_client, office, session_factory):
    pilot_id = make_pilot(session_factory, office, recruit_type="enterprise")
    response = enroll(applicant_client, pilot_id)
    assert response.status_code == 302 and response.headers["Location"] == "/account/status"
    assert count(session_factory, Enrollment) == 0
    assert applicant_client.get("/my/enrollments").status_code == 302


# --- the office's 报名审核 -------------------------------------------------------------------


@pytest.fixture
def enrollment(institution, institution_client, recruiting, session_factory) -> Enrollment:
    """The institution's enrolment (two PDFs), waiting for the office."""
    return enrolled(institution_client, session_factory, recruiting, institution,
                    [pdf("资质证书.pdf", LICENCE), pdf("检测能力表.pdf", CERTIFICATE)])


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
    assert my_stage(mine, enrollment.id) == "审核通过"
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
    ("approve", "approved", "审核通过"), ("return", "returned", "已退回"),
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
    assert body["task"]["form_key"] == "review_enrollment" and body["task"]["role"] == "office"
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
