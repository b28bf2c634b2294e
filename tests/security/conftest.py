"""The world the security tests probe: the demo (``duibiao demo``) plus a pending account, a
disabled organisation and a few open objects, built once per module through the platform's own
services and pages, saved, and restored (SQLite's backup API, a few milliseconds) after any test
that may have changed it.

Principals (``PRINCIPALS``): anonymous, enterprise A (ent1) and B (ent2), institution X (inst1)
and Y (inst2), office, designer, operator, a pending registration and a user of a disabled
organisation. Each has a browser (a Flask test client logged in through /login with CSRF on) and,
where the platform gives one, an API token. The objects the URLs name (``World.ids``) are owned by
A and X: A's application evaluated by X (certificate issued), A's open application waiting for X,
A's declaration, A's test report, X's published plan and its pending enrolment, A's API token…, and the
pending account's registration (its 注册审核 task and 营业执照).
"""
from __future__ import annotations

import hashlib
import shutil
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import got_request_exception
from sqlalchemy import event, select

import demodata
from engine import clock
from engine.domain import articles, certificate_pdf, compliance, organizations, pilots
from engine.domain import auth as accounts
from engine.domain.compliance import ApplicationInput
from storage import migrate
from storage.db import Base
from storage.files import FileStore
from storage.models import (
    ApiToken,
    Application,
    Article,
    Certificate,
    Declaration,
    HumanTask,
    Plan,
    PlanDocument,
    PlanSubmission,
    ProcessDefinition,
    ProcessDraft,
    RegistrationSubmission,
    SubmissionFile,
)
from tests.conftest import START
from tests.factories import PDF_BYTES, active_member, registered
from tests.webapp.helpers import csrf_token, page, remembered_password_hashes
from webapp import create_app
from webapp.cli import main

PRINCIPALS = ("anon", "A", "B", "X", "Y", "office", "designer", "operator", "pending", "disabled")
PASSWORDS = {email: password for email, password, *_ in demodata.DEMO_ACCOUNTS}
EMAILS = {"A": "ent1@demo.duibiao.cn", "B": "ent2@demo.duibiao.cn", "X": "inst1@demo.duibiao.cn",
          "Y": "inst2@demo.duibiao.cn", "office": "office@demo.duibiao.cn",
          "designer": "designer@demo.duibiao.cn", "operator": "operator@demo.duibiao.cn",
          "pending": "pending@test.cn", "disabled": "disabled@test.cn"}
PASSWORDS.update({"pending@test.cn": "Secret#123", "disabled@test.cn": "Member#123"})
# Words only A's open application (its 备注) and X's pending enrolment (its 说明) hold: who may read them is
# the matrix's business, and no page another enterprise or institution opens may show them.
SECRETS = {"A": "甲企业内部备注7731", "X": "乙机构内部报名说明5519"}
# Written by reading a page or by the machinery of every request, not by what a request asks for.
VOLATILE = {"throttle": None, "spent_nonce": None, "outbox": None,
            "api_token": {"last_used_at"}, "user_account": {"last_login_at"}, "message": {"read_at"}}


