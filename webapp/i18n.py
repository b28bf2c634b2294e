"""Flask-Babel: the UI is written in Chinese (the source language) and translated into English.

The reader's language (``select_locale``): the ``locale`` cookie the header's switch sets; else, for a
logged-in user, the language stored on them (消息设置's ``locale``: their e-mails and 我的消息 follow it
too), copied into the session at login; else, for the JSON API, the Accept-Language header; else
Chinese. The switch (GET /language?locale=en, a link) sets the cookie and, for a logged-in user,
stores the choice.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.extract import extract
from flask import Blueprint, Flask, g, has_request_context, redirect, request, session, url_for
from flask_babel import Babel, get_locale, gettext
from flask_login import current_user, user_logged_in

from engine import text
from engine.domain import messages
from webapp import code_names, db

babel = Babel()
bp = Blueprint("i18n", __name__)

DEFAULT_LOCALE = "zh_CN"
COOKIE = "locale"
COOKIE_MAX_AGE = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    babel.init_app(app, default_locale=DEFAULT_LOCALE, default_translation_directories="translations",
                   locale_selector=select_locale)
    code_names.init_app(app)  # GB/T region and industry names in the reader's language
    # The engine's refusals and labels (engine.text.N_) are translated where they are shown.
    text.use_translator(gettext)
    app.register_blueprint(bp)
    app.context_processor(lambda: {"html_lang": html_lang(), "locale_choices": LOCALE_CHOICES,
                                   "js_text": js_text()})
    user_logged_in.connect(_remember_stored_locale, app)
    app.jinja_env.filters["notice"] = notice


def notice(message, part: str) -> str:
    """A 我的消息 entry's title or body in the reader's language: from its words (engine text kept as data)
    when it has them; else the stored text (a title through the catalogue: the platform's fixed titles)."""
    words = (message.words or {}).get(part)
    if words is not None:
        return str(text.localized(text.from_data(words)))
    stored = getattr(message, part) or ""
    return text.Text(stored).localized() if part == "title" and stored else stored


def known(locale: str | None) -> str | None:
    """``locale`` if the platform speaks it (zh, zh-CN, zh_CN → zh_CN; en, en-US → en), else None."""
    if not locale:
        return None
    base = locale.replace("-", "_").split("_")[0].lower()
    return {"zh": "zh_CN", "en": "en"}.get(base)


def select_locale() -> str:
    if not has_request_context():  # the CLI, the scheduler's jobs: the source language
        return DEFAULT_LOCALE
    chosen = known(request.cookies.get(COOKIE)) or known(session.get(COOKIE))
    if chosen:
        return chosen
    if request.path.startswith("/api/"):
        return known(request.accept_languages.best_match(["zh_CN", "zh", "en"])) or DEFAULT_LOCALE
    return DEFAULT_LOCALE


def html_lang() -> str:
    return "en" if str(get_locale()) == "en" else "zh-CN"


# The switch in the header: each language named in itself (never translated).
LOCALE_CHOICES = (("zh_CN", "中文"), ("en", "English"))


@bp.get("/language")
def switch():
    """Set the reader's language: the cookie, the session and, when logged in, the user's own setting.

    A link (GET), like the language links of most sites: it changes a display preference only, never
    data, and a page's forms stay the page's own (no form in the header besides 退出)."""
    chosen = known(request.args.get("locale"))
    if chosen is None:  # not a language the platform speaks: nothing changes
        return redirect(_safe_back())
    session[COOKIE] = chosen
    if current_user.is_authenticated:
        messages.save_locale(db.session(), current_user.id, chosen)
        db.commit()
    response = redirect(_safe_back())
    response.set_cookie(COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True,
                        secure=request.is_secure)
    return response


def _safe_back() -> str:
    """The page the switch was on (a local path only), else the home page."""
    target = request.args.get("next", "")
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return url_for("portal.home")


def _remember_stored_locale(app, user, **_) -> None:
    """At login: the language stored on the user becomes this session's (unless the browser chose one)."""
    stored = messages.stored_locale(db.session(), user.id)
    if stored:
        session[COOKIE] = stored
        g.pop("_flask_babel", None)


# --- the scripts' words -------------------------------------------------------------------------------

STATIC = Path(__file__).resolve().parent / "static"
FRONTEND = Path(__file__).resolve().parent / "frontend"


@lru_cache(maxsize=1)
def script_messages() -> tuple[str, ...]:
    """The msgids the scripts wrap in ``_('…')`` (what babel.cfg extracts from them), read once."""
    sources = [*STATIC.glob("*.js"), *FRONTEND.glob("*/*.js"), *FRONTEND.glob("*/lint/*.js")]
    found = []
    for path in sorted(sources):
        if path.name == "translations.js":
            continue
        with path.open("rb") as source:
            found += [message for _line, message, _comments, _context in extract("javascript", source)
                      if isinstance(message, str)]
    return tuple(dict.fromkeys(found))


def js_text() -> dict[str, str] | None:
    """The scripts' words in the reader's language (None in Chinese, the scripts' own language); built
    once per language, not on every page rendered."""
    locale = str(get_locale())
    return None if locale == DEFAULT_LOCALE else _script_words(locale)


@lru_cache(maxsize=4)
def _script_words(locale: str) -> dict[str, str]:
    # Called inside a request in ``locale``: the catalogue translating now is that language's.
    return {message: text.Text(message).localized() for message in script_messages()}


def localized(value) -> str:
    """A message for a flash or a JSON answer in the reader's language (engine text or not)."""
    return str(text.localized(value))


def localized_tree(value):
    """A JSON answer's nested dicts and lists with every engine text in the reader's language."""
    if isinstance(value, dict):
        return {key: localized_tree(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [localized_tree(item) for item in value]
    return text.localized(value)
