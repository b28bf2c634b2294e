"""Substring search answered from an index on both databases, as 对标方案's (engine.domain.catalog):
PostgreSQL's pg_trgm GIN index under a literal ``LIKE '%…%'``, SQLite's FTS5 trigram table (an
external-content table kept in step by triggers, migration 0020) for keys of three characters or more.
Shorter keys cannot use trigrams: they scan with LIKE on both.

Rare trigrams first (issue 15). A key such as a certificate number or a model shares its first
trigrams with every other one (``db2``, ``202``, ``xh1``): the index reads those trigrams' whole
posting lists, which grow with the table, though the answer is one row. Given the session, the search
estimates how common each of the key's trigrams is from a sample of the column (``SAMPLE_SIZE``
rows picked at random by id, kept ``SAMPLE_SECONDS`` in this process), finds candidates through the
rarest only — one in at most ``RARE_SHARE`` of the sample, and the next rarest if it is not common
(``NARROWING_SHARE``) — and keeps the
candidates whose text contains the whole key (``LIKE``). A row containing the key contains every
trigram of it, so the rows found are the same; when no trigram is rare (a common word), or the table
is small, the key is searched as before.
"""
from __future__ import annotations

import random
import time
from collections import Counter

from sqlalchemy import column, func, select, table

MIN_INDEXED = 3  # characters: trigrams answer nothing shorter
SAMPLE_SIZE = 200  # rows of the column sampled to tell rare trigrams from common ones
MIN_SAMPLE = 50  # fewer rows: the table is small, the key is searched as before
RARE_SHARE = 0.03  # a trigram in at most this share of the sample is rare
CHOSEN = 2  # the rarest trigrams that find the candidates: the rarest, and the next one if it narrows them
NARROWING_SHARE = 0.25  # ... that is, if it is in at most this share of the sample
SAMPLE_SECONDS = 600  # how long a column's sample is kept in this process
_samples: dict[tuple, tuple[float, tuple[int, Counter]]] = {}


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards escaped (escape character ``\\``), as a literal: PostgreSQL's
    planner sees it and answers it from the trigram index."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def ids_containing(dialect: str, id_column, text_column, fts_table: str, text: str, session=None,
                   folded: bool = False):
    """A SELECT of the ``id_column`` values whose ``text_column`` contains ``text``. With ``session``, through
    the key's rare trigrams when it has some (see the module's note); ``folded``: the column holds lower-case
    text (engine.domain.keys.search_key), as the key does."""
    rare = _rare_trigrams(session, dialect, id_column, text_column, text, folded) if session is not None else None
    if rare and dialect == "sqlite":
        terms = " AND ".join(_quoted(trigram) for trigram in rare)
        candidates = select(column("rowid")).select_from(table(fts_table)).where(column(fts_table).op("MATCH")(terms))
        return select(id_column).where(id_column.in_(candidates), text_column.like(like_pattern(text), escape="\\"))
    if rare:  # PostgreSQL: the index reads the rare trigrams only; OFFSET 0 keeps the whole key out of it
        candidates = select(id_column.label("id"), text_column.label("text")).where(
            *[text_column.like(like_pattern(trigram), escape="\\") for trigram in rare]).offset(0).subquery()
        return select(candidates.c.id).where(candidates.c.text.like(like_pattern(text), escape="\\"))
    if dialect == "sqlite" and len(text) >= MIN_INDEXED:
        return select(column("rowid")).select_from(table(fts_table)).where(column(fts_table).op("MATCH")(_quoted(text)))
    return select(id_column).where(text_column.like(like_pattern(text), escape="\\"))


def _quoted(text: str) -> str:
    """An FTS5 string: the text as one phrase, whatever its characters."""
    return '"' + text.replace('"', '""') + '"'


def _trigrams(text: str, word_only: bool) -> list[str]:
    """The key's distinct three-character windows (PostgreSQL: letters and digits only, as pg_trgm's words)."""
    found = []
    for start in range(len(text) - 2):
        window = text[start:start + 3]
        if window.lower() not in (seen.lower() for seen in found) and (not word_only or window.isalnum()):
            found.append(window)
    return found


def _like_agrees(text: str, folded: bool) -> bool:
    """SQLite's LIKE folds ASCII letters only, FTS5 every letter: they agree on a key without other cased
    letters when the column is folded too, and on a key without any cased letter otherwise."""
    return all(c.lower() == c.upper() or (folded and c.isascii()) for c in text)


def _rare_trigrams(session, dialect, id_column, text_column, text, folded) -> list[str] | None:
    """The key's rarest trigrams by the column's sample, at most CHOSEN; None to search the key as before."""
    if len(text) <= MIN_INDEXED or (dialect == "sqlite" and not _like_agrees(text, folded)):
        return None
    windows = _trigrams(text, word_only=dialect != "sqlite")
    sampled, counts = _sample(session, id_column, text_column) if len(windows) > 1 else (0, Counter())
    if sampled < MIN_SAMPLE:
        return None
    ranked = sorted((counts[window.lower()], n) for n, window in enumerate(windows))
    if ranked[0][0] > RARE_SHARE * sampled:
        return None
    rare = [windows[n] for count, n in ranked[:CHOSEN] if count <= NARROWING_SHARE * sampled]
    return rare if len(rare) < len(windows) else None


def _sample(session, id_column, text_column) -> tuple[int, Counter]:
    """How many values of the column were sampled (up to SAMPLE_SIZE, of rows picked at random by id) and
    in how many of them each trigram occurs (lower case); kept SAMPLE_SECONDS in this process."""
    key = (str(session.get_bind().url), id_column.table.name, str(text_column))
    kept = _samples.get(key)
    if kept is not None and time.monotonic() - kept[0] < SAMPLE_SECONDS:
        return kept[1]
    low, high = session.execute(select(func.min(id_column), func.max(id_column))).one()
    sample, counts = [], Counter()
    if low is not None:
        ids = random.sample(range(low, high + 1), min(SAMPLE_SIZE, high - low + 1))  # noqa: S311 (not security)
        sample = [value.lower() for value in session.scalars(select(text_column).where(id_column.in_(ids)))
                  if value is not None]
    for value in sample:
        counts.update({value[start:start + 3] for start in range(len(value) - 2)})
    _samples[key] = (time.monotonic(), (len(sample), counts))
    return _samples[key][1]


def forget_samples() -> None:
    """Drop the kept samples (tests that change a table and search it again at once)."""
    _samples.clear()
