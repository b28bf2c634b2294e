"""What every template needs: times in China time, labels, the pager, the side menu."""
from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from urllib.parse import urlencode

from flask import Flask, abort, flash, has_request_context, redirect, request
from flask_login import current_user
from flask_sqlalchemy.pagination import Pagination
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from engine import clock, runtime, stages, text
from engine.domain.messages import unread_count
from webapp import db

csrf = CSRFProtect()


class Pager(Pagination):
    """The pager of a list: Flask-SQLAlchemy's ``Pagination`` (``items``, ``page``, ``per_page``,
    ``total``, ``pages``, ``has_prev`` / ``has_next``, ``iter_pages``) over what a service reads for
    one page, ``fetch(page, per_page) -> (rows, total)``, the page read from the query argument
    ``arg`` (``page``; a second list on the same page names its own, e.g. ``applications_page``).

    A page past the last one is never shown: a GET is redirected to the same URL with this pager's
    argument at the last page (the other arguments kept), anything else reads the last page, so the
    rows served and the number shown always agree."""

    def __init__(self, fetch: Callable[[int, int], tuple[Sequence, int]], per_page: int = 20,
                 arg: str = "page") -> None:
        self.arg = arg
        super().__init__(page=page_argument(arg), per_page=per_page, max_per_page=None, error_out=False,
                         fetch=fetch)
        if self.page <= self.pages:
            return
        if has_request_context() and request.method == "GET":
            abort(redirect(self.url_for_page(self.pages)))
        self.page = self.pages
        self.items = self._query_items()

    def _query_items(self) -> list:
        rows, self._total = self._query_args["fetch"](self.page, self.per_page)
        return list(rows)

    def _query_count(self) -> int:
        return self._total

    @property
    def total_capped(self) -> bool:
        """The service stopped counting (engine.counting.COUNT_CAP past the page's first row): 共 200+ 条."""
        return bool(getattr(self._total, "capped", False))

    @property
    def pages(self) -> int:
        """At least one: an empty list is page 1 of 1."""
        return max(1, math.ceil((self.total or 0) / self.per_page))

    def url_for_page(self, number: int) -> str:
        """This request's URL with this pager's argument at ``number`` (the others kept, in order)."""
        args = [(key, value) for key, value in request.args.items(multi=True) if key != self.arg]
        return f"{request.script_root}{request.path}?{urlencode([*args, (self.arg, number)])}"


def withdraw(task, *, refused: str, done: str) -> None:
    """撤回: deliver the BPMN message that interrupts the open ``task`` (None: nothing to withdraw), and
    say how it went.

    ``refused`` is flashed when the reviewer has already decided, ``done`` when the withdrawal went through
    (both already translated, whole sentences so that each language can word them its own way)."""
    try:
        runtime.withdraw(db.session(), task, current_user.id)
    except runtime.AlreadyHandled:
        db.rollback()
        flash(refused, "warning")
    else:
        db.commit()
        flash(done, "success")


def rollback_refused(exc) -> None:
    """Undo a request the domain refused, then write what the refusal keeps (``InputError.keep``)."""
    db.rollback()
    if exc.keep is not None:
        exc.keep(db.session())
        db.commit()


def show_at_fields(form, exc, fallback=None) -> list[str]:
    """Put each message of a domain refusal (``InputError.problems``) at its field, or at
    ``fallback`` when the form has no such field; returns the messages left without a field."""
    unplaced = []
    for name, message in exc.problems:
        target = form[name] if name in form else fallback
        if target is None:
            unplaced.append(message)
        else:
            target.errors = [*target.errors, message]
    return unplaced


def page_argument(arg: str = "page") -> int:
    """A page number from the query string (1 to 10000; anything else is 1)."""
    if not has_request_context():
        return 1
    try:
        return max(1, min(int(request.args.get(arg, 1)), 10_000))
    except ValueError:
        return 1


def bpmn_text(words: str | None) -> str:
    """Words a BPMN declares (a stage label, a task's name) in the reader's language: they are
    written in the source language, and `make messages` extracts them from workflows/*.bpmn. Also
    the platform's stored fixed words (a 我的消息 notice's title, marked N_ where it is sent); text
    not in the catalogue shows as stored."""
    return text.Text(words).localized() if words else ""


def china_time(moment, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return clock.to_china(moment).strftime(fmt) if moment else ""


ID_MAX = 2 ** 31 - 1  # the largest id of an INTEGER primary key on PostgreSQL


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` for the whole app: an id is at most what both databases' ``INTEGER`` id
    columns hold (PostgreSQL's is 32-bit), so a larger number is a 404, not an overflow in the
    database or its driver. Negative numbers never match (``signed=False``)."""

    def __init__(self, url_map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002 (werkzeug's names)
                 max: int | None = None, signed: bool = False) -> None:  # noqa: A002
        super().__init__(url_map, fixed_digits, min, ID_MAX if max is None else max, signed)


def json_object() -> dict | None:
    """The request's JSON body when it is an object; None for anything else — not JSON, a list or a
    string, or nested deeper than the parser goes (its RecursionError is not a ValueError, so
    ``get_json(silent=True)`` lets it through as a 500)."""
    try:
        body = request.get_json(silent=True)
    except RecursionError:
        return None
    return body if isinstance(body, dict) else None


def refuse_nul_in_forms():
    """A form post carrying NUL is refused before any view (PostgreSQL cannot store it: a 500 else)."""
    if request.method == "POST" and not request.path.startswith("/api/") and any(
            "\x00" in value for values in request.form.listvalues() for value in values):
        abort(400)


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedIntConverter  # before the blueprints add their rules
    app.before_request(refuse_nul_in_forms)
    csrf.init_app(app)
    app.jinja_env.filters["china_time"] = china_time
    app.jinja_env.filters["bpmn_text"] = bpmn_text
    app.jinja_env.filters["status_label"] = stages.status_label
    app.jinja_env.filters["filesize"] = lambda n: f"{n / 1024:.2f} KB" if n < 1024 * 1024 \
        else f"{n / 1024 / 1024:.2f} MB"

    @app.context_processor
    def menu_context():
        if not current_user.is_authenticated:
            return {}
        return {"unread_messages": unread_count(db.session(), current_user.organization_id, current_user.id)}

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
