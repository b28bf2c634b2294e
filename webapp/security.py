"""Security headers on every response (Flask-Talisman), and the one way a stored PDF leaves the platform.

The Content-Security-Policy allows scripts from the platform's own origin only: no inline script, no
inline event handler, no eval (the templates load webapp/static/*.js; JSON data islands are
``<script type="application/json">``, which the browser never runs). Stylesheets come from the origin
only (no ``<style>`` element); ``style`` attributes are allowed (style-src-attr): bpmn-js writes them on
the diagram it draws and a few templates use them. Measured in Chromium by tests/browser/test_csp.py:
bootstrap, Swagger UI and chart.js need nothing more.
A response that sets its own policy (the designer's XML, the PDF downloads: ``sandbox``) keeps it.
"""
from __future__ import annotations

import flask
from flask import Flask, Response, send_file
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import DENY, Talisman

from storage.files import pdf_display_name

CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",  # no <style> elements: stylesheets are files
    # style="…" attributes: the templates' few, and the ones bpmn-js writes on the diagram it draws.
    "style-src-attr": "'unsafe-inline'",
    "img-src": "'self' data:",  # the favicon, swagger-ui's and bpmn-js's icons are data: URLs
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
# What a downloaded file may do if a browser opens it anyway: nothing.
SANDBOX_POLICY = "default-src 'none'; sandbox"
PERMISSIONS_POLICY = {"browsing-topics": "()", "camera": "()", "microphone": "()", "geolocation": "()"}
_OWN_POLICY = "_duibiao_own_csp"  # where a response's own policy waits while Talisman runs


class _Talisman(Talisman):
    """Flask-Talisman, with what it derives from its settings derived once: it rebuilt the view's options
    four times per request and the Content-Security-Policy's text from its dict for every response
    (issue 15: a fifth of an API request's own overhead). The options depend on the view alone (its
    ``talisman`` decorator's, else these defaults), the text on the policy alone while no nonce is asked
    for (``content_security_policy_nonce_in``)."""

    def __init__(self, *args, **kwargs):
        self._options_by_endpoint: dict = {}
        self._policy_texts: dict = {}  # id(policy) → (the policy, its text): kept, so its id stays its own
        super().__init__(*args, **kwargs)

    def _get_local_options(self):
        endpoint = flask.request.endpoint
        options = self._options_by_endpoint.get(endpoint)
        if options is None:
            options = self._options_by_endpoint[endpoint] = super()._get_local_options()
        return options

    def _parse_policy(self, policy):
        if self.content_security_policy_nonce_in:
            return super()._parse_policy(policy)
        kept = self._policy_texts.get(id(policy))
        if kept is None or kept[0] is not policy:
            kept = self._policy_texts[id(policy)] = (policy, super()._parse_policy(policy))
        return kept[1]


class _SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per secret key: Flask built
    one for every request, with a cookie or without (an API request carries none)."""

    _kept: tuple | None = None  # (the keys, their serializer)

    def get_signing_serializer(self, app: Flask):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        kept = self._kept
        if kept is None or kept[0] != keys:
            kept = self._kept = (keys, super().get_signing_serializer(app))
        return kept[1]


def init_app(app: Flask) -> None:
    app.session_interface = _SignedCookieSessions()
    app.after_request(_restore_own_policy)  # registered first, so it runs after Talisman's hook
    _Talisman(
        app,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options=DENY,
        referrer_policy="same-origin",
        permissions_policy=PERMISSIONS_POLICY,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["HSTS_MAX_AGE"] > 0,
        strict_transport_security_max_age=app.config["HSTS_MAX_AGE"],
        strict_transport_security_include_subdomains=app.config["HSTS_INCLUDE_SUBDOMAINS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        x_content_type_options=True,
    )
    app.after_request(_keep_own_policy)  # registered last, so it runs before Talisman's hook


def _keep_own_policy(response: Response) -> Response:
    own = response.headers.get("Content-Security-Policy")
    if own:
        setattr(response, _OWN_POLICY, own)
    return response


def _restore_own_policy(response: Response) -> Response:
    own = getattr(response, _OWN_POLICY, None)
    if own:
        response.headers["Content-Security-Policy"] = own
    return response


def send_image(path, content_type: str) -> Response:
    """A picture checked on upload (storage.image_check: PNG or JPEG) shown inline: its own type, never
    sniffed, sandboxed (组织架构's chart)."""
    if content_type not in ("image/png", "image/jpeg"):
        raise ValueError(f"not a checked picture type: {content_type}")
    response = send_file(path, mimetype=content_type, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX_POLICY
    return response


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def send_spreadsheet(handle, name: str) -> Response:
    """An Excel file the platform wrote (导出 Excel) as a download: its own type, never sniffed, never cached."""
    response = send_file(handle, mimetype=XLSX_TYPE, as_attachment=True, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response


def send_pdf(source, name: str | None) -> Response:
    """A stored or rendered PDF as a download: application/pdf, attachment, a .pdf name, never sniffed,
    and sandboxed should a browser render it anyway."""
    response = send_file(source, mimetype="application/pdf", as_attachment=True,
                         download_name=pdf_display_name(name))
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = SANDBOX_POLICY
    return response
