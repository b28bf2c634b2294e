"""Is an upload a real PNG or JPEG picture of a sensible size? (组织架构's chart image)

The type comes from the bytes, never from the name or the declared content type: the magic number
picks PNG or JPEG, then Pillow opens the file and ``verify()`` walks it (a truncated or corrupt file
fails there), and the picture's pixel count is bounded before anything is decoded (a small file can
declare a huge picture). Only these two formats are taken: SVG can carry scripts, GIF and WebP are not
needed. The answer is the content type to serve it with, or a problem code the form turns into words.
"""
from __future__ import annotations

import io
import warnings
from enum import StrEnum

from PIL import Image

MAX_IMAGE_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # e.g. 8000 × 5000: a printed chart, not a decompression bomb
_MAGIC = {b"\x89PNG\r\n\x1a\n": ("PNG", "image/png"), b"\xff\xd8\xff": ("JPEG", "image/jpeg")}


class ImageProblem(StrEnum):
    TOO_LARGE = "too_large"
    NOT_AN_IMAGE = "not_an_image"
    MALFORMED = "malformed"
    TOO_MANY_PIXELS = "too_many_pixels"


def image_type(data: bytes) -> str | ImageProblem:
    """``image/png`` or ``image/jpeg`` when ``data`` is a well-formed picture of that type, else the problem."""
    if len(data) > MAX_IMAGE_BYTES:
        return ImageProblem.TOO_LARGE
    found = next((kind for magic, kind in _MAGIC.items() if data.startswith(magic)), None)
    if found is None:
        return ImageProblem.NOT_AN_IMAGE
    pillow_format, content_type = found
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[pillow_format]) as picture:
                width, height = picture.size
                if width * height > MAX_PIXELS:
                    return ImageProblem.TOO_MANY_PIXELS
                picture.verify()
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        return ImageProblem.TOO_MANY_PIXELS
    except Exception:  # noqa: BLE001 — Pillow raises many kinds for a broken file; all mean "malformed"
        return ImageProblem.MALFORMED
    return content_type
