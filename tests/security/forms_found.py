"""The forms a principal can reach: every page the matrix serves it (200) is read and its <form>s kept,
with the values the page itself fills in (the baseline a hostile value replaces)."""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from lxml import html as lxml_html

from tests.security.conftest import PRINCIPALS
from tests.security.matrix import MATRIX
from tests.security.probe import send, split_key, url_for_key

TEXT_TYPES = {"text", "email", "tel", "number", "date", "search", "url", "password", "month", "datetime-local", ""}
SKIPPED_ACTIONS = ("/logout",)
# Pages that run every scenario of the draft (a second each): their one text field (备注 of 部署) is the
# note the upload form also has.
NOT_CRAWLED = {"design.deploy", "design.draft_scenarios", "static"}


@dataclass
class FoundForm:
    principal: str
    page: str
    action: str
    method: str
    values: dict[str, list[str]] = field(default_factory=dict)  # what the page posts as it stands
    text_fields: list[str] = field(default_factory=list)  # where a hostile value goes
    file_fields: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple:
        return self.method, urlsplit(self.action).path, tuple(sorted(self.text_fields)), tuple(self.file_fields)


def _first_option(select) -> str:
    chosen = select.xpath("./option[@selected]/@value | ./optgroup/option[@selected]/@value")
    if chosen:
        return chosen[0]
    options = [v for v in select.xpath(".//option/@value") if v]
    return options[0] if options else ""


def read_form(principal: str, page_url: str, form) -> FoundForm:
    found = FoundForm(principal, page_url, form.get("action") or page_url, (form.get("method") or "get").upper())
    for element in form.xpath(".//input[@name] | .//textarea[@name] | .//select[@name]"):
        name, kind = element.get("name"), (element.get("type") or "").lower()
        if element.tag == "select":
            found.values.setdefault(name, []).append(_first_option(element))
        elif element.tag == "textarea":
            found.values.setdefault(name, []).append(element.text or "")
            found.text_fields.append(name)
        elif kind == "file":
            found.file_fields.append(name)
        elif kind in ("checkbox", "radio"):
            if element.get("checked") is not None or (kind == "radio" and name not in found.values):
                found.values.setdefault(name, []).append(element.get("value") or "on")
        elif kind in ("submit", "button", "image", "reset"):
            continue
        else:
            found.values.setdefault(name, []).append(element.get("value") or "")
            if kind in TEXT_TYPES and name != "csrf_token":
                found.text_fields.append(name)
    found.text_fields = list(dict.fromkeys(found.text_fields))
    return found


# Principals of one group see the same forms (B's are A's): the first of each group that is served reads them.
GROUPS = {"anon": "anon", "A": "enterprise", "B": "enterprise", "X": "institution", "Y": "institution",
          "office": "office", "designer": "designer", "operator": "operator", "pending": "outside",
          "disabled": "outside"}


def pages_served(world) -> list[tuple[str, str]]:
    """(principal, url) of the page lines of the matrix answering 200, one principal per group, and the
    open tasks each principal may act on."""
    rules = {rule.endpoint: rule for rule in world.app.url_map.iter_rules()}
    pages = [(principal, f"/tasks/{task_id}") for principal, task_id in world.open_tasks()]
    for key, cells in MATRIX.items():
        method, rest = key.split(" ", 1)
        endpoint, overrides = split_key(rest)
        url = url_for_key(world, rules[endpoint], overrides)
        if method != "GET" or url.startswith("/api/") or endpoint in NOT_CRAWLED:
            continue
        served = {}
        for principal, cell in zip(PRINCIPALS, cells.split(), strict=True):
            if cell == "200":
                served.setdefault(GROUPS[principal], principal)
        pages += [(principal, url) for principal in served.values()]
    return list(dict.fromkeys(pages))


def reachable_forms(world) -> list[FoundForm]:
    """One FoundForm per distinct form (method, action, fields), from the first principal reaching it."""
    forms: dict[tuple, FoundForm] = {}
    for principal, url in pages_served(world):
        response = send(world, principal, "GET", url)
        if response.mimetype != "text/html":
            continue
        for form in lxml_html.fromstring(response.get_data(as_text=True)).xpath("//form"):
            found = read_form(principal, url, form)
            if found.action.startswith(SKIPPED_ACTIONS) or not (found.text_fields or found.file_fields):
                continue
            forms.setdefault(found.key, found)
    return list(forms.values())
