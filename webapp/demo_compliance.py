"""Demo applications (参与达标) at several stages, and issued certificates (idempotent)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from storage.files import FileStore


def load_applications(session: Session, store: FileStore) -> None:
    """Applications of the demo enterprises against the published demo plans."""
