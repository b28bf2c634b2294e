"""Substring search answered from an index on both databases, as 对标方案's (engine.domain.catalog):
PostgreSQL's pg_trgm GIN index under a literal ``LIKE '%…%'``, SQLite's FTS5 trigram table (an
external-content table kept in step by triggers, migration 0020) for keys of three characters or more.
Shorter keys cannot use trigrams: they scan with LIKE on both.
"""
from __future__ import annotations

from sqlalchemy import column, select, table

MIN_INDEXED = 3  # characters: trigrams answer nothing shorter


def like_pattern(text: str) -> str:
    """``%text%`` with LIKE's wildcards escaped (escape character ``\\``), as a literal: PostgreSQL's
    planner sees it and answers it from the trigram index."""
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def ids_containing(dialect: str, id_column, text_column, fts_table: str, text: str):
    """A SELECT of the ``id_column`` values whose ``text_column`` contains ``text``."""
    if dialect == "sqlite" and len(text) >= MIN_INDEXED:
        phrase = '"' + text.replace('"', '""') + '"'
        return select(column("rowid")).select_from(table(fts_table)).where(column(fts_table).op("MATCH")(phrase))
    return select(id_column).where(text_column.like(like_pattern(text), escape="\\"))
