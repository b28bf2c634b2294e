"""Screenshots for the manuals in docs/manual/ (journeys-b's copy of manual_screenshots.py; the lead
unifies the two at merge).

With ``DUIBIAO_MANUAL_SCREENSHOTS=1`` a journey writes docs/manual/img/<name>.png (what the manuals show);
otherwise the pictures go to a temporary directory, so an ordinary test run leaves the tree untouched.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

MANUAL_IMAGES = Path(__file__).resolve().parents[2] / "docs" / "manual" / "img"


def screenshot_dir() -> Path:
    if os.environ.get("DUIBIAO_MANUAL_SCREENSHOTS") == "1":
        return MANUAL_IMAGES
    return Path(tempfile.gettempdir()) / "duibiao-manual"


def save_manual_screenshot(page, name: str) -> Path:
    """Save what ``page`` shows (its viewport) as ``<name>.png`` and return the path."""
    folder = screenshot_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path))
    return path
