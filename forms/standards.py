"""The 标准号 (standard number) field of a 对标方案: validation, normalisation, search keys.

Accepted grammar, after tolerant cleaning (NFKC, so full-width -> ASCII; every dash
``‐ ‑ ‒ – — ― − － ﹣`` -> ``-``; upper case; whitespace runs collapsed; spaces around
``/ - : .`` dropped; the space between prefix and number optional)::

    SERIAL = digits ("." digits){0,2}                 1234, 1.1, 20000.1, 4789.2.1
    YEAR   = 4 digits, 1950-2099
    T/CODE SERIAL-YEAR    T/CODE-YEAR                 团体标准; CODE = letter + 1-9 letters/digits
    Q/CODE SERIAL-YEAR                                企业标准
    GB SERIAL-YEAR, GB/T ..., GB/Z ...                国家标准 ("GBT" is read as "GB/T")
    DBnn[/T] SERIAL-YEAR, DBnnnn[/T] ...              地方标准 (province / city region code)
    XX[/T|/Z] SERIAL-YEAR                             行业标准, XX = 2-3 letters (JB, QC, JGJ, GBZ...)
    ORG NUMBER(-PART)*(: or -)YEAR                    international references, see below

Choices:
* Canonical form is ``PREFIX SERIAL-YEAR`` with one space and an ASCII hyphen, e.g.
  ``"gb/t1.1—2020"`` -> ``"GB/T 1.1-2020"``; ``T/ABC-2023`` (no serial) stays as written.
* When T/ or Q/ codes are written without a space before the serial, the code is taken
  to end at its last letter: ``T/ABC001-2023`` -> ``T/ABC 001-2023``.
* The old mandatory local form ``DB44/ 123-2019`` is accepted and stored in the current
  form ``DB44 123-2019``; the first two region digits must be a mainland province code.
* Letters in a serial are rejected, except one trailing revision letter for military
  standards (``GJB 9001C-2017``, ``GJB/Z 299C-2006``), which really are numbered so.
* International references (ISO, IEC, IEEE, EN, BS, DIN, JIS, combined as ``ISO/IEC``,
  ``EN ISO``, ``ISO/TS``...; JIS may carry a division letter, ``JIS B 0001:2019``) are
  accepted for the 对标依据 column: the year separator is kept as written (``:`` or
  ``-``), only dashes are normalised, since ``ISO 12345-2020`` may not mean ``:2020``.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LENGTH = 50
MSG_EMPTY = "请填写标准号"
MSG_NO_YEAR = "标准号应包含发布年份，如 T/ABC 001-2023"
MSG_BAD_YEAR = "发布年份应为 1950 至 2099 之间的四位数字，如 GB/T 1234-2020"
MSG_FORMAT = "标准号格式不正确，应如 T/ABC 001-2023、GB/T 1234-2020"
MSG_TOO_LONG = f"标准号过长，不应超过 {MAX_LENGTH} 个字符"

_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−﹘﹣－"), "-")
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split()
)
_ORG = r"(?:ISO|IEC|IEEE|EN|BS|DIN|JIS)"
_SERIAL = r"\d{1,6}(?:\.\d{1,4}){0,2}"
_YEAR = r"(?P<year>\d{4})"

_INTL = re.compile(
    rf"(?P<org>{_ORG}(?:[/ ]{_ORG}|/(?:TS|TR|PAS))*)(?:(?<=JIS) (?P<div>[A-Z]))? ?"
    rf"(?P<num>\d{{1,6}}(?:\.\d{{1,4}})*(?:-\d{{1,4}}){{0,3}})(?P<sep>[-:]){_YEAR}"
)
_GB = re.compile(rf"GB(?P<kind>/[TZ]|T)? ?(?P<serial>{_SERIAL})-{_YEAR}")
_DB = re.compile(rf"DB(?P<region>\d{{2}}(?:\d{{2}})?)(?P<kind>/T|/| ) ?(?P<serial>{_SERIAL})-{_YEAR}")
_GROUP = re.compile(  # T/ and Q/; first branch: no space, code ends at its last letter
    rf"(?P<kind>[TQ])/(?:(?P<code1>[A-Z][A-Z0-9]{{0,8}}[A-Z])(?P<serial1>{_SERIAL})"
    rf"|(?P<code2>[A-Z][A-Z0-9]{{1,9}})(?: (?P<serial2>{_SERIAL}))?)-{_YEAR}"
)
_INDUSTRY = re.compile(rf"(?P<code>[A-Z]{{2,3}})(?P<kind>/[TZ])? ?(?P<serial>{_SERIAL})(?P<rev>[A-Z])?-{_YEAR}")
_NOT_INDUSTRY = frozenset({"GB", "GBT", "ISO", "IEC", "EN", "BS", "DIN", "JIS"})


class StandardNumberError(ValueError):
    """Invalid 标准号; ``message`` is a Chinese sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _clean(text: str) -> str:
    s = unicodedata.normalize("NFKC", text).translate(_DASHES).upper()
    s = re.sub(r"\s+", " ", s.strip())
    return re.sub(r" ?([/\-:.]) ?", r"\1", s)


def _parse(s: str) -> str | None:
    """Canonical form of a cleaned string, or None if it fits no accepted form."""
    if m := _INTL.fullmatch(s):
        div = f" {m['div']}" if m["div"] else ""
        result = f"{m['org']}{div} {m['num']}{m['sep']}{m['year']}"
    elif m := _GB.fullmatch(s):
        kind = "/T" if m["kind"] in ("/T", "T") else m["kind"] or ""
        result = f"GB{kind} {m['serial']}-{m['year']}"
    elif m := _DB.fullmatch(s):
        if m["region"][:2] not in _PROVINCES:
            return None
        kind = "/T" if m["kind"] == "/T" else ""
        result = f"DB{m['region']}{kind} {m['serial']}-{m['year']}"
    elif m := _GROUP.fullmatch(s):
        code, serial = m["code1"] or m["code2"], m["serial1"] or m["serial2"]
        if serial is None and m["kind"] != "T":
            return None  # only 团体标准 are written without a serial (T/ABC-2023)
        result = f"{m['kind']}/{code} {serial}-{m['year']}" if serial else f"T/{code}-{m['year']}"
    elif m := _INDUSTRY.fullmatch(s):
        code = m["code"]
        if code in _NOT_INDUSTRY or code.startswith("DB") or (m["rev"] and code != "GJB"):
            return None
        result = f"{code}{m['kind'] or ''} {m['serial']}{m['rev'] or ''}-{m['year']}"
    else:
        return None
    return result if 1950 <= int(m["year"]) <= 2099 else None


def normalize(text: str) -> str:
    """Canonical 标准号 for storage (see the module docstring); raises StandardNumberError."""
    if not isinstance(text, str) or not text.strip():
        raise StandardNumberError(MSG_EMPTY)
    if len(text.strip()) > MAX_LENGTH:
        raise StandardNumberError(MSG_TOO_LONG)
    s = _clean(text)
    if result := _parse(s):
        return result
    # Diagnose by probing: does it become valid once a plausible year is supplied?
    if _parse(s.rstrip("-:") + "-2000"):
        raise StandardNumberError(MSG_NO_YEAR)
    m = re.fullmatch(r"(.*)([-:])\d+", s)
    if m and _parse(m[1] + m[2] + "2000"):
        raise StandardNumberError(MSG_BAD_YEAR)
    raise StandardNumberError(MSG_FORMAT)


def is_valid(text: str) -> bool:
    try:
        normalize(text)
    except StandardNumberError:
        return False
    return True
