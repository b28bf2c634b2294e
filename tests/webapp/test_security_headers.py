"""Issue 14, hole 8: every response carries the security headers (Flask-Talisman): a Content-Security-Policy
that runs no inline script, frame denial, nosniff and a referrer policy; HSTS only over TLS (directly or
through a trusted proxy) and only when configured; the templates hold no inline script or handler."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, api_token
from webapp import create_app, db

TEMPLATES = Path(__file__).resolve().parents[2] / "webapp" / "templates"
SKIPPED = ("static", "metrics", "auth.logout", "auth.captcha")  # no page; logging out would end the session


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request.path}"
    directives = [part.split() for part in header.split(";") if part.strip()]
    return {words[0]: words[1:] for words in directives}


def assert_page_headers(response) -> None:
    directives = policy(response)
    path = response.request.path
    assert directives["script-src"] == ["'self'"], path  # no 'unsafe-inline', no 'unsafe-eval', no nonce
    assert "'unsafe-inline'" not in directives["default-src"], path
    assert directives["style-src"] == ["'self'"], path  # style="…" attributes only (style-src-attr)
    assert directives["object-src"] == ["'none'"] and directives["frame-ancestors"] == ["'none'"], path
    assert response.headers["X-Frame-Options"] == "DENY", path
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert response.headers["Referrer-Policy"] == "same-origin", path
    assert "Strict-Transport-Security" not in response.headers, path  # plain http


def pages_without_arguments(app) -> list[str]:
    return sorted({rule.rule for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and not rule.arguments and not rule.endpoint.startswith(SKIPPED)})


def test_every_page_carries_the_headers_for_the_public_and_the_office(app, client, office_client):
    seen = 0
    for browser in (client, office_client):
        for url in pages_without_arguments(app):
            response = browser.get(url)
            if response.mimetype == "text/html":
                seen += 1
                assert_page_headers(response)
    assert seen >= 40
    not_found = client.get("/no-such-page")
    assert not_found.status_code == 404
    assert_page_headers(not_found)


def test_api_answers_and_static_files_carry_them_too(client, office):
    token = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    for url, headers in (("/api/v1/tasks", token), ("/api/v1/tasks", {}), ("/static/app.css", {})):
        with client.get(url, headers=headers) as response:
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["X-Frame-Options"] == "DENY"
            assert policy(response)["script-src"] == ["'self'"]


def test_a_response_with_its_own_policy_keeps_it(app, client):
    """The designer-supplied BPMN served to the public viewer stays sandboxed."""
    response = client.get("/pilot-info/procedures/pilot_enrollment.bpmn")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    assert response.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_hsts_goes_only_over_tls(client):
    with client.get("/static/app.css") as plain:
        assert "Strict-Transport-Security" not in plain.headers
    with client.get("/static/app.css", base_url="https://duibiao.example") as secure:
        assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


def _static_headers(tmp_path, settings: dict, **request) -> dict:
    app = create_app({"TESTING": True, "DATA_DIR": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/db",
                      "SCHEDULER_ENABLED": False, **settings})
    try:
        with app.test_client() as browser, browser.get("/static/app.css", **request) as response:
            return dict(response.headers)
    finally:
        db.dispose(app)


@pytest.fixture
def environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DUIBIAO_DATA_DIR", str(tmp_path))
    for name in ("DUIBIAO_HSTS_MAX_AGE", "DUIBIAO_HSTS_INCLUDE_SUBDOMAINS", "DUIBIAO_FORCE_HTTPS",
                 "DUIBIAO_TRUSTED_PROXIES"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_hsts_settings(environment, tmp_path):
    over_tls = {"base_url": "https://duibiao.example"}
    assert "Strict-Transport-Security" not in _static_headers(tmp_path, {"HSTS_MAX_AGE": 0}, **over_tls)
    longer = _static_headers(tmp_path, {"HSTS_MAX_AGE": 63072000, "HSTS_INCLUDE_SUBDOMAINS": True}, **over_tls)
    assert longer["Strict-Transport-Security"] == "max-age=63072000; includeSubDomains"
    # Behind a trusted proxy that terminates TLS, the forwarded scheme counts.
    proxied = _static_headers(tmp_path, {"TRUSTED_PROXIES": 1}, headers={"X-Forwarded-Proto": "https"})
    assert proxied["Strict-Transport-Security"] == "max-age=31536000"


def test_force_https_redirects_plain_http_only_when_asked(environment, tmp_path):
    environment.setenv("DUIBIAO_FORCE_HTTPS", "1")
    assert _static_headers(tmp_path, {})["Location"] == "https://localhost/static/app.css"
    environment.delenv("DUIBIAO_FORCE_HTTPS")
    assert "Location" not in _static_headers(tmp_path, {})  # off by default (the proxy in front redirects)


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


def test_the_templates_hold_no_inline_script_or_event_handler():
    """What the policy would block: scripts live in webapp/static (JSON data islands are not run)."""
    found = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)[:60]}" for pattern in (INLINE_SCRIPT, INLINE_HANDLER)
                  for m in pattern.finditer(text)]
        found += [f"{path.relative_to(TEMPLATES)}: javascript: URL" for _ in re.finditer(r"javascript:", text)]
    assert found == []
