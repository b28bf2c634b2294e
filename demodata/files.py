"""Placeholder PDF files for the demo's uploads."""
from __future__ import annotations

from storage.files import placeholder_pdf


def demo_pdf(title: str) -> bytes:
    """A small, valid one-page PDF (the demo files are placeholders)."""
    return placeholder_pdf(f"Duibiao demo document {title}")
