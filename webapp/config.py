"""Configuration from the environment (DUIBIAO_*), with a data directory for everything local."""
from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from pathlib import Path

log = logging.getLogger(__name__)
DEFAULT_MANUAL_DIR = Path(__file__).resolve().parents[1] / "docs" / "manual"


def _secret_key(data_dir: Path) -> str:
    """DUIBIAO_SECRET_KEY, else a key generated once and kept in the data directory."""
    configured = os.environ.get("DUIBIAO_SECRET_KEY")
    if configured:
        return configured
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    # Several workers (duibiao serve) may start on a fresh data directory at once: the key is written
    # to a file of this process and linked into place, so all of them end up with the first one's key.
    draft = data_dir / f".secret_key.{os.getpid()}"
    draft.write_text(secrets.token_hex(32))
    draft.chmod(0o600)
    try:
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return path.read_text().strip()


def _flag(name: str) -> bool:
    return os.environ.get(name, "0").strip().lower() in ("1", "true", "yes", "on")


def _networks(text: str) -> list[str]:
    """Comma-separated addresses or networks (10.0.0.0/8, ::1); a typo stops the start-up."""
    networks = [part.strip() for part in text.split(",") if part.strip()]
    for network in networks:
        ipaddress.ip_network(network, strict=False)
    return networks


def _log_format(text: str) -> str:
    value = text.strip().lower() or "text"
    if value not in ("text", "json"):
        raise ValueError(f"DUIBIAO_LOG_FORMAT must be text or json, not {text!r}")
    return value


def from_environment(overrides: dict | None = None) -> dict:
    """The configuration; ``overrides`` (tests) win, including the data directory."""
    overrides = overrides or {}
    data_dir = Path(overrides.get("DATA_DIR") or os.environ.get("DUIBIAO_DATA_DIR", "instance")).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    database_url = (overrides.get("DATABASE_URL") or os.environ.get("DUIBIAO_DATABASE_URL")
                    or f"sqlite:///{data_dir / 'duibiao.db'}")
    config = {
        "DATA_DIR": str(data_dir),
        "DATABASE_URL": database_url,
        "CAPTCHA_TEST_MODE": os.environ.get("DUIBIAO_CAPTCHA_TEST_MODE") == "1",
        "SCHEDULER_ENABLED": os.environ.get("DUIBIAO_SCHEDULER", "1") == "1",
        "MAIL_BACKEND": os.environ.get("DUIBIAO_MAIL_BACKEND", "log"),
        "SMTP_HOST": os.environ.get("DUIBIAO_SMTP_HOST", "localhost"),
        "SMTP_PORT": int(os.environ.get("DUIBIAO_SMTP_PORT", "587")),
        "SMTP_USER": os.environ.get("DUIBIAO_SMTP_USER"),
        "SMTP_PASSWORD": os.environ.get("DUIBIAO_SMTP_PASSWORD"),
        "SMTP_SENDER": os.environ.get("DUIBIAO_SMTP_SENDER", "noreply@localhost"),
        "PUBLIC_URL": os.environ.get("DUIBIAO_PUBLIC_URL"),  # the address printed in certificate QR codes
        # 帮助中心 → 操作手册: the folder of the user manuals (<slug>.zh.md, <slug>.en.md, img/).
        "MANUAL_DIR": os.environ.get("DUIBIAO_MANUAL_DIR") or str(DEFAULT_MANUAL_DIR),
        # A folder of BPMN files a designer edits: each replaces the shipped file of its name, or adds one.
        "WORKFLOWS_DIR": os.environ.get("DUIBIAO_WORKFLOWS_DIR"),
        # Reverse proxies in front (nginx …): their X-Forwarded-For gives each client its own address,
        # which the login throttle counts by. 0 trusts no header.
        "TRUSTED_PROXIES": int(os.environ.get("DUIBIAO_TRUSTED_PROXIES", "0")),
        # Operations signals (docs/operations.md): /metrics for Prometheus, and JSON log lines.
        "METRICS_ENABLED": _flag("DUIBIAO_METRICS"),
        "METRICS_TOKEN": os.environ.get("DUIBIAO_METRICS_TOKEN") or None,
        "METRICS_ALLOWED_NETWORKS": _networks(os.environ.get("DUIBIAO_METRICS_ALLOWED_NETWORKS", "")),
        # `duibiao scheduler` serves its metrics (timer lag) on this port, on 127.0.0.1 unless told.
        "SCHEDULER_METRICS_PORT": int(os.environ.get("DUIBIAO_SCHEDULER_METRICS_PORT") or 0) or None,
        "SCHEDULER_METRICS_HOST": os.environ.get("DUIBIAO_SCHEDULER_METRICS_HOST", "127.0.0.1"),
        "LOG_FORMAT": _log_format(os.environ.get("DUIBIAO_LOG_FORMAT", "text")),
        "LOG_LEVEL": os.environ.get("DUIBIAO_LOG_LEVEL", "INFO").strip().upper(),
        # API rate limits (fixed windows counted in the database table ``throttle``): requests per
        # token, and calls of POST /api/v1/tokens per client address, within API_RATE_WINDOW seconds.
        "API_RATE_LIMIT": int(os.environ.get("DUIBIAO_API_RATE_LIMIT", "600")),
        "API_TOKEN_RATE_LIMIT": int(os.environ.get("DUIBIAO_API_TOKEN_RATE_LIMIT", "60")),
        "API_RATE_WINDOW": int(os.environ.get("DUIBIAO_API_RATE_WINDOW", "60")),
        # 手机验证码 sent per client address, and by the whole platform, per hour (besides one a minute
        # per phone): one client cannot make the platform text twenty numbers in a second.
        "SMS_ADDRESS_LIMIT": int(os.environ.get("DUIBIAO_SMS_ADDRESS_LIMIT", "10")),
        "SMS_HOURLY_LIMIT": int(os.environ.get("DUIBIAO_SMS_HOURLY_LIMIT", "1000")),
        "MAX_CONTENT_LENGTH": 64 * 1024 * 1024,  # several 20 MB PDFs per request
        "SESSION_COOKIE_HTTPONLY": True,
        # Behind TLS (https only): the browser sends the session cookie over https only.
        "SESSION_COOKIE_SECURE": _flag("DUIBIAO_SESSION_COOKIE_SECURE"),
        "REMEMBER_COOKIE_SECURE": _flag("DUIBIAO_SESSION_COOKIE_SECURE"),
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Security headers (webapp/security.py, docs/deployment.md). HSTS goes only on https requests
        # (behind a proxy: DUIBIAO_TRUSTED_PROXIES makes its X-Forwarded-Proto count); 0 turns it off.
        "HSTS_MAX_AGE": int(os.environ.get("DUIBIAO_HSTS_MAX_AGE", str(365 * 24 * 3600))),
        "HSTS_INCLUDE_SUBDOMAINS": _flag("DUIBIAO_HSTS_INCLUDE_SUBDOMAINS"),
        # Redirect http to https in the app itself (usually the proxy in front does it).
        "FORCE_HTTPS": _flag("DUIBIAO_FORCE_HTTPS"),
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Shanghai",
        "WTF_CSRF_TIME_LIMIT": None,
    }
    config.update(overrides)
    if "SECRET_KEY" not in overrides:
        config["SECRET_KEY"] = _secret_key(data_dir)
    return config
