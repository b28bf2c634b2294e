"""The manuals' pictures: taken small (a 256-colour palette PNG, about a third of Chromium's file), and
every ``![…](img/<name>.png)`` that docs/manual/<slug>.zh.md and .en.md reference must have been written by
the role's journey in this run (a non-empty PNG)."""
from __future__ import annotations

import re
from pathlib import Path

from tests.browser.manual_screenshots import save_manual_screenshot, screenshot_dir

MANUALS = Path(__file__).resolve().parents[2] / "docs" / "manual"
PICTURE = re.compile(r"!\[[^\]]*\]\(img/([^)\s]+)\.png\)")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def save(page, name: str) -> Path:
    """``save_manual_screenshot`` (a palette PNG when the manual's pictures are written)."""
    return save_manual_screenshot(page, name)


def referenced(slug: str) -> set[str]:
    """The picture names the manual of ``slug`` shows, in either language."""
    names = set()
    for language in ("zh", "en"):
        names |= set(PICTURE.findall((MANUALS / f"{slug}.{language}.md").read_text(encoding="utf-8")))
    return names


def assert_screenshots_of(slug: str, since: float) -> None:
    """Each picture of the manual was saved (at or after ``since``, a time.time()) and is a non-empty PNG."""
    names = referenced(slug)
    assert names, f"docs/manual/{slug}.zh.md shows no pictures"
    missing = []
    for name in sorted(names):
        path = screenshot_dir() / f"{name}.png"
        if not (path.exists() and path.stat().st_mtime >= since - 1 and path.stat().st_size > 1000
                and path.read_bytes()[:8] == PNG_SIGNATURE):
            missing.append(name)
    assert not missing, f"the {slug} journey did not produce {missing}"
