"""Issue 17: switched to English, no page shows Chinese — every GET page, as every principal.

The world is the authorisation matrix's (tests/security/conftest.py: the demo plus a few open objects,
ten principals logged in). Each principal's browser gets the ``locale=en`` cookie the header's switch
sets; every GET route the matrix says the principal may open (cell ``200``, pages only, not /api/) is
requested, and the visible text (text nodes, and the title / placeholder / aria-label / alt attributes
and button values; scripts and styles are not text) must hold no CJK character; nor may the CSV export
of any list these pages link to.

What may stay Chinese — data, not interface (the narrow rule, nothing else is excused):
- values stored in the database by people (``DATA_TABLES``: organisation names, titles, products,
  remarks, file names, article text…, a process instance's subject, written from its record when it
  starts, and a 我的消息 notice rendered once in its recipient's language — the new-task ones; a notice
  kept as words, the platform's outcome notices, is not excused), matched whole: a CJK run is removed
  only where a stored value holds it entirely;
- what process designers write as test material: the scenario files (workflows/scenarios, a version's
  or a draft's ``scenarios``) and the sample records 试运行 starts with (forms/scenarios/starters.py);
- the header's language switch, whose Chinese choice is named in Chinese (``lang="zh-CN"``).
Process definitions, form definitions and the 数据字典's shipped labels are NOT data: their words
are translated; nor are the GB/T 2260 region and GB/T 4754 industry names (forms/data holds them in
English too, shown in the reader's language): they are not excused.
"""
from __future__ import annotations

import ast
import csv
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from lxml import html as lxml_html
from sqlalchemy import inspect, select

from engine.domain import operations
from storage.db import Base
from tests.security.conftest import PRINCIPALS, world  # noqa: F401 — the matrix's world, reused
from tests.security.matrix import MATRIX
from tests.security.probe import split_key, url_for_key

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
ATTRIBUTES = ("title", "placeholder", "aria-label", "alt", "data-confirm")
# Tables whose text people typed or uploaded: shown as they were written.
DATA_TABLES = (
    "organization", "organization_status_change", "user_account", "enterprise_profile", "institution_profile",
    "service_profile", "service_profile_field", "registration_submission", "stored_file", "plan", "plan_comment",
    "plan_co_drafter", "plan_document", "plan_search", "plan_submission", "indicator", "application",
    "application_report", "application_submission", "evaluation", "measurement", "certificate", "declaration",
    "declaration_indicator", "pilot", "pilot_file", "enrollment", "enrollment_file", "enrollment_submission",
    "article", "org_chart", "org_chart_node", "team_audit", "team_invitation", "form_submission",
    "form_submission_file", "submission_file", "design_audit",
)


