"""Fixtures of the browser tests: a live Duibiao server on a free port, and Debian's Chromium."""
from __future__ import annotations

import json
import os
import re
import shutil
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]


@dataclass
class LiveServer:
    url: str
    data_dir: Path
    app: object
    errors: list = field(default_factory=list)  # exceptions raised while serving a request

    def sms_code(self, phone: str, timeout: float = 5.0) -> str:
        """The 6-digit code of the latest SMS sent to ``phone`` (from ``<DATA_DIR>/outbox.jsonl``)."""
        outbox = self.data_dir / "outbox.jsonl"
        deadline = time.monotonic() + timeout
        while True:
            if outbox.exists():
                lines = [json.loads(line) for line in outbox.read_text(encoding="utf-8").splitlines()
                         if line.strip()]
                texts = [m["text"] for m in lines if m.get("channel") == "sms" and m.get("to") == phone]
                if texts:
                    found = re.search(r"(?<!\d)(\d{6})(?!\d)", texts[-1])
                    assert found, f"no 6-digit code in the SMS text: {texts[-1]!r}"
                    return found.group(1)
            if time.monotonic() > deadline:
                raise AssertionError(f"no SMS to {phone} in {outbox}")
            time.sleep(0.05)


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    from flask import got_request_exception
    from werkzeug.serving import make_server

    import webapp
    from storage import migrate

    data_dir = tmp_path_factory.mktemp("duibiao-data")
    with pytest.MonkeyPatch.context() as patch:
        # config.from_environment() runs before test_config applies: keep it out of ./instance.
        patch.setenv("DUIBIAO_DATA_DIR", str(data_dir))
        patch.delenv("DUIBIAO_DATABASE_URL", raising=False)
        app = webapp.create_app({
            "TESTING": True,
            "DATABASE_URL": f"sqlite:///{data_dir}/db.sqlite",
            "DATA_DIR": str(data_dir),
            "CAPTCHA_TEST_MODE": True,
            "SCHEDULER_ENABLED": False,
        })
    engine = app.extensions["duibiao.engine"]
    migrate.upgrade(engine)
    with app.app_context():
        from demodata import accounts, pilots
        from tests.factories import remembered_password_hashes
        from webapp import cli, db

        session = db.session()
        cli.deploy_workflows(session)
        with remembered_password_hashes():
            accounts.load_accounts(session)
        pilots.load_pilots(session)
        db.commit()

    server = make_server("127.0.0.1", 0, app, threaded=True)
    live = LiveServer(url=f"http://127.0.0.1:{server.server_port}", data_dir=data_dir, app=app)

    def record(sender, exception, **extra):
        live.errors.append("".join(traceback.format_exception(exception)[-3:]))

    got_request_exception.connect(record, app)
    thread = threading.Thread(target=server.serve_forever, name="duibiao-live-server", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        got_request_exception.disconnect(record, app)
        app.extensions["duibiao.sessions"].remove()
        engine.dispose()


def browser_required() -> bool:
    """Under CI (``CI=true``) or with ``DUIBIAO_REQUIRE_BROWSER=1`` a browser test never skips."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("DUIBIAO_REQUIRE_BROWSER") == "1"


def chromium_executable() -> str:
    """Debian's chromium; without it the browser tests skip, or fail when a browser is required."""
    executable = shutil.which("chromium")
    if executable is not None:
        return executable
    reason = ("Debian's chromium is not installed (Playwright's own browser download is unavailable); "
              "`make test` installs it (scripts/system-deps.sh)")
    if browser_required():
        pytest.fail(f"{reason}, and CI=true / DUIBIAO_REQUIRE_BROWSER=1 require the browser tests to run",
                    pytrace=False)
    pytest.skip(reason)


_running: dict[str, object] = {}  # "playwright", "chromium": one Chromium for a run of browser files


@pytest.fixture(scope="module")
def browser():
    """Chromium, started once for the browser files a worker runs one after the other (starting Playwright
    and Chromium takes ~1.5 s) and stopped after the last of them: Playwright's sync API leaves an event
    loop running in the thread, which the other tests must not meet. Each test opens its own contexts."""
    executable = chromium_executable()
    if "chromium" not in _running:
        from playwright.sync_api import sync_playwright

        _running["playwright"] = playwright = sync_playwright().start()
        _running["chromium"] = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield _running["chromium"]


def _stop_browser() -> None:
    chromium, playwright = _running.pop("chromium", None), _running.pop("playwright", None)
    if chromium is not None:
        chromium.close()
    if playwright is not None:
        playwright.stop()


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item, nextitem):
    """After a browser test, unless the next test is one too (the fixtures are torn down already)."""
    if nextitem is None or Path(nextitem.path).parent != Path(item.path).parent:
        _stop_browser()


def pytest_sessionfinish(session):
    _stop_browser()


@pytest.fixture
def new_context(browser, live_server):
    """Open fresh browser contexts (separate cookie jars): returns (context, page, js_errors)."""
    contexts = []

    def open_context():
        context = browser.new_context(base_url=live_server.url, locale="zh-CN", accept_downloads=True,
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        js_errors: list[str] = []
        page.on("pageerror", lambda error: js_errors.append(str(error)))
        return context, page, js_errors

    yield open_context
    for context in contexts:
        context.close()


@pytest.fixture
def shot(tmp_path):
    """Save a full-page screenshot per step into the test's tmp dir (for debugging only)."""
    counter = iter(range(1, 100))

    def take(page, name: str) -> Path:
        path = tmp_path / f"{next(counter):02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def make_pdf():
    return write_minimal_pdf


def write_minimal_pdf(path: Path, text: str = "Duibiao test") -> bytes:
    """A one-page PDF written by hand: header, four objects, a correct xref table, trailer, %%EOF."""
    stream = f"BT /F1 18 Tf 72 720 Td ({text}) Tj ET".encode("ascii")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref_at = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode()
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    data = bytes(out)
    path.write_bytes(data)
    return data


@pytest.fixture(scope="module")
def published_plans(live_server):
    """The demo plans, driven through enrolment, review and 公示 to 发布 by the real processes."""
    from demodata import plans as demo_plans
    from webapp import db

    with live_server.app.app_context():
        factory = live_server.app.extensions["duibiao.sessions"].session_factory
        demo_plans.load_plans(db.session(), factory, db.file_store())
        db.commit()
    return live_server


@pytest.fixture(scope="session", autouse=True)
def manual_screenshot_scratch(tmp_path_factory):
    """The manuals' pictures go to pytest's tmp dir unless DUIBIAO_MANUAL_SCREENSHOTS=1 (manual_screenshots.py)."""
    from tests.browser import manual_screenshots

    manual_screenshots.use_scratch_dir(tmp_path_factory.mktemp("manual-screenshots"))
