"""升级试点 for the web tests: the members (an institution, another institution, an enterprise),
the pilots they enrol in, driving 报名参与 through the web client, and reading the pages involved.

The fixtures are plain module attributes, each named after its fixture with ``_fixture`` added
(``institution_fixture`` is the fixture ``institution``): a test module imports the ones it uses,
and the ones those use (``from tests.webapp.pilot_flow import institution_fixture  # noqa: F401``)."""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from storage.models import Enrollment, EnrollmentSubmission, HumanTask, ProcessInstance, StoredFile, User
from tests.factories import PDF_BYTES, active_member, pilot
from tests.webapp.helpers import (
    OTHER_EMAIL,
    OTHER_PASSWORD,
    count,
    decide,
    field_errors,
    first,
    multipart,
    open_task,
    page,
    pdf,
    remembered_password_hashes,
    text_of,
)

MEMBER_PASSWORD = "Member#123"  # tests.factories.active_member
INSTITUTION_EMAIL, INSTITUTION_NAME = "inst@test.cn", "华标检测认证有限公司"
RIVAL_EMAIL, RIVAL_NAME = "inst2@test.cn", "江南质量技术研究院"
ENTERPRISE_NAME = "其他企业有限公司"  # conftest's other_enterprise
INSTITUTION_PILOT = "电动自行车产品试点第三方技术机构招募"  # tests.factories.pilot
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


@pytest.fixture(name="institution")
def institution_fixture(app, session_factory) -> Member:
    """An approved 第三方技术机构 (华标检测认证有限公司)."""
    return make_member(session_factory, INSTITUTION_EMAIL, "institution", INSTITUTION_NAME)


@pytest.fixture(name="institution_client")
def institution_client_fixture(institution, make_client):
    return make_client(institution.email, institution.password)


@pytest.fixture(name="rival")
def rival_fixture(app, session_factory) -> Member:
    """Another approved 第三方技术机构, with nothing to do with the institution's enrolment or plan
    (but it may comment on that plan in 公示)."""
    return make_member(session_factory, RIVAL_EMAIL, "institution", RIVAL_NAME)


@pytest.fixture(name="rival_client")
def rival_client_fixture(rival, make_client):
    return make_client(rival.email, rival.password)


@pytest.fixture(name="enterprise")
def enterprise_fixture(other_enterprise, session_factory) -> Member:
    """An approved enterprise (其他企业有限公司): who may be named 参编单位."""
    with session_factory() as session:
        user = session.get(User, other_enterprise)
        return Member(user.id, user.organization_id, OTHER_EMAIL, OTHER_PASSWORD)


def make_pilot(session_factory, office_id: int, **fields) -> int:
    with session_factory() as session:
        row = pilot(session, session.get(User, office_id), **fields)
        session.commit()
        return row.id


@pytest.fixture(name="recruiting")
def recruiting_fixture(office, session_factory) -> int:
    """A pilot recruiting 第三方技术机构 until 2026-12-31."""
    return make_pilot(session_factory, office)


@pytest.fixture(name="enterprise_pilot")
def enterprise_pilot_fixture(office, session_factory) -> int:
    return make_pilot(session_factory, office, recruit_type="enterprise")


@pytest.fixture(name="enrollment")
def enrollment_fixture(institution, institution_client, recruiting, session_factory) -> Enrollment:
    """The institution's enrolment (two PDFs), waiting for the office."""
    return enrolled(institution_client, session_factory, recruiting, institution,
                    [pdf("资质证书.pdf", LICENCE), pdf("检测能力表.pdf", CERTIFICATE)])


# --- driving the forms -----------------------------------------------------------------------


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


def return_it(office_client, session_factory, enrollment, reason=REASON) -> HumanTask:
    review = open_task(session_factory, enrollment.instance_id)
    assert review.task_name == "review_enrollment"
    response = decide(office_client, review.id, "return", reason)
    assert response.status_code == 302, field_errors(response)
    return open_task(session_factory, enrollment.instance_id)


# --- the database ----------------------------------------------------------------------------


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


def nothing_stored(session_factory) -> bool:
    return (count(session_factory, Enrollment) == 0 and count(session_factory, EnrollmentSubmission) == 0
            and count(session_factory, StoredFile) == 0 and count(session_factory, HumanTask) == 0)


# --- reading pages ---------------------------------------------------------------------------


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


def inbox_titles(client) -> list[str]:
    root = page(client.get("/tasks/"))
    return [" ".join(tr.xpath("./td")[1].text_content().split()) for tr in root.xpath("//tr[@data-task-id]")]


def is_login_redirect(response, target: str) -> bool:
    if response.status_code != 302:
        return False
    location = urlsplit(response.headers["Location"])
    return location.path == "/login" and target in parse_qs(location.query).get("next", [""])[0]
