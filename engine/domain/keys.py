"""Search keys: text as compared by the public searches (对标方案, 达标结果, 对标结果)."""
from __future__ import annotations

import re
import unicodedata

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹘﹣－"), "-")


def search_key(text: str | None) -> str:
    """Lowercase key without spaces, dashes, slashes or colons (forms.standards.search_key)."""
    if not isinstance(text, str):
        return ""
    s = unicodedata.normalize("NFKC", text).translate(_DASHES).lower()
    return re.sub(r"[\s\-/:]+", "", s)
