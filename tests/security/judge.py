"""Judging one answer to a hostile input: no 500 and no traceback, the value never reflected unescaped
into a page, refused with a message and nothing stored — or accepted and shown escaped."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import html as lxml_html

from storage.db import Base
from tests.security.conftest import VOLATILE
from tests.security.corpus import escapes_html

TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "werkzeug.exceptions",
                     "psycopg.errors", "sqlite3.")
CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass
class Tally:
    """What the corpus run did and found (the figures docs/security.md quotes)."""

    requests: int = 0
    refused: int = 0
    accepted: int = 0
    used: set = field(default_factory=set)  # (kind, value) of every input sent
    fields: set = field(default_factory=set)  # (action, field) of every field a value went into
    forms: int = 0  # page forms posted
    upload_fields: int = 0  # PDF upload fields
    problems: list[str] = field(default_factory=list)


def body_text(response) -> str:
    if response.mimetype.startswith("text/") or response.mimetype == "application/json":
        return response.get_data(as_text=True)
    return ""


def has_message(response) -> bool:
    """A refusal says why: a message at a field, an alert, the error page, or a JSON error."""
    body = body_text(response)
    if response.mimetype == "application/json":
        answer = response.get_json(silent=True)
        return isinstance(answer, dict) and bool(CJK.search(str(answer.get("error") or answer.get("errors") or "")))
    if not body:
        return False
    root = lxml_html.fromstring(body)
    shown = root.xpath("//*[@data-field-error] | //*[@role='alert'] | //*[contains(@class, 'invalid-feedback')]"
                       " | //*[contains(concat(' ', @class, ' '), ' alert ')] | //p[@class='lead']")
    return any(CJK.search(element.text_content()) for element in shown)


def reflected(response, values) -> list[str]:
    """The hostile values a page shows as they are (not escaped)."""
    if response.mimetype != "text/html":
        return []
    body = response.get_data(as_text=True)
    return [value for value in values if escapes_html(value) and value in body]


def nul_stored(world, tables) -> list[str]:
    """Tables that now hold a NUL character (PostgreSQL refuses them: a 500 there)."""
    found = []
    with world.engine.connect() as connection:
        for table in tables:
            for row in connection.execute(Base.metadata.tables[table].select()):
                if any(isinstance(value, str) and "\x00" in value for value in row):
                    found.append(table)
                    break
    return found


def changed_tables(before: dict, after: dict) -> list[str]:
    return sorted(table for table in before if before[table] != after.get(table) and table not in VOLATILE)


def follow(world, principal: str, response):
    """The page a redirect leads to, as the principal's browser would open it."""
    target = urlsplit(response.headers.get("Location", ""))
    if principal not in world.clients or not target.path:
        return None
    url = target.path + (f"?{target.query}" if target.query else "")
    answer = world.clients[principal].get(url)
    answer.get_data()
    answer.close()
    return answer


def judge(world, tally: Tally, what: str, principal: str, response, values: list[str], before: dict) -> str:
    """Check one answer (``before``: the fingerprint before it was sent); 'refused' or 'accepted'.
    Whatever was written is undone, so the next input meets the same world."""
    tally.requests += 1
    status = response.status_code
    body = body_text(response)
    if status >= 500 or any(marker in body for marker in TRACEBACK_MARKERS):
        tally.problems.append(f"{what}: {status} {body[:300]!r}")
    for value in reflected(response, values):
        tally.problems.append(f"{what}: {value[:60]!r} shown unescaped")
    while world.nul_sent:
        tally.problems.append(f"{what}: NUL sent to the database (PostgreSQL refuses it): {world.nul_sent.pop()}")
    after = world.fingerprint_now()
    changed = [] if after is before else changed_tables(before, after)
    if not changed:
        if after is not before:
            world.restore()  # counters and stamps only
        _refused_with_message(world, tally, what, principal, response)
        return "refused"
    tally.accepted += 1
    if status >= 400:
        tally.problems.append(f"{what}: refused with {status} but stored {changed}")
    for table in nul_stored(world, changed):
        tally.problems.append(f"{what}: NUL stored in {table}")
    if status in (301, 302, 303):
        shown = follow(world, principal, response)
        for value in reflected(shown, values) if shown is not None else []:
            tally.problems.append(f"{what}: stored {value[:60]!r} shown unescaped on {response.headers['Location']}")
    world.restore(dry_runs=True)
    return "accepted"


def _refused_with_message(world, tally: Tally, what: str, principal: str, response) -> None:
    tally.refused += 1
    if response.status_code in (301, 302, 303):
        response = follow(world, principal, response)
        if response is None or not has_message(response):
            return  # a redirect that changed nothing and says nothing: a search, a no-op
    if response.status_code >= 400 and not has_message(response):
        tally.problems.append(f"{what}: refused ({response.status_code}) without a message")
