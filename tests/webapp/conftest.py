"""The web layer through Flask's test client, against a real database built by the migrations.

One app per database backend and test session (building it and migrating are
the slow part). ``db_engine`` from tests/conftest.py wipes every table before
each test, so each test redeploys the workflows and starts with an empty outbox;
the engine clock is frozen at ``tests.conftest.START`` (09:30 China time).
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

import demodata
from storage import migrate
from tests.conftest import replay
from tests.factories import office_user, registered
from tests.webapp.helpers import (
    APPLICANT_EMAIL,
    APPLICANT_PASSWORD,
    OFFICE_EMAIL,
    OFFICE_PASSWORD,
    OTHER_EMAIL,
    OTHER_PASSWORD,
    logged_in,
    outbox_path,
    remembered_password_hashes,
)
from webapp import create_app, db
from webapp.cli import deploy_workflows

_apps: dict[str, object] = {}


def _build_app(url: str, data_dir: Path):
    with pytest.MonkeyPatch.context() as patch:
        # config.from_environment() runs before the test config applies: keep it out of ./instance.
        patch.setenv("DUIBIAO_DATA_DIR", str(data_dir))
        patch.setenv("DUIBIAO_SECRET_KEY", "webapp-tests")
        patch.delenv("DUIBIAO_MAIL_BACKEND", raising=False)
        app = create_app({
            "TESTING": True, "DATABASE_URL": url, "DATA_DIR": str(data_dir),
            "CAPTCHA_TEST_MODE": True, "WTF_CSRF_ENABLED": False, "SCHEDULER_ENABLED": False,
        })
    migrate.upgrade(app.extensions["duibiao.engine"])
    return app


def app_for(db_engine, tmp_path_factory):
    """The test app on this database: built once per backend and test session."""
    url = db_engine.url.render_as_string(hide_password=False)
    app = _apps.get(url)
    if app is None:
        app = _apps[url] = _build_app(url, tmp_path_factory.mktemp("webapp-data"))
    return app


@pytest.fixture
def app(db_engine, frozen_clock, tmp_path_factory):
    app = app_for(db_engine, tmp_path_factory)
    outbox_path(app).unlink(missing_ok=True)
    with app.app_context():
        session = db.session()
        replay(session, "workflows", lambda: deploy_workflows(session))
        db.commit()
    saved = dict(app.config)
    yield app
    app.config.clear()
    app.config.update(saved)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_client(app):
    """A new browser, logged in as ``email``."""

    def make(email: str, password: str):
        return logged_in(app.test_client(), email, password)

    return make


@pytest.fixture
def csrf_on(app):
    app.config["WTF_CSRF_ENABLED"] = True  # the app fixture restores the config afterwards
    return app


@dataclass
class Applicant:
    user_id: int
    organization_id: int
    instance_id: int
    email: str
    password: str = APPLICANT_PASSWORD


def make_applicant(app, session_factory, email: str = APPLICANT_EMAIL, **fields) -> Applicant:
    """A registration through the domain service, its files in the app's file store."""
    with session_factory() as session, remembered_password_hashes():
        user, instance = registered(session, Path(app.config["DATA_DIR"]) / "files", email=email,
                                    **fields)
        session.commit()
        return Applicant(user.id, user.organization_id, instance.id, email)


@pytest.fixture
def new_applicant(app, session_factory, office):
    def make(email: str = APPLICANT_EMAIL, **fields) -> Applicant:
        return make_applicant(app, session_factory, email, **fields)

    return make


@pytest.fixture
def office(app, session_factory):
    with session_factory() as session, remembered_password_hashes():
        user = office_user(session, OFFICE_EMAIL)
        session.commit()
        return user.id


@pytest.fixture
def office_client(office, make_client):
    return make_client(OFFICE_EMAIL, OFFICE_PASSWORD)


@pytest.fixture
def applicant(new_applicant) -> Applicant:
    """A pending enterprise (深圳测试科技有限公司) whose registration waits for the office."""
    return new_applicant()


@pytest.fixture
def applicant_client(applicant, make_client):
    return make_client(applicant.email, applicant.password)


@pytest.fixture
def other_enterprise(app, session_factory):
    """An approved enterprise with nothing to do with the applicant."""
    with session_factory() as session, remembered_password_hashes():
        user = demodata.ensure_user(session, OTHER_EMAIL, OTHER_PASSWORD, "enterprise", "其他企业有限公司")
        session.commit()
        return user.id


@pytest.fixture
def other_client(other_enterprise, make_client):
    return make_client(OTHER_EMAIL, OTHER_PASSWORD)
