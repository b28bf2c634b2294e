"""A page past the last one is clamped to the last page, wherever the Pager is used."""
from __future__ import annotations

import pytest
from werkzeug.exceptions import HTTPException

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


def _rows(count: int):
    """A service's page reader over ``count`` numbered rows: (rows of the page, total)."""
    return lambda page, per_page: (list(range(count))[(page - 1) * per_page:page * per_page], count)


def test_pages_within_range_are_kept(app):
    with app.test_request_context("/tasks/?page=2"):
        pager = Pager(_rows(41), 20)
        assert (pager.page, pager.pages, pager.total, pager.items) == (2, 3, 41, list(range(20, 40)))
    with app.test_request_context("/tasks/"):
        assert (Pager(_rows(0), 20).page, Pager(_rows(0), 20).pages) == (1, 1)
    with app.test_request_context("/tasks/?page=9", method="POST"):
        pager = Pager(_rows(41), 20)  # no redirect outside a GET: the last page is read and shown
        assert (pager.page, pager.items) == (3, [40])


def test_a_pager_knows_its_own_argument(app):
    """A second list on a page has its own argument; a page past its end goes to its last page,
    the other list's page kept."""
    with app.test_request_context("/my/enrollments?page=2&applications_page=3"):
        pager = Pager(_rows(41), 20, arg="applications_page")
        assert (pager.arg, pager.page, pager.items) == ("applications_page", 3, [40])
    with app.test_request_context("/my/enrollments?page=2&applications_page=9"):
        with pytest.raises(HTTPException) as raised:
            Pager(_rows(41), 20, arg="applications_page")
        answer = raised.value.get_response()
        assert answer.status_code == 302
        assert answer.headers["Location"] == "/my/enrollments?page=2&applications_page=3"
