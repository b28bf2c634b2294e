"""Issue 14: the authorisation matrix (tests/security/matrix.py) holds for every route and principal.

Every route of the URL map needs a line in the matrix; every line is requested as each of the ten
principals against the objects of A and X, and compared cell by cell. A forbidden POST must leave
every table as it was; nothing may answer 500 or show a traceback.
"""
from __future__ import annotations

import pytest

from tests.security.conftest import PRINCIPALS, SECRETS
from tests.security.matrix import MATRIX
from tests.security.probe import outcome, send, split_key, url_for_key

pytestmark = pytest.mark.slow
METHODS = ("GET", "POST")
SHORT = {"login": "L", "status": "S", "redirect": "R"}
TRACEBACK_MARKERS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "werkzeug.exceptions")


def rules_by_endpoint(app) -> dict[str, object]:
    return {rule.endpoint: rule for rule in app.url_map.iter_rules()}


def cell(response) -> str:
    got = outcome(response)
    return SHORT.get(got, got)


def observed_line(world, method: str, rule) -> str:
    """The line to paste for a route without one: what each principal gets today."""
    url = url_for_key(world, rule, {})
    cells = []
    for principal in PRINCIPALS:
        cells.append(cell(send(world, principal, method, url)))
        if method == "POST":
            world.restore()
    key = f'"{method} {rule.endpoint}":'
    return f'    {key:<62} "{" ".join(c.ljust(4) for c in cells).rstrip()}",'


def test_every_route_has_an_entry(world):
    rules = rules_by_endpoint(world.app)
    listed = {_method_endpoint(key) for key in MATRIX}
    missing = [(method, rule) for rule in rules.values() for method in METHODS
               if method in rule.methods and (method, rule.endpoint) not in listed]
    stale = sorted(f"{method} {endpoint}" for method, endpoint in listed
                   if endpoint not in rules or method not in rules[endpoint].methods)
    lines = [observed_line(world, method, rule) for method, rule in missing]
    assert not lines, ("routes without a line in tests/security/matrix.py — add these (cells are what each "
                       "principal gets today: check every one before pasting):\n" + "\n".join(lines))
    assert not stale, f"lines in tests/security/matrix.py for routes that no longer exist: {stale}"


def _method_endpoint(key: str) -> tuple[str, str]:
    method, rest = key.split(" ", 1)
    return method, split_key(rest)[0]


class Ledger:
    """What the matrix run found, and the figures docs/security.md quotes."""

    def __init__(self):
        self.wrong, self.changed, self.crashed = [], [], []
        self.requests = self.posts_unchanged = 0

    def check_body(self, key: str, principal: str, response) -> None:
        body = response.get_data(as_text=True) if response.mimetype.startswith(("text/", "application/json")) else ""
        if response.status_code >= 500 or any(marker in body for marker in TRACEBACK_MARKERS):
            self.crashed.append(f"{key} as {principal}: {response.status_code}")


def run_line(world, ledger: Ledger, key: str, cells: str, rules) -> None:
    method, rest = key.split(" ", 1)
    endpoint, overrides = split_key(rest)
    url = url_for_key(world, rules[endpoint], overrides)
    expected = cells.split()
    assert len(expected) == len(PRINCIPALS), f"{key}: {len(expected)} cells, not {len(PRINCIPALS)}"
    for principal, want in zip(PRINCIPALS, expected, strict=True):
        may_change = want.endswith("*")
        before = world.fingerprint_now() if method == "POST" else None
        response = send(world, principal, method, url)
        ledger.requests += 1
        ledger.check_body(key, principal, response)
        got = cell(response)
        if got != want.rstrip("*"):
            ledger.wrong.append(f"{key} ({url}) as {principal}: expected {want.rstrip('*')}, got {got}")
        if method == "POST":
            check_unchanged(world, ledger, f"{key} as {principal}", before, may_change)


def check_unchanged(world, ledger: Ledger, what: str, before: dict, may_change: bool) -> None:
    """A POST not marked * left every table as it was; whatever it wrote is undone for the next."""
    if may_change:
        world.restore(dry_runs=True)
        return
    after = world.fingerprint_now()
    if after is before:  # nothing committed at all
        ledger.posts_unchanged += 1
        return
    changed = sorted(table for table in before if before[table] != after.get(table))
    if changed:
        ledger.changed.append(f"{what} changed {changed}")
    else:
        ledger.posts_unchanged += 1
    world.restore()  # counters and stamps (VOLATILE) too: the next request meets the same world


def test_each_principal_gets_what_the_matrix_says(world, record_property):
    rules = rules_by_endpoint(world.app)
    ledger = Ledger()
    for key, cells in MATRIX.items():
        run_line(world, ledger, key, cells, rules)
    routes = len(rules)
    record_property("security:matrix", {
        "routes": routes, "lines": len(MATRIX), "principals": len(PRINCIPALS),
        "cells": len(MATRIX) * len(PRINCIPALS), "requests": ledger.requests,
        "posts_unchanged": ledger.posts_unchanged})
    print(f"\nauthorisation matrix: {routes} routes, {len(MATRIX)} lines × {len(PRINCIPALS)} principals = "
          f"{len(MATRIX) * len(PRINCIPALS)} cells, {ledger.requests} requests, "
          f"{ledger.posts_unchanged} POSTs left the database unchanged")
    assert not ledger.crashed, "500 or traceback:\n" + "\n".join(ledger.crashed) + "\n" + "\n".join(world.errors)
    assert not ledger.wrong, f"{len(ledger.wrong)} cells differ from tests/security/matrix.py:\n" + "\n".join(
        ledger.wrong)
    assert not ledger.changed, "POSTs not marked * changed the database:\n" + "\n".join(ledger.changed)


# Who must never read A's or X's secret (SECRETS) on any page or API answer the matrix serves them.
OUTSIDERS = {"A": ("anon", "B", "Y", "pending", "disabled"), "X": ("anon", "A", "B", "Y", "pending", "disabled")}


def test_no_page_shows_another_organisations_data(world, record_property):
    """Status codes are not enough: a list that answers 200 to B must not hold A's rows. Every page and
    API answer the matrix serves an outsider is searched for A's and X's secrets."""
    rules = rules_by_endpoint(world.app)
    leaks, opened = [], 0
    for key, cells in MATRIX.items():
        method, rest = key.split(" ", 1)
        endpoint, overrides = split_key(rest)
        if method != "GET" or endpoint == "static":
            continue
        url = url_for_key(world, rules[endpoint], overrides)
        for principal, want in zip(PRINCIPALS, cells.split(), strict=True):
            if want != "200" or not any(principal in outsiders for outsiders in OUTSIDERS.values()):
                continue
            body = send(world, principal, method, url).get_data()
            opened += 1
            leaks += [f"{url} as {principal} shows {owner}'s {SECRETS[owner]}" for owner, outsiders in OUTSIDERS.items()
                      if principal in outsiders and SECRETS[owner].encode() in body]
    record_property("security:leaks", {"answers_searched": opened})
    assert opened > 200, opened
    assert not leaks, "\n".join(leaks)
    # The secrets are on the pages of those who may read them (else this test could not fail).
    assert SECRETS["A"] in send(world, "X", "GET", f"/my/applications/{world.ids['a_open_app']}").get_data(as_text=True)
    office_tasks = [f"/tasks/{task_id}" for principal, task_id in world.open_tasks() if principal == "office"]
    assert any(SECRETS["X"] in send(world, "office", "GET", url).get_data(as_text=True) for url in office_tasks)
