"""Reading pages and driving the forms of the web layer (no fixtures here: see conftest.py)."""
from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lxml import html as lxml_html
from sqlalchemy import event, func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from storage.models import HumanTask
from tests import factories
from tests.factories import PDF_BYTES

OFFICE_EMAIL, OFFICE_PASSWORD = "office@test.cn", "Office#123"
APPLICANT_EMAIL, APPLICANT_PASSWORD = "applicant@test.cn", "Secret#123"
OTHER_EMAIL, OTHER_PASSWORD = "other@test.cn", "Other#1234"
PHONE = "13912345678"
CJK = re.compile(r"[\u4e00-\u9fff]")


# --- the SQL a request runs ----------------------------------------------------------------


@contextmanager
def recorded_statements(app) -> Iterator[list[str]]:
    """The SQL statements the app runs inside the block, on each of its pools (on PostgreSQL the durable
    writes, the API's rate-limit count and a token's use, go through a pool of their own)."""
    engines = [app.extensions[name] for name in ("duibiao.engine", "duibiao.durable_engine") if name in app.extensions]
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    for engine in engines:
        event.listen(engine, "before_cursor_execute", listener)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", listener)


def statements_of(app, client, url: str):
    """The response to GET ``url`` (200) and the SQL statements the app ran for it."""
    with recorded_statements(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return response, statements


# --- the outbox ----------------------------------------------------------------------------


def outbox_path(app) -> Path:
    return Path(app.config["DATA_DIR"]) / "outbox.jsonl"


def outbox(app, channel: str | None = None) -> list[dict]:
    path = outbox_path(app)
    if not path.exists():
        return []
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [line for line in lines if channel is None or line["channel"] == channel]


def sms_codes(app, phone: str = PHONE) -> list[str]:
    codes = []
    for message in outbox(app, "sms"):
        if message["to"] == phone:
            found = re.search(r"(?<!\d)(\d{6})(?!\d)", message["text"])
            assert found, message["text"]
            codes.append(found.group(1))
    return codes


def request_sms_code(client, app, phone: str = PHONE) -> str:
    response = client.post("/register/sms-code", data={"phone": phone})
    assert response.status_code == 200, response.get_json()
    return sms_codes(app, phone)[-1]


# --- reading pages -------------------------------------------------------------------------


def page(response):
    return lxml_html.fromstring(response.get_data(as_text=True))


def field_errors(response) -> dict[str, list[str]]:
    """The messages shown at each field (``data-field-error="<field>"``)."""
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


def input_value(response, name: str) -> str | None:
    found = page(response).xpath(f"//input[@name='{name}']")
    return found[0].get("value") if found else None


def csrf_token(response) -> str:
    token = input_value(response, "csrf_token")
    assert token, "the page has no csrf_token field"
    return token


# --- logging in ----------------------------------------------------------------------------


def login(client, email: str, password: str, captcha: str = "PASSED", **kwargs):
    return client.post("/login", data={"email": email, "password": password, "captcha": captcha},
                       **kwargs)


def logged_in(client, email: str, password: str):
    response = login(client, email, password)
    assert response.status_code == 302, field_errors(response)
    return client


# --- forms ---------------------------------------------------------------------------------


def pdf(name: str = "营业执照.pdf", data: bytes = PDF_BYTES, content_type: str = "application/pdf"):
    return (io.BytesIO(data), name, content_type)


def registration_form(sms_code: str, **overrides) -> dict:
    """A complete 注册 form for an enterprise; ``None`` drops a field."""
    form = {
        "user_type": "enterprise", "email": "new@test.cn", "password": "Abcd1234!",
        "password_confirm": "Abcd1234!", "province_code": "440000", "city_code": "440300",
        "name": "深圳新注册科技有限公司", "contact": "张三", "phone": PHONE,
        "business_license": pdf(), "sms_code": sms_code,
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


def multipart(form: dict) -> dict:
    """Keyword arguments of ``client.post`` for a multipart body encoded in memory.

    (The test client would spool a body over 500 KB to a temporary file it never
    closes, which the warnings-as-errors setting turns into a failure.)
    """
    values = MultiDict()
    for key, value in form.items():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, tuple):
                stream, name, content_type = item
                stream.seek(0)  # parametrised data is reused on every database backend
                item = FileStorage(stream=stream, filename=name, content_type=content_type)
            values.add(key, item)
    boundary, body = encode_multipart(values)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def post_registration(client, form: dict):
    return client.post("/register", **multipart(form))


# --- the database --------------------------------------------------------------------------


def count(session_factory, model, *where) -> int:
    with session_factory() as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def first(session_factory, statement):
    with session_factory() as session:
        return session.scalars(statement).first()


def all_rows(session_factory, statement) -> list:
    with session_factory() as session:
        return list(session.scalars(statement))


def ready_tasks(session_factory, instance_id: int | None = None) -> list[HumanTask]:
    statement = select(HumanTask).where(HumanTask.state == "ready").order_by(HumanTask.id)
    if instance_id is not None:
        statement = statement.where(HumanTask.instance_id == instance_id)
    return all_rows(session_factory, statement)


def open_task(session_factory, instance_id: int) -> HumanTask:
    tasks = ready_tasks(session_factory, instance_id)
    assert len(tasks) == 1, [t.task_name for t in tasks]
    return tasks[0]


def decide(client, task_id: int, decision: str, reason: str = "", **kwargs):
    """The office's 注册审核 form."""
    data = {"decision": decision, "reason": reason}
    return client.post(f"/tasks/{task_id}", data=data, **kwargs)


def api_token(client, email: str, password: str) -> dict:
    response = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


# --- fast fixtures -------------------------------------------------------------------------

remembered_password_hashes = factories.remembered_password_hashes  # where the fixtures' users are made
