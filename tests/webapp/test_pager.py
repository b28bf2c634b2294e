"""A page past the last one is clamped to the last page, wherever the Pager is used."""
from __future__ import annotations

import pytest

from tests.webapp.helpers import page, text_of
from webapp.views_util import Pager


@pytest.mark.parametrize("url, expected", [
    ("/tasks/?page=99999", "/tasks/?page=1"),
    ("/tasks/done?page=3", "/tasks/done?page=1"),
    ("/office/articles?page=99999&status=draft", "/office/articles?status=draft&page=1"),
    ("/plans/?page=99999&q=abc", "/plans/?q=abc&page=1"),
    ("/news/?column=notice&page=7", "/news/?column=notice&page=1"),
])
def test_a_page_past_the_end_goes_to_the_last_page(office_client, url, expected):
    response = office_client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == expected
    last = office_client.get(expected)
    assert last.status_code == 200
    assert "当前 1 / 20 条" in text_of(last) and "当前 10000" not in text_of(last)


def test_the_last_page_serves_its_rows(office_client, new_applicant):
    for n in range(3):
        new_applicant(f"p{n}@test.cn", name=f"分页{n}科技有限公司", phone=f"1390000010{n}")
    response = office_client.get("/tasks/?page=99999", follow_redirects=True)
    assert len(page(response).xpath("//tr[@data-task-id]")) == 3
    assert "当前 1 / 20 条, 共 3 条" in text_of(response)


def test_pages_within_range_are_kept(app):
    assert Pager(2, 20, 41).page == 2
    assert Pager(1, 20, 0).page == 1
    with app.test_request_context("/tasks/?page=9", method="POST"):
        assert Pager(9, 20, 41).page == 3  # no redirect outside a GET: the number shown is clamped
    assert Pager(9, 20, 41).page == 3
