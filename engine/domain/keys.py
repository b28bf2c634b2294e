"""Search keys: text as compared by the public searches (对标方案, 达标结果, 对标结果), and the
user's search text made safe for any query (no control characters: SQLite's FTS5 and C strings
stop at NUL, PostgreSQL refuses it in text)."""
from __future__ import annotations

import re
import unicodedata

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹘﹣－"), "-")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def without_control_characters(text: str) -> str:
    """``text`` with its control characters (NUL included) and lone surrogates as spaces."""
    return _CONTROL.sub(" ", text)


def clean_query(text: str | None, limit: int = 100) -> str:
    """A user's search text as searched for: no control characters, runs of white space as one
    space, at most ``limit`` characters. Never raises; non-strings give ``""``."""
    if not isinstance(text, str):
        return ""
    return " ".join(without_control_characters(text).split())[:limit]


def search_key(text: str | None) -> str:
    """Lowercase key without spaces, dashes, slashes or colons, for substring search.

    Apply it to both the stored value and the user's (possibly partial) query:
    ``search_key("abc 001") in search_key("T/ABC 001-2023")``.  Dots are kept so that
    ``1.1`` and ``11`` stay distinct.  Never raises; non-strings give ``""``.
    """
    if not isinstance(text, str):
        return ""
    s = unicodedata.normalize("NFKC", without_control_characters(text)).translate(_DASHES).lower()
    return re.sub(r"[\s\-/:]+", "", s)
