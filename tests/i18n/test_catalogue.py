"""Issue 17: the English catalogue translates every message the code, templates, BPMN and forms hold.

The messages are extracted afresh (Babel's API, babel.cfg and the keywords of `make messages`), not read
from a committed .pot: a string wrapped today and not yet translated fails here, by its msgid, with where
it is. Each English msgstr must be present, not fuzzy, hold no CJK, and keep the placeholders of its msgid
(``%(name)s``, ``{0}``, HTML tags). docs/translation.md says how to add the missing ones.
"""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from tests.test_i18n import ROOT, _make_messages_keywords

CATALOGUE = ROOT / "webapp/translations/en/LC_MESSAGES/messages.po"
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%\([a-z_0-9]+\)\.\d+f|\{[a-z_0-9]*\}|<[^>]+>")


def extracted() -> dict[str, set[str]]:
    """msgid → the files that hold it, as `make messages` would extract them now."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    found: dict[str, set[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=_make_messages_keywords()):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, set()).add(f"{Path(filename).as_posix()}:{lineno}")
    return found


def english() -> dict:
    with CATALOGUE.open("rb") as source:
        return {message.id: message for message in read_po(source, locale="en") if message.id}


def placeholder_problem(msgid: str, msgstr: str) -> bool:
    return sorted(PLACEHOLDER.findall(msgid)) != sorted(PLACEHOLDER.findall(msgstr))


def test_every_message_has_an_english_translation():
    catalogue = english()
    problems = []
    for msgid, places in sorted(extracted().items()):
        message = catalogue.get(msgid)
        strings = message.string if message is not None and isinstance(message.string, tuple) else \
            (message.string,) if message is not None else ("",)
        where = ", ".join(sorted(places)[:2])
        if message is None or not all(strings):
            problems.append(f"untranslated: msgid {msgid!r}  ({where})")
        elif message.fuzzy:
            problems.append(f"fuzzy: msgid {msgid!r}  ({where})")
        elif any(CJK.search(s) for s in strings):
            problems.append(f"Chinese in the English text: msgid {msgid!r} → {strings[0]!r}")
        elif placeholder_problem(msgid if isinstance(msgid, str) else msgid[0], strings[0]):
            problems.append(f"placeholders differ: msgid {msgid!r} → {strings[0]!r}")
    assert not problems, (f"{len(problems)} problems in {CATALOGUE.relative_to(ROOT)} (run `make messages`, "
                          "translate, see docs/translation.md):\n" + "\n".join(problems))


def test_the_placeholder_check_catches_a_lost_placeholder():
    assert placeholder_problem("第 %(n)s 项", "Item")
    assert placeholder_problem("<b>%(name)s</b>", "%(name)s")
    assert not placeholder_problem("第 %(n)s 项（%(name)s）", "Item %(n)s (%(name)s)")


def test_the_switch_and_compiled_catalogue_show_english(tmp_path):
    """The compiled catalogue (make install) is what the app reads: a message comes out in English."""
    from webapp import create_app
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'i18n.db'}",
                      "DATA_DIR": str(tmp_path), "SCHEDULER_ENABLED": False})
    client = app.test_client()
    client.set_cookie("locale", "en")
    with app.test_request_context("/", headers={"Cookie": "locale=en"}):
        from flask_babel import gettext
        assert gettext("用户中心") == english()["用户中心"].string
