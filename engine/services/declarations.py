"""Service tasks of self_declaration (我要对标)."""
from __future__ import annotations
