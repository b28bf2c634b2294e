"""`duibiao serve`: gunicorn with two workers on a fresh PostgreSQL database, driven over HTTP.

A registration goes through the real server as a browser would send it (CSRF token from the page,
the SMS code from the outbox, a PDF upload); its requests land on either worker, so the workers must
agree on the session key. The office then finds it in 待办. Runs only with DUIBIAO_TEST_DATABASE_URL.
"""
from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from storage.models import Organization
from tests.conftest import PG_URL
from tests.factories import PDF_BYTES

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(not PG_URL, reason="needs DUIBIAO_TEST_DATABASE_URL (PostgreSQL)"),
]

DUIBIAO = str(Path(sys.executable).parent / "duibiao")
OFFICE = ("office@serve.duibiao.cn", "Office#2026")
COMPANY = "苏州服务测试精密制造有限公司"
PHONE = "13912345678"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture
def serve_database():
    """A fresh database beside the test one (``<test db>_serve``), dropped afterwards."""
    url = make_url(PG_URL)
    name = f"{url.database}_serve"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def environment(serve_database, tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("DUIBIAO_")}
    env.update({
        "DUIBIAO_DATABASE_URL": serve_database, "DUIBIAO_DATA_DIR": str(tmp_path / "data"),
        "DUIBIAO_CAPTCHA_TEST_MODE": "1", "DUIBIAO_SCHEDULER": "0",
    })
    return env


def duibiao(env: dict, *args: str) -> str:
    result = subprocess.run([DUIBIAO, *args], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(environment, tmp_path):
    """`duibiao db upgrade`, an office account, then `duibiao serve --workers 2`; stopped with TERM."""
    duibiao(environment, "db", "upgrade")
    duibiao(environment, "users", "create", "--email", OFFICE[0], "--password", OFFICE[1], "--role", "office",
            "--org", "专项办")
    port = free_port()
    log = (tmp_path / "serve.log").open("w+")
    process = subprocess.Popen([DUIBIAO, "serve", "--workers", "2", "--port", str(port)], env=environment,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(base, process, log)
        yield base, Path(environment["DUIBIAO_DATA_DIR"]), process, log
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
        log.close()


def wait_for_health(base: str, process, log, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            raise AssertionError(f"duibiao serve exited with {process.returncode}:\n{log.read()}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310 (http://127.0.0.1)
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("duibiao serve did not answer /healthz")


class Browser:
    """Cookies and forms over urllib; redirects are followed like a browser follows them."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def request(self, path: str, data: bytes | None = None, content_type: str | None = None):
        request = urllib.request.Request(self.base + path, data=data)  # noqa: S310 (http://127.0.0.1)
        if content_type:
            request.add_header("Content-Type", content_type)
        try:
            with self.opener.open(request, timeout=15) as response:
                return response.status, response.geturl(), response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.geturl(), error.read().decode("utf-8")

    def csrf(self, path: str) -> str:
        status, _url, body = self.request(path)
        assert status == 200, body
        return CSRF.search(body).group(1)

    def post(self, path: str, fields: dict):
        return self.request(path, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def post_multipart(self, path: str, fields: dict, files: dict):
        boundary = uuid.uuid4().hex
        parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
                 for name, value in fields.items()]
        for name, (filename, data) in files.items():
            parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
                         f'\r\nContent-Type: application/pdf\r\n\r\n'.encode() + data + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        return self.request(path, body, f"multipart/form-data; boundary={boundary}")


def sms_code(data_dir: Path, phone: str, timeout: float = 10) -> str:
    """The code of the latest SMS to ``phone`` in <data dir>/outbox.jsonl (sent after the commit)."""
    outbox = data_dir / "outbox.jsonl"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if outbox.exists():
            texts = [m["text"] for m in map(json.loads, outbox.read_text(encoding="utf-8").splitlines())
                     if m["channel"] == "sms" and m["to"] == phone]
            if texts:
                return re.search(r"(?<!\d)(\d{6})(?!\d)", texts[-1]).group(1)
        time.sleep(0.1)
    raise AssertionError(f"no SMS to {phone} in {outbox}")


def test_serve_runs_a_registration_on_postgresql(server, serve_database):
    base, data_dir, process, log = server
    applicant = Browser(base)
    token = applicant.csrf("/register")
    status, _url, body = applicant.post("/register/sms-code", {"phone": PHONE, "csrf_token": token})
    assert status == 200, body
    code = sms_code(data_dir, PHONE)
    status, url, body = applicant.post_multipart("/register", {
        "csrf_token": token, "user_type": "enterprise", "email": "qiye@serve-test.cn",
        "password": "Qiye#2026pw", "password_confirm": "Qiye#2026pw", "province_code": "320000",
        "city_code": "320500", "name": COMPANY, "contact": "张伟", "phone": PHONE, "sms_code": code,
    }, {"business_license": ("营业执照.pdf", PDF_BYTES)})
    assert status == 200 and url.endswith("/account/status"), body
    assert "注册信息已提交" in body

    engine = create_engine(serve_database)
    try:
        with engine.connect() as connection:
            assert connection.execute(select(Organization.status).where(Organization.name == COMPANY)).all() == [
                ("pending",)]
    finally:
        engine.dispose()

    office = Browser(base)
    status, url, body = office.post("/login", {"csrf_token": office.csrf("/login"), "email": OFFICE[0],
                                               "password": OFFICE[1], "captcha": "PASSED"})
    assert status == 200 and "/login" not in url, body
    status, _url, body = office.request("/tasks/")
    assert status == 200 and COMPANY in body

    process.send_signal(signal.SIGTERM)  # gunicorn's master: the workers finish and it exits cleanly
    assert process.wait(timeout=30) == 0
    log.seek(0)
    output = log.read()
    assert "Booting worker" in output and output.count("Booting worker") >= 2
    assert '"POST /register HTTP/1.1" 302' in output  # the access log on stdout
    assert "Shutting down: Master" in output
