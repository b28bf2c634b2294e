"""Settings from the environment that production relies on."""
from __future__ import annotations

import multiprocessing

import pytest

from storage import migrate
from webapp import config, create_app


@pytest.fixture
def environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DUIBIAO_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DUIBIAO_SECRET_KEY", raising=False)
    monkeypatch.delenv("DUIBIAO_SESSION_COOKIE_SECURE", raising=False)
    return monkeypatch


def session_cookie_of(secure: bool, tmp_path, monkeypatch) -> str:
    if secure:
        monkeypatch.setenv("DUIBIAO_SESSION_COOKIE_SECURE", "1")
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite",
                      "SCHEDULER_ENABLED": False})
    engine = app.extensions["duibiao.engine"]
    try:
        migrate.upgrade(engine)
        response = app.test_client().get("/login")  # the login form keeps its captcha in the session
        assert response.status_code == 200
        cookies = [value for value in response.headers.getlist("Set-Cookie") if value.startswith("session=")]
        assert len(cookies) == 1, response.headers.getlist("Set-Cookie")
        return cookies[0]
    finally:
        engine.dispose()


def test_the_session_cookie_is_secure_when_configured(environment, tmp_path):
    assert "Secure" not in session_cookie_of(False, tmp_path, environment)
    cookie = session_cookie_of(True, tmp_path, environment)
    assert "; Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("value, secure", [("1", True), ("true", True), ("0", False), ("", False)])
def test_the_secure_cookie_setting(environment, value, secure):
    environment.setenv("DUIBIAO_SESSION_COOKIE_SECURE", value)
    settings = config.from_environment()
    assert (settings["SESSION_COOKIE_SECURE"], settings["REMEMBER_COOKIE_SECURE"]) == (secure, secure)


def _read_key(data_dir: str, results) -> None:
    results.put(config.from_environment({"DATA_DIR": data_dir})["SECRET_KEY"])


def test_workers_starting_together_on_a_fresh_data_directory_agree_on_the_key(environment, tmp_path):
    """`duibiao serve` starts several workers at once; each generates the key if it is missing."""
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_read_key, args=(str(tmp_path), results)) for _ in range(6)]
    for worker in workers:
        worker.start()
    keys = [results.get(timeout=20) for _ in workers]
    for worker in workers:
        worker.join(timeout=20)
    assert len(set(keys)) == 1 and len(keys[0]) == 64
    assert (tmp_path / "secret_key").read_text().strip() == keys[0]
    assert sorted(path.name for path in tmp_path.iterdir()) == ["secret_key"]  # no drafts left behind
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
