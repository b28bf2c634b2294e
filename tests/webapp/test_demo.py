"""``duibiao demo`` on an empty database gives everything the README's demo section promises, in
one run, and a second run changes nothing.

The demo is loaded once per database backend (module-scoped: it drives some twenty process
instances); every test reads it through the domain tables and the pages a visitor opens. The
clock stands at ``tests.conftest.START`` (the "real" time of the load) for the whole module.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

import demodata
from engine import clock
from storage.db import Base, UTCDateTime
from storage.models import Application, Certificate, Declaration, Plan, ProcessInstance, User
from tests.certificate_reading import pdf_text
from tests.conftest import BACKENDS, START, engine_for, wipe
from tests.webapp.conftest import app_for
from tests.webapp.helpers import logged_in, page, text_of
from webapp.cli import main

PASSWORDS = {email: password for email, password, *_ in demodata.DEMO_ACCOUNTS}
# Columns that may lie ahead of the load: deadlines and due times.
FUTURE_COLUMNS = {"expires_at", "blocked_until", "locked_until", "next_timer_at", "due_at", "publicity_ends_at"}
# Stamped by the storage layer's own column defaults and the mail machinery, which read the
# computer's clock, not the engine's: real time even under the tests' frozen clock.
STORAGE_STAMPED = {"outbox.created_at", "outbox.sent_at", "process_definition.deployed_at",
                   "form_definition.deployed_at", "stored_file.created_at", "organization.updated_at"}


@dataclass
class Demo:
    app: object
    session_factory: object
    first_output: str
    second_output: str
    counts_after_first: dict[str, int]
    counts_after_second: dict[str, int]

    def client(self, email: str | None = None):
        client = self.app.test_client()
        return logged_in(client, email, PASSWORDS[email]) if email else client

    def rows(self, statement, read=lambda row: row) -> list:
        """``read`` of each row, in a session closed before the test opens a page (SQLite's
        writers begin immediately: an open session would lock the web requests out)."""
        with self.session_factory() as session:
            return [read(row) for row in session.scalars(statement)]


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {table.name: connection.scalar(select(func.count()).select_from(table))
                for table in Base.metadata.sorted_tables}


@pytest.fixture(scope="module", params=BACKENDS)
def demo(request, tmp_path_factory):
    engine = engine_for(request.param, tmp_path_factory)
    wipe(engine)
    clock.set_now(START)
    try:
        app = app_for(engine, tmp_path_factory)
        runner = app.test_cli_runner()
        first = runner.invoke(main, ["demo"])
        assert first.exit_code == 0, first.output
        after_first = _counts(engine)
        second = runner.invoke(main, ["demo"])
        assert second.exit_code == 0, second.output
        yield Demo(app, app.extensions["duibiao.sessions"].session_factory, first.output, second.output,
                   after_first, _counts(engine))
    finally:
        clock.set_now(None)


def test_a_second_run_changes_nothing(demo):
    assert demo.counts_after_second == demo.counts_after_first
    assert demo.second_output == demo.first_output
    assert demo.counts_after_first["process_instance"] > 0


def test_every_demo_account_logs_in_with_the_password_the_readme_lists(demo):
    users = dict(demo.rows(select(User), lambda u: (u.email, (u.roles, u.organization.name, u.organization.status))))
    assert set(users) == set(PASSWORDS)
    for email, password, role, org_name, *_ in demodata.DEMO_ACCOUNTS:
        assert users[email] == (role, org_name, "active")
        assert f"{email:28} {password:16} {role}" in demo.first_output
        logged_in(demo.app.test_client(), email, password)


def test_two_pilots_recruit_and_inst1_finds_its_plan_to_draft(demo):
    recruiting = page(demo.client().get("/pilots/")).xpath("//tr[@data-pilot-id]/td[1]")
    assert sorted(" ".join(cell.text_content().split()) for cell in recruiting) == [
        "电动自行车产品试点企业招募", "电动自行车产品试点第三方技术机构招募"]
    mine = page(demo.client("inst1@demo.duibiao.cn").get("/my/enrollments"))  # 我参与的
    (row,) = mine.xpath("//tr[@data-enrollment-id][td[1][normalize-space()='电动自行车产品试点第三方技术机构招募']]")
    assert [" ".join(a.text_content().split()) for a in row.xpath(".//a[contains(@class,'btn')]")] == ["编制方案"]


def test_three_plans_two_published_and_inst2s_in_publicity(demo):
    catalog = page(demo.client().get("/plans/"))
    shown = {row.xpath("string(td[5])").strip(): (row.xpath("string(td[@data-status]/text()[1])").strip(),
                                                   row.xpath("string(td[@data-published])").strip())
             for row in catalog.xpath("//table[@data-catalog]//tr[@data-plan-id]")}
    today, month_ago = (clock.to_china(START - timedelta(days=days)).strftime("%Y-%m-%d") for days in (0, 30))
    assert set(shown) == {"T/CSTM 00123-2025", "T/CAS 456-2025", "T/ABC 001-2025"}
    assert shown["T/ABC 001-2025"] == ("公示中", "")
    for number in ("T/CSTM 00123-2025", "T/CAS 456-2025"):
        label, day = shown[number]
        assert label == "发布" and month_ago <= day < today, (number, day)  # weeks before the load
    names = ("电动汽车交流充电桩对标方案", "房间空气调节器对标方案", "两轮电动自行车对标方案")
    plans = dict(demo.rows(select(Plan).where(Plan.name != ""), lambda plan: (plan.name, (
        plan.organization.name, plan.publicity_starts_at, plan.publicity_ends_at, plan.published_at))))
    institution, _starts, ends, published = plans["两轮电动自行车对标方案"]
    assert institution == "江南质量技术研究院"
    assert published is None and ends > START  # still open at the load
    for name in names[:2]:  # their 7 days ended before the load
        _institution, starts, ends, published = plans[name]
        assert ends - starts == timedelta(days=7)
        assert ends < published < START


def _application_stages(demo, email: str) -> dict[str, str]:
    listing = page(demo.client(email).get("/my/enrollments"))
    return {row.xpath("string(td[2])").strip(): " ".join(row.xpath("string(td[6])").split())
            for row in listing.xpath("//table[@data-applications]//tr[@data-application-id]")}


def test_five_applications_stand_where_the_readme_says(demo):
    assert _application_stages(demo, "ent1@demo.duibiao.cn") == {"LY-AC7K": "已发证", "LY-KFR26": "待专项办审核"}
    assert _application_stages(demo, "ent2@demo.duibiao.cn") == {
        "YD-AC11K": "已退回", "YD-AC22K": "未达标", "YD-KFR35": "待机构审核"}
    assert len(demo.rows(select(Application.id))) == 5


def test_the_certificate_is_listed_verified_and_opens(demo):
    ((certificate_id, number, issued_at, model),) = demo.rows(select(Certificate), lambda c: (
        c.id, c.number, c.issued_at, c.application.product_model))
    assert number == f"DBDB-{clock.to_china(START).year}-000001" == "DBDB-2026-000001"
    assert issued_at == START and model == "LY-AC7K"  # filed at the moment of the load
    client = demo.client()
    (row,) = page(client.get("/results/")).xpath("//tr[@data-certificate-number]")
    assert row.get("data-certificate-number") == number
    assert "绿源电动车股份有限公司" in row.text_content() and "LY-AC7K" in row.text_content()
    verified = client.get(f"/verify/{number}")
    assert verified.status_code == 200 and "LY-AC7K" in text_of(verified)
    pdf = client.get(f"/certificates/{certificate_id}.pdf")
    assert pdf.status_code == 200 and number in pdf_text(pdf.data)


def test_ent1_can_apply_on_the_charger_plan_with_inst1_as_the_readme_walks_through(demo):
    (plan_id,) = demo.rows(select(Plan.id).where(Plan.name == "电动汽车交流充电桩对标方案"))
    form = page(demo.client("ent1@demo.duibiao.cn").get(f"/plans/{plan_id}/apply"))
    assert "华标检测认证有限公司" in [option.text_content().strip() for option in
                                     form.xpath("//select[@id='institution_id']/option")]


def test_self_declarations_of_both_enterprises_are_public(demo):
    listed = text_of(demo.client().get("/declarations/"))
    assert "LY-TDR2025" in listed and "YD-48V20AH" in listed
    assert sorted(demo.rows(select(Declaration.status))) == ["confirmed", "published", "taken_down"]


def test_ent1_and_inst1_filled_in_their_information_ent2_and_inst2_are_asked_to(demo):
    for email, asked in (("ent1@demo.duibiao.cn", False), ("inst1@demo.duibiao.cn", False),
                         ("ent2@demo.duibiao.cn", True), ("inst2@demo.duibiao.cn", True)):
        profile = page(demo.client(email).get("/account/profile"))
        assert bool(profile.xpath("//*[@data-info-missing]")) == asked, email


def test_the_home_page_shows_the_latest_notices_and_highlights_of_this_year(demo):
    home = text_of(demo.client().get("/"))
    year = clock.to_china(START).year
    assert "关于全国对标达标信息服务平台系统维护的公告" in home
    assert f"对标达标提升专项行动 {year} 年工作推进会在京召开" in home
    assert "草稿" not in home


def test_every_date_lies_before_the_load_and_no_task_ends_before_it_began(demo):
    """Dates count back from the load: nothing is dated after it except deadlines and due times."""
    with demo.session_factory() as session:
        for table in Base.metadata.sorted_tables:
            for column in table.columns:
                name = f"{table.name}.{column.name}"
                stamped = column.name in FUTURE_COLUMNS or name in STORAGE_STAMPED
                if isinstance(column.type, UTCDateTime) and not stamped:
                    latest = session.scalar(select(func.max(column)))
                    assert latest is None or latest <= START, f"{name} = {latest}"
        backwards = session.execute(text(
            "SELECT count(*) FROM human_task WHERE completed_at < created_at")).scalar()
        assert backwards == 0
        assert session.scalar(select(func.count()).select_from(ProcessInstance).where(
            ProcessInstance.status == "error")) == 0

