"""数据字典 (系统管理): the option lists the forms offer, kept in ``dictionary_entry`` and edited by the office.

An entry's code is what records store: it never changes and an entry is never deleted; 停用 takes it
out of what new input may choose while old records still show its label. Every change is kept in
``dictionary_change`` (who, when, the entry before and after). The lists of a session are read once
(one query for all of them) and kept in ``session.info`` until it changes one: a request reads them once.

GB/T 2260 regions and GB/T 4754 industries are shipped data (forms/data), not kept here.
"""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine import clock
from engine.domain.errors import InputError
from engine.text import N_, Text
from storage.models import DictionaryChange, DictionaryEntry, User

# The editable lists, in the order the page shows them: key → name.
DICTIONARIES = {
    "pilot_field": N_("试点领域"),
    "enterprise_scale": N_("企业规模"),
    "enterprise_ownership": N_("企业类型"),
    "sector": N_("行业分类"),
    "standardization_body": N_("标准化管理机构"),
    "standardization_need": N_("标准化需求类型"),
    "institution_type": N_("机构类型"),
    "accreditation": N_("资质情况"),
}
CODE = re.compile(r"^[a-z0-9_]{1,40}$")
MAX_LABEL = 100
_CACHE = "dictionaries"  # the key of a session's lists in session.info


class DictionaryError(InputError):
    pass


@dataclass(frozen=True)
class Entry:
    code: str
    label: str
    position: int
    enabled: bool


def _all(session: Session) -> dict[str, list[Entry]]:
    cached = session.info.get(_CACHE)
    if cached is None:
        cached = {key: [] for key in DICTIONARIES}
        rows = session.execute(select(DictionaryEntry.dictionary, DictionaryEntry.code, DictionaryEntry.label,
                                      DictionaryEntry.position, DictionaryEntry.enabled)
                               .order_by(DictionaryEntry.position, DictionaryEntry.id))
        for key, code, label, position, enabled in rows:
            # A shipped label (storage.dictionary_seed) reads in the reader's language through the catalogue;
            # a label the office typed is not in it and shows as typed.
            cached.setdefault(key, []).append(Entry(code, Text(label), position, enabled))
        session.info[_CACHE] = cached
    return cached


def entries(session: Session, key: str) -> list[Entry]:
    """Every entry of a list in its order, 停用 ones too."""
    return _all(session).get(key, [])


def offered(session: Session, key: str, keep=None) -> list[tuple[str, str]]:
    """(code, label) that new input may choose, plus ``keep`` (the value a record holds, or several)
    when it is a 停用 entry, so that editing the record shows what it holds."""
    kept = set(keep if isinstance(keep, list | tuple | set) else [keep] if keep else [])
    return [(e.code, e.label) for e in entries(session, key) if e.enabled or e.code in kept]


def labels(session: Session, key: str) -> dict[str, str]:
    """Code → label of every entry (停用 ones too): what old records show."""
    return {e.code: e.label for e in entries(session, key)}


def codes(session: Session, key: str) -> tuple[str, ...]:
    return tuple(e.code for e in entries(session, key))


def enabled_codes(session: Session, key: str) -> tuple[str, ...]:
    return tuple(e.code for e in entries(session, key) if e.enabled)


def changes(session: Session, key: str, limit: int = 50) -> list[DictionaryChange]:
    """The newest changes of a list (变更记录)."""
    return list(session.scalars(select(DictionaryChange).where(DictionaryChange.dictionary == key)
                                .order_by(DictionaryChange.changed_at.desc(), DictionaryChange.id.desc())
                                .limit(limit)))


def _known(key: str) -> None:
    if key not in DICTIONARIES:
        raise LookupError(key)


def _row(session: Session, key: str, code: str) -> DictionaryEntry:
    row = session.scalars(select(DictionaryEntry).where(DictionaryEntry.dictionary == key,
                                                        DictionaryEntry.code == code)).first()
    if row is None:
        raise LookupError(f"{key}:{code}")
    return row


def _clean_label(session: Session, key: str, label: str, code: str | None = None) -> str:
    label = (label or "").strip()
    if not label:
        raise DictionaryError("label", N_("请填写名称"))
    if len(label) > MAX_LABEL:
        raise DictionaryError("label", N_("名称不能超过 %(limit)s 个字", limit=MAX_LABEL))
    if any(e.label == label and e.code != code for e in entries(session, key)):
        raise DictionaryError("label", N_("该字典中已有同名的选项"))
    return label


def _snapshot(row: DictionaryEntry) -> dict:
    return asdict(Entry(row.code, row.label, row.position, row.enabled))


def _audit(session: Session, user: User, key: str, action: str, before: dict | None, row: DictionaryEntry) -> None:
    session.add(DictionaryChange(dictionary=key, code=row.code, action=action, before=before,
                                 after=_snapshot(row), changed_by_id=user.id, changed_at=clock.now()))
    session.info.pop(_CACHE, None)  # this session reads the lists anew


def add_entry(session: Session, user: User, key: str, code: str, label: str) -> DictionaryEntry:
    """新增: a new entry at the end of the list, enabled; its code can never change afterwards."""
    _known(key)
    code = (code or "").strip()
    if not CODE.match(code):
        raise DictionaryError("code", N_("编码只能由小写字母、数字和下划线组成，最多 40 位"))
    if code in codes(session, key):
        raise DictionaryError("code", N_("该字典中已有此编码"))
    label = _clean_label(session, key, label)
    last = session.scalar(select(func.max(DictionaryEntry.position)).where(DictionaryEntry.dictionary == key))
    row = DictionaryEntry(dictionary=key, code=code, label=label, position=(last or 0) + 1, enabled=True,
                          updated_at=clock.now())
    session.add(row)
    _audit(session, user, key, "add", None, row)
    return row


def edit_entry(session: Session, user: User, key: str, code: str, label: str, position: int) -> bool:
    """编辑: the label and the order of an entry (the code stays). False when nothing changed."""
    _known(key)
    row = _row(session, key, code)
    label = _clean_label(session, key, label, code)
    if not 1 <= position <= 999:
        raise DictionaryError("position", N_("排序须为 1 到 999 之间的整数"))
    if (row.label, row.position) == (label, position):
        return False
    before = _snapshot(row)
    row.label, row.position, row.updated_at = label, position, clock.now()
    _audit(session, user, key, "edit", before, row)
    return True


def set_enabled(session: Session, user: User, key: str, code: str, enabled: bool) -> bool:
    """停用 / 启用 an entry. False when it already was so; the last enabled entry cannot be 停用."""
    _known(key)
    row = _row(session, key, code)
    if row.enabled == enabled:
        return False
    if not enabled and enabled_codes(session, key) == (code,):
        raise DictionaryError("code", N_("字典中至少要保留一个启用的选项"))
    before = _snapshot(row)
    row.enabled, row.updated_at = enabled, clock.now()
    _audit(session, user, key, "enable" if enabled else "disable", before, row)
    return True
