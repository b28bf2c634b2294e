"""A list that stopped counting (engine.counting.COUNT_CAP past its page's first row) says so in its pager:
共 200+ 条 on page 1, and the next pages stay reachable."""
from __future__ import annotations

from flask import render_template_string

from engine.counting import COUNT_CAP, CappedCount
from webapp.views_util import Pager

PAGER = "{% from '_macros.html' import pager %}{{ pager(p, 'tasks.inbox') }}"


def test_a_capped_count_is_shown_with_a_plus_and_its_pages_stay_reachable(app):
    with app.test_request_context("/tasks/"):
        capped = Pager(lambda page, per_page: (list(range(per_page)), CappedCount(COUNT_CAP)), 20)
        html = render_template_string(PAGER, p=capped)
        assert "共 200+ 条" in html and (capped.page, capped.pages, capped.total_capped) == (1, 10, True)
    with app.test_request_context("/tasks/?page=50"):  # page 50 counts up to its own offset + COUNT_CAP
        deep = Pager(lambda page, per_page: (list(range(per_page)), CappedCount((page - 1) * per_page + COUNT_CAP)),
                     20)
        html = render_template_string(PAGER, p=deep)
        assert "共 1180+ 条" in html and (deep.page, deep.pages, deep.has_next) == (50, 59, True)
    with app.test_request_context("/tasks/"):
        exact = Pager(lambda page, per_page: (list(range(per_page)), COUNT_CAP), 20)
        html = render_template_string(PAGER, p=exact)
        assert "共 200 条" in html and "+" not in html.split("共")[1] and not exact.total_capped
