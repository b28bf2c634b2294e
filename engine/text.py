"""User-facing text of the engine: refusals and labels, written in the source language (Chinese).

The engine does not import Flask-Babel. It marks each message with ``N_`` (so `make messages`
extracts it) and keeps the message id with its placeholders; the web layer installs a translator
with ``use_translator`` and every place that shows a ``Text`` asks for ``localized()``. A ``Text``
is a ``str`` holding the untranslated message, so comparisons and logs keep working, and Jinja
(through ``__html__``) shows the translation without each template having to ask.
"""
from __future__ import annotations

import html
from collections.abc import Callable

_translate: Callable[[str], str] | None = None


def use_translator(translate: Callable[[str], str] | None) -> None:
    """``translate(msgid)`` returns the message in the reader's language (None: the source text)."""
    global _translate
    _translate = translate


class Text(str):
    msgid: str
    params: dict

    def __new__(cls, msgid: str, **params) -> Text:
        self = super().__new__(cls, msgid % params if params else msgid)
        self.msgid, self.params = msgid, params
        return self

    def localized(self) -> str:
        if _translate is None:
            return str.__str__(self)
        params = {name: localized(value) for name, value in self.params.items()}
        message = _translate(self.msgid)
        return message % params if params else message

    def __html__(self) -> str:
        return html.escape(self.localized())

    def __reduce__(self):  # copy.deepcopy (SpiffWorkflow copies task data) keeps it a Text
        return (_rebuild, (self.msgid, self.params))


def _rebuild(msgid: str, params: dict) -> Text:
    return Text(msgid, **params)


def N_(msgid: str, **params) -> Text:  # noqa: N802 — gettext's conventional marker name
    """Mark ``msgid`` (a literal, placeholders as ``%(name)s``) for extraction and translation."""
    return Text(msgid, **params)


def localized(value):
    """``value`` in the reader's language when it is engine text; anything else unchanged."""
    return value.localized() if isinstance(value, Text) else value


class Listing(Text):
    """Items joined by the reader's list separator (Chinese 、, English ", "): ``listing(names)``; or,
    with ``separator``, by that fixed text (``lines(…)``: a notice's lines, each in the reader's language)."""

    items: tuple
    separator: str | None

    def __new__(cls, items, separator: str | None = None) -> Listing:
        items = tuple(items)
        self = str.__new__(cls, ("、" if separator is None else separator).join(map(str, items)))
        self.msgid, self.params, self.items, self.separator = "、", {}, items, separator
        return self

    def localized(self) -> str:
        separator = self.separator
        if separator is None:
            separator = _translate("、") if _translate is not None else "、"
        return separator.join(str(localized(item)) for item in self.items)

    def __reduce__(self):
        return (Listing, (self.items, self.separator))


def listing(items) -> Listing:
    return Listing(items)


def lines(*items) -> Listing:
    return Listing(items, "\n")


def localized_with(value, translate: Callable[[str], str]):
    """``value`` (engine text or not) through ``translate``: another language than the reader's (an
    e-mail to a person in their own)."""
    if isinstance(value, Listing):
        separator = translate("、") if value.separator is None else value.separator
        return separator.join(str(localized_with(item, translate)) for item in value.items)
    if isinstance(value, Text):
        params = {name: localized_with(item, translate) for name, item in value.params.items()}
        message = translate(value.msgid)
        return message % params if params else message
    return value


# --- stored text: a Text kept as data (JSON) and read back, shown later in the reader's language ---------


def to_data(value):
    """``value`` as JSON-able data: a Text as its message id and parameters, a Listing as its items."""
    if isinstance(value, Listing):
        return {"items": [to_data(item) for item in value.items], "separator": value.separator}
    if isinstance(value, Text):
        return {"id": value.msgid, "params": {name: to_data(item) for name, item in value.params.items()}}
    return value if value is None or isinstance(value, int | float) else str(value)


def from_data(data):
    """The Text (or plain value) ``to_data`` wrote."""
    if isinstance(data, dict) and "items" in data:
        return Listing([from_data(item) for item in data["items"]], data.get("separator"))
    if isinstance(data, dict) and "id" in data:
        return Text(data["id"], **{name: from_data(item) for name, item in (data.get("params") or {}).items()})
    return data
