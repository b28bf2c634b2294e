"""The web layer through Flask's test client, against a real migrated database.

One app per backend and test session (building it and migrating are the slow
part); ``db_engine`` from tests/conftest.py wipes every table before each test,
so each test redeploys the workflows and starts from an empty outbox.
"""
from __future__ import annotations

import io
import json
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import html as lxml_html
from sqlalchemy import func, select

from storage import migrate
from tests.factories import PDF_BYTES, office_user, registered
from webapp import create_app, db, demo
from webapp.cli import deploy_workflows

OFFICE_EMAIL, OFFICE_PASSWORD = "office@test.cn", "Office#123"
APPLICANT_EMAIL, APPLICANT_PASSWORD = "applicant@test.cn", "Secret#123"
OTHER_EMAIL, OTHER_PASSWORD = "other@test.cn", "Other#1234"
PHONE = "13912345678"

_apps: dict[str, object] = {}


@contextmanager
def _environment(**values):
    """create_app reads DUIBIAO_* first: keep it from creating ./instance in the checkout."""
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _build_app(url: str, data_dir: Path):
    with _environment(DUIBIAO_DATA_DIR=str(data_dir), DUIBIAO_SECRET_KEY="test-secret-key"):
        app = create_app({
            "TESTING": True, "DATABASE_URL": url, "DATA_DIR": str(data_dir),
            "CAPTCHA_TEST_MODE": True, "WTF_CSRF_ENABLED": False, "SCHEDULER_ENABLED": False,
        })
    migrate.upgrade(app.extensions["duibiao.engine"])
    return app


@pytest.fixture
def app(db_engine, frozen_clock, tmp_path_factory):
    url = db_engine.url.render_as_string(hide_password=False)
    app = _apps.get(url)
    if app is None:
        app = _apps[url] = _build_app(url, tmp_path_factory.mktemp("data"))
    outbox_path(app).unlink(missing_ok=True)
    with app.app_context():
        deploy_workflows(db.session())
        db.commit()
    saved = dict(app.config)
    yield app
    app.config.clear()
    app.config.update(saved)


@pytest.fixture
def client(app):
    return app.test_client()


def outbox_path(app) -> Path:
    return Path(app.config["DATA_DIR"]) / "outbox.jsonl"


def outbox(app, channel: str | None = None) -> list[dict]:
    path = outbox_path(app)
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [line for line in lines if channel is None or line["channel"] == channel]


# --- reading pages -------------------------------------------------------------------------


def page(response):
    return lxml_html.fromstring(response.get_data(as_text=True))


def field_errors(response) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for element in page(response).xpath("//*[@data-field-error]"):
        errors.setdefault(element.get("data-field-error"), []).append(element.text_content().strip())
    return errors


def flashes(response) -> list[str]:
    return [e.text_content().strip() for e in page(response).xpath("//div[@role='alert']")]


def text_of(response) -> str:
    """The visible text of a page, whitespace collapsed."""
    root = page(response)
    for script in root.xpath("//script"):
        script.drop_tree()
    return " ".join(root.text_content().split())


def unread_badge(response) -> str | None:
    badges = page(response).xpath("//*[@data-unread]")
    return badges[0].text_content().strip() if badges else None


# --- logging in ----------------------------------------------------------------------------


def login(client, email: str, password: str, captcha: str = "PASSED", follow: bool = False):
    return client.post("/login", data={"email": email, "password": password, "captcha": captcha},
                       follow_redirects=follow)


def logged_in(client, email: str, password: str):
    response = login(client, email, password)
    assert response.status_code == 302, field_errors(response)
    return client


@pytest.fixture
def make_client(app):
    """A new browser, logged in as ``email``."""

    def make(email: str, password: str):
        return logged_in(app.test_client(), email, password)

    return make


# --- people --------------------------------------------------------------------------------


@dataclass
class Applicant:
    user_id: int
    organization_id: int
    instance_id: int
    email: str = APPLICANT_EMAIL
    password: str = APPLICANT_PASSWORD


@pytest.fixture
def office(app, session_factory):
    with session_factory() as session:
        user = office_user(session, OFFICE_EMAIL)
        session.commit()
        return user.id


@pytest.fixture
def office_client(office, make_client):
    return make_client(OFFICE_EMAIL, OFFICE_PASSWORD)


def make_applicant(app, session_factory, email=APPLICANT_EMAIL, **fields) -> Applicant:
    """A registration through the domain service, its files in the app's file store."""
    with session_factory() as session:
        user, instance = registered(session, Path(app.config["DATA_DIR"]) / "files", email=email,
                                    **fields)
        session.commit()
        return Applicant(user.id, user.organization_id, instance.id, email)


@pytest.fixture
def applicant(app, session_factory, office) -> Applicant:
    return make_applicant(app, session_factory)


@pytest.fixture
def applicant_client(applicant, make_client):
    return make_client(APPLICANT_EMAIL, APPLICANT_PASSWORD)


@pytest.fixture
def other_enterprise(app, session_factory):
    """An approved enterprise with nothing to do with the applicant."""
    with session_factory() as session:
        user = demo.ensure_user(session, OTHER_EMAIL, OTHER_PASSWORD, "enterprise", "其他企业有限公司")
        session.commit()
        return user.id


@pytest.fixture
def other_client(other_enterprise, make_client):
    return make_client(OTHER_EMAIL, OTHER_PASSWORD)


# --- registration --------------------------------------------------------------------------


def request_sms_code(client, app, phone: str = PHONE) -> str:
    response = client.post("/register/sms-code", data={"phone": phone})
    assert response.status_code == 200, response.get_json()
    texts = [m["text"] for m in outbox(app, "sms") if m["to"] == phone]
    match = re.search(r"\b(\d{6})\b", texts[-1])
    assert match, texts[-1]
    return match.group(1)


def pdf(name: str = "营业执照.pdf", data: bytes = PDF_BYTES):
    return (io.BytesIO(data), name, "application/pdf")


def registration_form(sms_code: str, **overrides) -> dict:
    form = {
        "user_type": "enterprise", "email": "new@test.cn", "password": "Abcd1234!",
        "password_confirm": "Abcd1234!", "province_code": "440000", "city_code": "440300",
        "name": "深圳新注册科技有限公司", "contact": "张三", "phone": PHONE,
        "business_license": pdf(), "sms_code": sms_code,
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def count(session_factory, model) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def one(session_factory, statement):
    with session_factory() as session:
        return session.scalars(statement).one()


def rows(session_factory, statement) -> list:
    with session_factory() as session:
        return list(session.scalars(statement))
