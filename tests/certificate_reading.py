"""Read a rendered certificate back: its text (pypdf) and its QR codes (zxing-cpp)."""
from __future__ import annotations

from io import BytesIO

import zxingcpp
from PIL import Image
from pypdf import PdfReader


def pdf_text(data: bytes) -> str:
    """All extracted text of all pages, pages separated by newlines."""
    return "\n".join(page.extract_text() or "" for page in PdfReader(BytesIO(data)).pages)


def qr_codes(data: bytes) -> list[str]:
    """The decoded text of every barcode in every image on every page."""
    texts = []
    for page in PdfReader(BytesIO(data)).pages:
        for picture in page.images:
            with Image.open(BytesIO(picture.data)) as image:
                texts.extend(result.text for result in zxingcpp.read_barcodes(image))
    return texts
