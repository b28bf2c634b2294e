"""GB/T 2260 region and GB/T 4754 industry names in the reader's language (Flask-Babel's locale).

forms.regions and forms.industries hold both languages and take ``english``; this is where the web
layer picks it: every page, JSON lookup and export that shows a region or an industry goes through
these helpers (or passes ``english()``). ``init_app`` tells the forms layer (forms/code_names.py) too.
"""
from __future__ import annotations

from flask import Flask, has_request_context
from flask_babel import get_locale

from forms import code_names, industries, regions


def english() -> bool:
    """True when the reader reads English (outside a request: Chinese)."""
    return has_request_context() and str(get_locale()) == "en"


def init_app(app: Flask) -> None:
    code_names.use_language(english)
    app.jinja_env.globals.update(region_label=region_label, industry_label=industry_label)


def region_label(province_code: str | None, city_code: str | None = None) -> str:
    """``广东省 广州市`` / ``Guangzhou, Guangdong``; ``""`` if unknown."""
    return regions.label(province_code or "", city_code, english=english())


def industry_label(code: str | None) -> str:
    """``M7454 标准化服务`` / ``M7454 Standardization services``; ``""`` if unknown."""
    return industries.label(code or "", english=english())


def province_options() -> dict[str, str]:
    """{province code: name} in code order, for the 省份 filters."""
    return {entry["code"]: entry["name"] for entry in regions.provinces(english=english())}


def regions_json() -> str:
    """The provinces and cities for static/regions.js (forms.regions.as_json) in the reader's language."""
    return regions.as_json(english=english())
