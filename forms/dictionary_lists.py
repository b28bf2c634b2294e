"""The 数据字典 lists as the forms offer them: choices read when a form is built (the request's session,
which reads every list once), 停用 entries left out of new input but shown on the records holding them.

The web layer names the session to read with ``use_session`` (forms import no Flask app); without one
(a form built outside a request) the lists are empty.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session
from wtforms.fields.choices import SelectChoice

from engine.domain import dictionaries
from engine.text import listing

_session_source: Callable[[], Session] | None = None


def use_session(source: Callable[[], Session] | None) -> None:
    global _session_source
    _session_source = source


def _session() -> Session | None:
    if _session_source is None:
        return None
    try:
        return _session_source()
    except RuntimeError:  # no application context: a form built outside the web app
        return None


def choices(key: str, first: SelectChoice | None = None) -> Callable:
    """A WTForms ``choices`` callable: the enabled entries, and the 停用 one(s) the record holds (marked),
    after ``first`` (a select's 请选择) when given."""
    def build(form, field) -> list[SelectChoice]:
        session = _session()
        head = [first] if first is not None else []
        if session is None:
            return head
        enabled = set(dictionaries.enabled_codes(session, key))
        return head + [SelectChoice(code, label if code in enabled else _l("%(label)s（已停用）", label=label))
                       for code, label in dictionaries.offered(session, key, field.object_data)]
    return build


class Labels(Mapping):
    """Code → label of one list, read when asked (停用 entries too): what old records show."""

    def __init__(self, key: str):
        self.key = key

    def _labels(self) -> dict[str, str]:
        session = _session()
        return dictionaries.labels(session, self.key) if session is not None else {}

    def __getitem__(self, code: str) -> str:
        return self._labels()[code]

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels())

    def __len__(self) -> int:
        return len(self._labels())


def label_of(key: str) -> Callable[[str], str | None]:
    """A function code → label (None when unknown), for templates."""
    return Labels(key).get


class PickOne:
    """The message of a choice outside the list, naming the enabled entries as they are now:
    请选择产品、组织或区域."""

    def __init__(self, key: str):
        self.key = key

    def __str__(self) -> str:
        session = _session()
        names = [label for code, label in dictionaries.offered(session, self.key)] if session is not None else []
        if len(names) < 2:
            return str(_l("请在列出的选项中选择"))
        return str(_l("请选择%(names)s或%(last)s", names=listing(names[:-1]), last=names[-1]))

    __html__ = __str__
