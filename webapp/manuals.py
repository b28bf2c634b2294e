"""帮助中心 → 操作手册: the user manuals of docs/manual (Markdown, Chinese with English beside it),
listed above the column's articles and rendered one per page with their screenshots.

A manual is ``<MANUAL_DIR>/<slug>.zh.md`` (``.en.md`` in English, when present) whose first line is
``# Title``; its pictures are ``img/<name>.png`` beside it, served by :func:`image` and nothing else
of the directory. The files are the project's own, but their HTML is escaped all the same.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, render_template, url_for
from flask_babel import get_locale
from markdown_it import MarkdownIt

from webapp import security
from webapp.articles import tabs

bp = Blueprint("manuals", __name__)

# The roles' manuals first, then the operator's and the designer's guides; only those present are listed.
SLUGS = ("enterprise", "institution", "office", "public", "operator", "designer")
IMAGE_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,99}\.png")


@dataclass(frozen=True)
class Manual:
    slug: str
    title: str
    language: str  # "zh" or "en": the file shown


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    # 帮助中心 → 操作手册 (the articles' column page) lists the manuals above the column's articles.
    app.jinja_env.globals["manual_list"] = available


def manual_dir() -> Path:
    return Path(current_app.config["MANUAL_DIR"]).resolve()


def _language() -> str:
    locale = get_locale()
    return "en" if locale is not None and locale.language == "en" else "zh"


def _source(slug: str) -> tuple[Path, str] | None:
    """The file to show for this slug in the current language (Chinese when no English one exists)."""
    if slug not in SLUGS:
        return None
    for language in dict.fromkeys((_language(), "zh")):
        path = manual_dir() / f"{slug}.{language}.md"
        if path.is_file():
            return path, language
    return None


def _title(path: Path) -> str:
    with path.open(encoding="utf-8") as handle:
        first = handle.readline().strip()
    return first.lstrip("#").strip() if first.startswith("# ") else path.name.split(".")[0]


def available() -> list[Manual]:
    """The manuals present, in SLUGS order, titled in the current language."""
    found = []
    for slug in SLUGS:
        source = _source(slug)
        if source is not None:
            found.append(Manual(slug, _title(source[0]), source[1]))
    return found


def _renderer() -> MarkdownIt:
    """CommonMark with tables, raw HTML escaped; ``img/…`` pictures served by :func:`image`."""
    markdown = MarkdownIt("js-default", {"html": False})
    default_image = markdown.renderer.rules["image"]

    def image_rule(renderer, tokens, index, options, env):
        token = tokens[index]
        source = str(token.attrGet("src") or "")
        if source.startswith("img/") and IMAGE_NAME.fullmatch(source[4:]):
            token.attrSet("src", url_for("manuals.image", filename=source[4:]))
        token.attrSet("class", "img-fluid border")
        token.attrSet("loading", "lazy")
        return default_image(tokens, index, options, env)

    markdown.add_render_rule("image", image_rule)
    return markdown


@lru_cache(maxsize=32)
def _html(path: str, modified_ns: int, image_base: str) -> str:
    """The rendered manual, kept while the file is unchanged (``image_base``: the app's image URL)."""
    return _renderer().render(Path(path).read_text(encoding="utf-8"))


@bp.route("/help/manuals/<slug>")
def show(slug: str):
    """One manual, in the current language when it exists in it."""
    source = _source(slug)
    if source is None:
        abort(404)
    path, language = source
    body = _html(str(path), path.stat().st_mtime_ns, url_for("manuals.image", filename="x.png"))
    return render_template("articles/manual.html", manual=Manual(slug, _title(path), language), body=body,
                           manuals=available(), tabs=tabs("help", "manuals"), group="help")


@bp.route("/help/manuals/img/<filename>")
def image(filename: str):
    """A manual's screenshot: a PNG directly in <MANUAL_DIR>/img, nothing else (no other folder, type or ``..``)."""
    if not IMAGE_NAME.fullmatch(filename):
        abort(404)
    folder = manual_dir() / "img"
    path = (folder / filename).resolve()
    if path.parent != folder.resolve() or not path.is_file():
        abort(404)
    return security.send_image(path, "image/png")
