"""Demo self-declarations (我要对标). Placeholder: being built."""
from __future__ import annotations

from sqlalchemy.orm import Session


def load_declarations(session: Session) -> None:
    """Self-declarations of the demo enterprises (idempotent)."""
