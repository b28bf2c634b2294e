"""Rate limits of the JSON API: per token on every authenticated call, per client address on the
token endpoint. 429 with Retry-After and a Chinese message when a window is used up."""
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from flask import current_app, jsonify, request
from flask_babel import gettext as _

from engine.domain import auth, rate_limits
from webapp import db


def too_many(seconds: int):
    response = jsonify({"error": _("请求过于频繁，请 %(seconds)s 秒后再试", seconds=seconds)})
    response.headers["Retry-After"] = str(seconds)
    return response, 429


def _window() -> timedelta:
    return timedelta(seconds=current_app.config["API_RATE_WINDOW"])


def token_wait(token_id: int) -> int:
    """Count one call of the token; seconds to wait when its window is used up (0: go on).
    Durable (webapp.db.durable): the count must stay when the request itself is rolled back."""
    key, limit, window = rate_limits.token_key(token_id), current_app.config["API_RATE_LIMIT"], _window()
    return db.durable(lambda connection: rate_limits.hit_on(connection, key, limit, window))


def counted_holder(raw: str) -> auth.CountedHolder | None:
    """PostgreSQL: the token's holder with its call counted, in one statement on the durable writes'
    connection (engine.domain.auth.counted_token_holder); None when the token is not valid."""
    limit, window, session = current_app.config["API_RATE_LIMIT"], _window(), db.session()
    return db.durable(lambda connection: auth.counted_token_holder(connection, session, raw, limit, window))


def counted_holder_ahead(raw: str) -> Callable[[], auth.CountedHolder | None] | None:
    """PostgreSQL: ``counted_holder``'s statement on the request's own connection, sent with the request's
    first statement (engine.domain.auth.counted_token_holder_ahead); None when that cannot be."""
    limit, window = current_app.config["API_RATE_LIMIT"], _window()
    return auth.counted_token_holder_ahead(db.session(), raw, limit, window)


def address_limited(view):
    """Calls from one client address (POST /api/v1/tokens: password guessing, token hoarding)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        wait = rate_limits.hit(db.session(), rate_limits.address_key(request.remote_addr),
                               current_app.config["API_TOKEN_RATE_LIMIT"], _window())
        db.commit()
        if wait:
            return too_many(wait)
        return view(*args, **kwargs)

    return wrapper