@dataclass
class World:
    app: object
    engine: object
    pristine: Path
    ids: dict[str, object] = field(default_factory=dict)
    clients: dict[str, object] = field(default_factory=dict)
    csrf: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # exceptions behind 500 answers
    nul_sent: list[str] = field(default_factory=list)  # statements given NUL (see _nul_watch)
    _watch: sqlite3.Connection | None = None
    _fingerprint: tuple[int, dict[str, str]] | None = None

    @property
    def session_factory(self):
        return self.app.extensions["duibiao.sessions"].session_factory

    @property
    def dry_runs(self) -> Path:
        return Path(self.app.config["DATA_DIR"]) / "dryruns"

    def restore(self, dry_runs: bool = False) -> None:
        """Put the database and the 试运行 sandboxes back as they were built (the test clients'
        sessions stay valid: their nonces are in the database too)."""
        raw = self.engine.raw_connection()
        try:
            with sqlite3.connect(self.pristine) as source:
                source.backup(raw.driver_connection)
        finally:
            raw.close()
        if dry_runs:
            shutil.rmtree(self.dry_runs, ignore_errors=True)
            shutil.copytree(self.pristine.with_suffix(".dryruns"), self.dry_runs)

    def data_version(self) -> int:
        """SQLite's counter of commits by other connections: unchanged means nothing was written."""
        if self._watch is None:
            self._watch = sqlite3.connect(self.engine.url.database)
        return self._watch.execute("PRAGMA data_version").fetchone()[0]

    def fingerprint(self) -> dict[str, str]:
        """A digest of every table's rows (volatile columns left out)."""
        digests = {}
        with self.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                skip = VOLATILE.get(table.name, set())
                if skip is None:
                    continue
                columns = [column for column in table.columns if column.name not in skip]
                digest = hashlib.sha256()
                for row in connection.execute(select(*columns).order_by(*table.primary_key.columns)):
                    digest.update(repr(tuple(row)).encode())
                digests[table.name] = digest.hexdigest()
        return digests

    def fingerprint_now(self) -> dict[str, str]:
        """The fingerprint, computed again only when something was committed since the last one."""
        version = self.data_version()
        if self._fingerprint is None or self._fingerprint[0] != version:
            self._fingerprint = (version, self.fingerprint())
        return self._fingerprint[1]

    def open_tasks(self) -> list[tuple[str, int]]:
        """(principal, task id) of every ready task a principal may act on (the inbox's rule)."""
        from engine import inbox

        found = []
        with self.session_factory() as session:
            tasks = session.scalars(select(HumanTask).where(HumanTask.state == "ready").order_by(HumanTask.id)).all()
            for principal in PRINCIPALS[1:]:
                user = accounts.find_user(session, EMAILS[principal])
                found += [(principal, task.id) for task in tasks if inbox.may_act(user, task)]
        return found

    def headers(self, principal: str) -> dict:
        token = self.tokens.get(principal)
        return {"Authorization": f"Bearer {token}"} if token else {}


def _app(data_dir: Path):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DUIBIAO_DATA_DIR", str(data_dir))
        patch.setenv("DUIBIAO_SECRET_KEY", "security-tests")
        patch.delenv("DUIBIAO_MAIL_BACKEND", raising=False)
        app = create_app({
            "TESTING": True, "DATABASE_URL": f"sqlite:///{data_dir / 'world.db'}", "DATA_DIR": str(data_dir),
            "CAPTCHA_TEST_MODE": True, "WTF_CSRF_ENABLED": True, "SCHEDULER_ENABLED": False,
            "API_RATE_LIMIT": 1_000_000, "API_TOKEN_RATE_LIMIT": 1_000_000,
        })
    # A 500 is answered as the visitor would see it (and recorded), not raised into the test.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    # A throw-away database: no fsync on each commit and restore (the suite's time budget).
    event.listen(app.extensions["duibiao.engine"], "connect",
                 lambda connection, _record: connection.execute("PRAGMA synchronous=OFF"))
    return app


def _nul_watch(engine, sent: list[str]) -> None:
    """Record every statement given a parameter with NUL: SQLite takes it, PostgreSQL refuses it (a 500
    there), so on SQLite this is where the PostgreSQL failure shows."""

    def check(_connection, _cursor, statement, parameters, _context, _executemany):
        rows = parameters if isinstance(parameters, list) else [parameters]
        for row in rows:
            values = row.values() if isinstance(row, dict) else row if isinstance(row, tuple | list) else ()
            if any(isinstance(value, str) and "\x00" in value for value in values):
                sent.append(" ".join(statement.split())[:200])

    event.listen(engine, "before_cursor_execute", check)


