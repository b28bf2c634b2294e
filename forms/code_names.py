"""The reader's language for the GB/T 2260 region and GB/T 4754 industry names the forms show.

forms.regions and forms.industries take ``english``; the forms that show those names (the registration
selects, the vetting task's 所在地, a profile's 所属行业, a designed form's dictionary options) ask
``english()`` here. The forms layer has no request: the web layer says where the reader's language comes
from (webapp/code_names.py installs it with ``use_language``); without it (the CLI, the scheduler, forms
used alone) names are Chinese, the source language.
"""
from __future__ import annotations

from collections.abc import Callable

_english: Callable[[], bool] = lambda: False  # noqa: E731 — replaced by the web layer


def use_language(english: Callable[[], bool]) -> None:
    """Install the function that says whether the current reader reads English."""
    global _english
    _english = english


def english() -> bool:
    """True when the current reader reads English."""
    return bool(_english())
