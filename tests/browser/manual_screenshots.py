"""Screenshots for the user manuals (docs/manual), taken by the browser journey tests.

``save_manual_screenshot(page, "enterprise-01-register")`` writes ``<name>.png`` into docs/manual/img
when ``DUIBIAO_MANUAL_SCREENSHOTS=1`` (``make manual-screenshots``), otherwise into pytest's tmp
directory of the session, so that an ordinary test run never touches the committed pictures. The journeys
then check with :func:`missing_screenshots` that every picture their manual references was produced.
"""
from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

MANUAL_DIR = Path(__file__).resolve().parents[2] / "docs" / "manual"
IMAGE_DIR = MANUAL_DIR / "img"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_IMAGE_REF = re.compile(r"!\[[^\]]*\]\(img/([^)\s]+\.png)\)")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_scratch: Path | None = None


def writing_manual() -> bool:
    """True when the screenshots go into the committed docs/manual/img."""
    return os.environ.get("DUIBIAO_MANUAL_SCREENSHOTS") == "1"


def use_scratch_dir(path: Path) -> None:
    """Where the pictures go when not writing the manual (tests/browser/conftest.py: pytest's tmp dir)."""
    global _scratch
    _scratch = path


def screenshot_dir() -> Path:
    """docs/manual/img under ``make manual-screenshots``, otherwise pytest's tmp dir (or a temporary one)."""
    global _scratch
    if writing_manual():
        IMAGE_DIR.mkdir(parents=True, exist_ok=True)
        return IMAGE_DIR
    if _scratch is None:
        _scratch = Path(tempfile.mkdtemp(prefix="duibiao-manual-"))
    return _scratch


def save_manual_screenshot(page, name: str) -> Path:
    """Save the viewport of ``page`` as ``<name>.png`` (name like ``enterprise-01-register``)."""
    if not _NAME.match(name):
        raise ValueError(f"screenshot name must be lower-case letters, digits and '-': {name!r}")
    path = screenshot_dir() / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    if writing_manual():
        _to_palette(path)
    return path


def _to_palette(path: Path) -> None:
    """Re-encode with a 256-colour palette: UI screenshots have few colours, the file is about a third of
    Chromium's, and the manuals' pictures are committed."""
    from PIL import Image

    with Image.open(path) as taken:
        small = taken.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                              dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def referenced_screenshots(slug: str) -> list[str]:
    """The image file names that docs/manual/<slug>.zh.md and .en.md reference."""
    names: list[str] = []
    for language in ("zh", "en"):
        manual = MANUAL_DIR / f"{slug}.{language}.md"
        if manual.exists():
            names += _IMAGE_REF.findall(manual.read_text(encoding="utf-8"))
    return sorted(set(names))


def missing_screenshots(slug: str) -> list[str]:
    """Referenced pictures this run did not produce as a non-empty PNG (empty list: all there)."""
    directory = screenshot_dir()
    missing = []
    for name in referenced_screenshots(slug):
        path = directory / name
        if not path.is_file() or not path.read_bytes()[:8] == _PNG_SIGNATURE:
            missing.append(name)
    return missing
