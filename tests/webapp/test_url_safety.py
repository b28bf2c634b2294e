"""What a URL can carry never makes a 500: search texts with FTS5 syntax or control characters,
and ids beyond what a database column holds."""
from __future__ import annotations

import re

import pytest

from webapp.views_util import ID_MAX, BoundedIntConverter

# Texts that break an FTS5 MATCH or a PostgreSQL text parameter when passed as they are.
NASTY = ["abc\x00", "\x00", "a\x01b\x1fc", '"', '"abc', 'a"b"c', "abc*", "^abc", "a OR b", "NEAR(a b)",
         "col:abc", "(((", ")", "-abc", "%_\\", "'; --", "abc\x7f", "电动\x00自行车", "   ", "a" * 500]

PUBLIC_SEARCHES = ["/plans/", "/results/", "/declarations/"]
OFFICE_SEARCHES = ["/office/organizations/"]


def _assert_searchable(client, path: str) -> None:
    for text in NASTY:
        response = client.get(path, query_string={"q": text})
        assert response.status_code == 200, (path, text, response.status_code)


def test_public_searches_take_any_text(client):
    for path in PUBLIC_SEARCHES:
        _assert_searchable(client, path)
    assert client.get("/plans/?q=abc%00").status_code == 200  # the reported URL, as typed


def test_the_office_directory_takes_any_text(office_client):
    for path in OFFICE_SEARCHES:
        _assert_searchable(office_client, path)


def test_the_co_drafter_search_takes_any_text(client, office):
    from tests.webapp.helpers import OFFICE_EMAIL, OFFICE_PASSWORD, api_token

    headers = api_token(client, OFFICE_EMAIL, OFFICE_PASSWORD)
    for text in NASTY:
        response = client.get("/api/v1/enterprises", query_string={"q": text}, headers=headers)
        assert response.status_code == 200, (text, response.status_code)


def _int_rules(app) -> list:
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(c, BoundedIntConverter) for c in rule._converters.values())]


def _path(rule, number: int) -> str:
    """The rule's path with every int argument ``number`` and any other argument ``x``."""
    path = re.sub(r"<int:[^>]+>", str(number), rule.rule)
    return re.sub(r"<[^>]+>", "x", path)


def test_every_int_argument_is_bounded(app):
    int_arguments = [(rule.rule, name) for rule in app.url_map.iter_rules()
                     for name, converter in rule._converters.items() if type(converter).__name__ == "IntegerConverter"]
    assert int_arguments == []  # none escaped the app's converter
    assert len(_int_rules(app)) > 30


@pytest.mark.parametrize("who", ["anonymous", "office"])
def test_ids_beyond_any_id_column_are_404_on_every_route(app, client, office_client, who):
    browser = client if who == "anonymous" else office_client
    for rule in _int_rules(app):
        for number in (ID_MAX + 1, 2 ** 63, 2 ** 64, 10 ** 30):
            path = _path(rule, number)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                response = browser.open(path, method=method)
                assert response.status_code in (404, 405), (method, path, response.status_code)
        largest = _path(rule, ID_MAX)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert browser.open(largest, method=method).status_code != 500, (method, largest)


def test_a_form_post_with_nul_is_refused_not_a_500(client):
    response = client.post("/login", data={"email": "a\x00b@test.cn", "password": "x", "captcha": "PASSED"})
    assert response.status_code == 400
    assert "请求有误" in response.get_data(as_text=True)
