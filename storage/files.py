"""Content-addressed file storage on local disk (under the data directory).

Only the SHA-256 decides where bytes live; names and types the client sent are
never trusted for anything but display.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path

from sqlalchemy.orm import Session

from storage.models import StoredFile

PDF_MAGIC = b"%PDF-"
MAX_NAME = 120


def looks_like_pdf(data: bytes) -> bool:
    # The header may be preceded by a little junk (the spec tolerates 1024 bytes).
    return PDF_MAGIC in data[:1024] and b"%%EOF" in data[-2048:]


def safe_display_name(name: str, default: str = "file.pdf") -> str:
    """The last path component, without control characters, trimmed."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return (name or default)[-MAX_NAME:]


def pdf_display_name(name: str | None) -> str:
    """A PDF's display name, always ending in .pdf (``comment.html`` → ``comment.html.pdf``): what a
    browser saves a download as decides which program opens it."""
    shown = safe_display_name(name or "", default="file.pdf")
    if shown.lower().endswith(".pdf"):
        return shown
    return f"{shown[:MAX_NAME - 4]}.pdf"


class FileStore:
    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path_for(self, sha256: str) -> Path:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            raise ValueError("not a sha256 digest")
        return self.root / sha256[:2] / sha256[2:]

    def save(self, session: Session, data: bytes, original_name: str, content_type: str,
             uploaded_by_id: int | None = None) -> StoredFile:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path_for(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            # Write then rename, so a reader never sees half a file.
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
                handle.write(data)
                temporary = handle.name
            os.replace(temporary, target)
        row = StoredFile(
            sha256=digest, original_name=safe_display_name(original_name),
            content_type=content_type, size=len(data), uploaded_by_id=uploaded_by_id,
        )
        session.add(row)
        return row

    def read(self, stored: StoredFile) -> bytes:
        return self.path_for(stored.sha256).read_bytes()


def placeholder_pdf(text: str) -> bytes:
    """A small, valid one-page PDF saying ``text`` (ASCII; non-ASCII becomes '?'): the demo's uploads
    and the scenarios' ``pdf`` files."""
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode("ascii", "replace")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>"
               b" /Contents 4 0 R >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)