def _leaves(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _leaves(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _leaves(item)
    elif isinstance(value, str):
        if value[:1] in "[{":
            try:
                yield from _leaves(json.loads(value))
                return
            except ValueError:
                pass
        yield value


def data_values(engine) -> list[str]:
    """Every text people stored with Chinese in it, whitespace collapsed, longest first (see the docstring)."""
    found: set[str] = set()
    present = set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name in present and table.name in DATA_TABLES and _text_columns(table):
                columns = _text_columns(table)
                for row in connection.execute(select(*columns)):
                    for value in row:
                        found.update(leaf for leaf in _leaves(value) if CJK.search(leaf))
            elif table.name == "message":  # a notice written in its reader's language then (new-task ones)
                found.update(value for row in connection.execute(
                    select(table.c.title, table.c.body).where(table.c.words.is_(None))) for value in row if value)
            elif table.name == "process_instance":
                found.update(subject for (subject,) in connection.execute(select(table.c.subject)) if subject)
            elif table.name in present and table.name in ("process_definition", "process_draft"):
                for (scenarios,) in connection.execute(select(table.c.scenarios)):
                    found.update(_yaml_texts(scenarios or {}))
    found.update(_yaml_texts({p.name: p.read_text("utf-8") for p in (ROOT / "workflows/scenarios").rglob("*.yaml")}))
    found.update(_string_literals(ROOT / "forms/scenarios/starters.py"))
    return sorted({" ".join(v.split()) for v in found if v.strip()}, key=len, reverse=True)


def _text_columns(table) -> list:
    return [c for c in table.columns if _python_type(c) not in (int, float, bool, bytes, datetime, date, Decimal)]


def _python_type(column):
    try:
        return column.type.python_type
    except NotImplementedError:  # a custom type (JSON kept as text…): read it too
        return None


def _yaml_texts(files: dict) -> set[str]:
    texts = set()
    for source in files.values():
        texts.add(source)
        texts.update(leaf for leaf in _leaves(yaml.safe_load(source)) if CJK.search(leaf))
        texts.update(line.strip() for line in source.splitlines() if CJK.search(line))
    return texts


def _string_literals(path: Path) -> set[str]:
    return {node.value for node in ast.walk(ast.parse(path.read_text("utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value)}


def visible_texts(body: str) -> list[str]:
    tree = lxml_html.fromstring(body)
    not_text = "//script | //style | //template"
    switch_chinese = "//*[contains(@class, 'language-switch')]//*[@lang='zh-CN']"  # 中文, named in itself
    for element in tree.xpath(f"{not_text} | {switch_chinese}"):
        element.drop_tree()
    texts = list(tree.xpath("//text()"))
    for name in ATTRIBUTES:
        texts += tree.xpath(f"//@{name}")
    texts += tree.xpath("//input[@type='submit' or @type='button']/@value")
    return [" ".join(t.split()) for t in texts if CJK.search(t)]


def leftover_chinese(text: str, data: list[str]) -> list[str]:
    """The CJK runs of ``text`` that no stored value explains."""
    for value in data:
        if value in text:
            text = text.replace(value, " ")
            if not CJK.search(text):
                return []
    return CJK.findall(text)


def english_pages(world):  # noqa: F811
    rules = {rule.endpoint: rule for rule in world.app.url_map.iter_rules()}
    for key, cells in MATRIX.items():
        method, rest = key.split(" ", 1)
        endpoint, overrides = split_key(rest)
        rule = rules.get(endpoint)
        if method != "GET" or rule is None or rule.rule.startswith(("/api/", "/static/")):
            continue
        for principal, cell in zip(PRINCIPALS, cells.split(), strict=True):
            if cell == "200":
                yield principal, url_for_key(world, rule, overrides)


def test_no_chinese_on_any_english_page(world):  # noqa: F811
    # The stage filters offer the stages of every version this process has read: forget those of other
    # tests' databases (a designer's new stage in a browser test, say), keep this world's.
    operations.forget_read_versions()
    data = data_values(world.engine)
    for client in world.clients.values():
        client.set_cookie("locale", "en")
    found: dict[str, set[str]] = {}
    seen, exports = set(), set()
    try:
        for principal, url in english_pages(world):
            if (principal, url) in seen:
                continue
            seen.add((principal, url))
            response = world.clients[principal].get(url)
            body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
            response.close()
            if response.status_code != 200 or not body:
                continue
            assert 'lang="en"' in body[:200], url
            for text in visible_texts(body):
                if leftover_chinese(text, data):
                    found.setdefault(text[:120], set()).add(url)
            exports.update((principal, link) for link in lxml_html.fromstring(body).xpath(
                "//a[contains(@href, 'export=csv')]/@href"))
        for principal, link in sorted(exports):  # the lists' CSV exports: headers and words in English too
            response = world.clients[principal].get(link)
            for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))):
                for cell in row:
                    if leftover_chinese(" ".join(cell.split()), data):
                        found.setdefault(cell[:120], set()).add(link)
            response.close()
    finally:
        for client in world.clients.values():
            client.delete_cookie("locale")
    report = "\n".join(f"{text!r}  ({', '.join(sorted(urls)[:3])})" for text, urls in sorted(found.items()))
    assert not found, f"Chinese on English pages (translate it or wrap it in _()):\n{report}"
    assert len(seen) > 100 and len(exports) > 5, (len(seen), sorted(exports))
