"""Search keys: text as compared by the public searches (对标方案, 达标结果, 对标结果)."""
from __future__ import annotations

import re
import unicodedata

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹘﹣－"), "-")


def search_key(text: str | None) -> str:
    """Lowercase key without spaces, dashes, slashes or colons, for substring search.

    Apply it to both the stored value and the user's (possibly partial) query:
    ``search_key("abc 001") in search_key("T/ABC 001-2023")``.  Dots are kept so that
    ``1.1`` and ``11`` stay distinct.  Never raises; non-strings give ``""``.
    """
    if not isinstance(text, str):
        return ""
    s = unicodedata.normalize("NFKC", text).translate(_DASHES).lower()
    return re.sub(r"[\s\-/:]+", "", s)