def _add_objects(session, data_dir: Path, ids: dict) -> None:
    """What the demo lacks: a pending registration, a disabled organisation, open work for X."""
    office = accounts.find_user(session, EMAILS["office"])
    ent1, inst1 = accounts.find_user(session, EMAILS["A"]), accounts.find_user(session, EMAILS["X"])
    pending, vetting = registered(session, data_dir / "files", email=EMAILS["pending"],
                                    name="待审核测试企业有限公司", phone="13900000001")
    disabled = active_member(session, EMAILS["disabled"], "enterprise", "停用测试企业有限公司")
    organizations.disable(session, disabled.organization, office, "测试停用")
    plan = session.scalars(select(Plan).where(Plan.organization_id == inst1.organization_id,
                                              Plan.status == "published")).first()
    version = compliance.published_version(session, plan)
    report = FileStore(data_dir / "files").save(session, PDF_BYTES, "A检测报告.pdf", "application/pdf", ent1.id)
    open_application = compliance.apply(session, ent1, plan.id, ApplicationInput(
        "LY-AC9K", inst1.organization_id, [row["value"] for row in compliance.indicators(version)], SECRETS["A"],
        [report]))
    new_pilot = pilots.create_pilot(session, office, {
        "title": "智能门锁产品试点第三方技术机构招募", "product_name": "智能门锁", "recruit_type": "institution",
        "field": "product", "description": "招募第三方技术机构。", "deadline": START.date().replace(month=12)}, [])
    enrollment = pilots.enroll(session, inst1, new_pilot, SECRETS["X"], [])
    draft_article = articles.create(session, office, articles.ArticleDraft("notice", "草稿通知", "草稿正文"))
    session.flush()
    ids["pending_vetting"] = session.scalars(select(HumanTask.id).where(
        HumanTask.instance_id == vetting.id, HumanTask.state == "ready")).one()
    ids["pending_licence"] = session.scalars(select(SubmissionFile.file_id).join(RegistrationSubmission).where(
        RegistrationSubmission.organization_id == pending.organization_id)).first()
    ids.update(pending_org=pending.organization_id, disabled_org=disabled.organization_id,
               plan_id=plan.id, a_open_app=open_application.id, file_id=report.id,
               enrollment_id=enrollment.id, pilot_id=new_pilot.id, draft_article=draft_article.id)


def _read_ids(session, ids: dict) -> None:
    """The ids the URLs are filled with (see matrix.py: VALUES)."""
    ent1, inst1 = accounts.find_user(session, EMAILS["A"]), accounts.find_user(session, EMAILS["X"])
    issued = session.scalars(select(Application).where(Application.product_model == "LY-AC7K")).one()
    certificate = session.scalars(select(Certificate).where(Certificate.application_id == issued.id)).one()
    open_app = session.get(Application, ids["a_open_app"])
    x_task = session.scalars(select(HumanTask).where(HumanTask.instance_id == open_app.instance_id,
                                                    HumanTask.state == "ready")).one()
    x_done = session.scalars(select(HumanTask).where(HumanTask.completed_by_id == inst1.id)
                             .order_by(HumanTask.id)).first()
    office_task = session.scalars(select(HumanTask).where(  # the office's oldest open task
        HumanTask.state == "ready", HumanTask.role == "office").order_by(HumanTask.id)).first()
    x_report = session.scalars(select(PlanDocument.file_id).join(PlanSubmission).where(
        PlanSubmission.plan_id == ids["plan_id"], PlanDocument.kind == "comparison_report")).first()
    publicised = session.scalars(select(Plan).where(Plan.status == "publicity")).one()  # inst2's (Y's)
    declaration = session.scalars(select(Declaration).where(Declaration.enterprise_id == ent1.organization_id)).first()
    article = session.scalars(select(Article).where(Article.status == "published").order_by(Article.id)).first()
    definition = session.scalars(select(ProcessDefinition).where(
        ProcessDefinition.key == "registration_vetting").order_by(ProcessDefinition.id.desc())).first()
    ids.update(
        a_org=ent1.organization_id, x_org=inst1.organization_id, application_id=issued.id,
        certificate_id=certificate.id, verify_code=certificate.code, instance_id=issued.instance_id,
        a_open_inst=open_app.instance_id, x_task=x_task.id, x_done=x_done.id, office_task=office_task.id,
        publicity_plan=publicised.id, declaration_id=declaration.id, article_id=article.id,
        definition_id=definition.id, x_report_file=x_report,
        a_colleague=accounts.find_user(session, "ent1-staff@demo.duibiao.cn").id)


def _log_in(world: World, principal: str) -> None:
    client = world.app.test_client()
    if principal != "anon":
        email = EMAILS[principal]
        response = client.post("/login", data={"email": email, "password": PASSWORDS[email], "captcha": "PASSED",
                                               "csrf_token": csrf_token(client.get("/login"))})
        assert response.status_code == 302, (principal, response.get_data(as_text=True)[:2000])
    world.clients[principal] = client
    world.csrf[principal] = csrf_token(client.get("/login"))


def _tokens(world: World) -> None:
    """API tokens as POST /api/v1/tokens gives them; the disabled organisation gets none there, so
    its token is one issued before it was disabled (issued directly)."""
    client = world.app.test_client()
    for principal in PRINCIPALS[1:]:
        email = EMAILS[principal]
        answer = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORDS[email]})
        if answer.status_code == 201:
            world.tokens[principal] = answer.get_json()["token"]
    assert "disabled" not in world.tokens
    with world.session_factory() as session:
        world.tokens["disabled"] = accounts.issue_token(session, accounts.find_user(session, EMAILS["disabled"]))
        a_token = session.scalars(select(ApiToken).where(
            ApiToken.user_id == accounts.find_user(session, EMAILS["A"]).id)).first()
        world.ids["token_id"] = a_token.id
        session.commit()


def _designer_objects(world: World) -> None:
    """A draft of registration_vetting (saved through the designer's page) and a 试运行 of it."""
    designer = world.clients["designer"]
    with world.session_factory() as session:
        xml = session.get(ProcessDefinition, world.ids["definition_id"]).bpmn_xml
    saved = designer.post("/design/processes/registration_vetting/drafts", json={"xml": xml, "note": "测试草稿"},
                          headers={"X-CSRFToken": world.csrf["designer"]})
    assert saved.status_code in (200, 201), saved.get_data(as_text=True)[:2000]
    with world.session_factory() as session:
        world.ids["draft_id"] = session.scalars(select(ProcessDraft.id).order_by(ProcessDraft.id.desc())).first()
    started = designer.post(f"/design/drafts/{world.ids['draft_id']}/try", data={"csrf_token": world.csrf["designer"]})
    assert started.status_code == 302 and "/design/dryruns/" in started.headers["Location"], started.headers
    world.ids["dry_run"] = started.headers["Location"].rsplit("/", 1)[1]
    links = page(designer.get(started.headers["Location"])).xpath(
        "//a[contains(@href, '/dryruns/') and contains(@href, '/tasks/')]/@href")
    assert links, "the 试运行 shows no task to open"
    world.ids["dry_run_task"] = int(links[0].rsplit("/", 1)[1])


def build_world(data_dir: Path) -> World:
    app = _app(data_dir)
    engine = app.extensions["duibiao.engine"]
    migrate.upgrade(engine)
    world = World(app, engine, data_dir / "pristine.db")
    with remembered_password_hashes():
        result = app.test_cli_runner().invoke(main, ["demo"])
    assert result.exit_code == 0, result.output
    with world.session_factory() as session, remembered_password_hashes():
        _add_objects(session, data_dir, world.ids)
        session.commit()
        _read_ids(session, world.ids)
    for principal in PRINCIPALS:
        _log_in(world, principal)
    _tokens(world)
    _designer_objects(world)
    _nul_watch(engine, world.nul_sent)
    got_request_exception.connect(
        lambda sender, exception, **extra: world.errors.append(repr(exception)), app, weak=False)
    raw = engine.raw_connection()
    try:
        with sqlite3.connect(world.pristine) as target:
            raw.driver_connection.backup(target)
    finally:
        raw.close()
    shutil.copytree(world.dry_runs, world.pristine.with_suffix(".dryruns"))
    return world


def _certificate_font(patch: pytest.MonkeyPatch) -> None:
    """Where Debian's CJK font is missing (make test installs it), any TrueType font renders the
    certificate: the matrix is about who may download it."""
    fallback = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not Path(certificate_pdf.font_path()).is_file() and fallback.is_file():
        patch.setenv(certificate_pdf.FONT_ENV, str(fallback))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    clock.set_now(START)
    try:
        with pytest.MonkeyPatch.context() as patch:
            _certificate_font(patch)
            built = build_world(tmp_path_factory.mktemp("security-world"))
            yield built
            if built._watch is not None:
                built._watch.close()
            built.engine.dispose()
    finally:
        clock.set_now(None)


def pytest_terminal_summary(terminalreporter):
    """The figures the matrix and the corpus computed (docs/security.md quotes them); read from the test
    reports, so they show under pytest-xdist too."""
    figures = [(name, value) for reports in terminalreporter.stats.values() for report in reports
               if getattr(report, "when", None) == "call"
               for name, value in getattr(report, "user_properties", ()) if name.startswith("security:")]
    if figures:
        terminalreporter.section("security figures")
        for name, value in figures:
            terminalreporter.write_line(f"{name}: {value}")
