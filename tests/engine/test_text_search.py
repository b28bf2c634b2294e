"""Substring search through the key's rare trigrams (engine.text_search, issue 15) finds exactly the rows
the plain search finds, on both databases, and PostgreSQL answers it from the trigram indexes.

The data are bench/lists.py's bulk fill (2,000 instances, 2,000 certificates and declarations, 40
organisations): certificate numbers and models share their first trigrams, as real ones do.
"""
from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, func, insert, literal_column, select, text, update

from bench.console_list import NOW as MOMENT
from bench.console_list import fill
from bench.lists import fill_public
from engine import text_search
from engine.domain import declarations
from storage.models import Certificate, Declaration, Organization, ProcessInstance
from storage.models.search import (
    CERTIFICATE_FTS,
    DECLARATION_FTS,
    ORGANIZATION_COMPACT_FTS,
    ORGANIZATION_FTS,
    SUBJECT_FTS,
    subject_columns,
)

pytestmark = pytest.mark.postgres

COMPACT_NAME = func.replace(func.lower(Organization.name), literal_column("' '"), literal_column("''"))
SEARCHED = {  # (id column, text column, FTS table, folded): the keys searched in it
    "certificate": ((Certificate.id, Certificate.search_text, CERTIFICATE_FTS, True),
                    ["db2026000123", "db2026000", "2026001", "000123", "xh1999", "电动车1234", "db2026",
                     "db2026009999", "6000", "0%1", "2_0"]),
    "declaration": ((Declaration.id, Declaration.search_text, DECLARATION_FTS, True),
                    ["xh1999", "xh19", "xh1", "电动车19", "gb996", "1999", "xh1999x", "\"xh"]),
    # PostgreSQL reads the subjects from process_instance_subject (migration 0034): see _columns.
    "subject": ((ProcessInstance.id, ProcessInstance.subject, SUBJECT_FTS, False),
                ["样例 1234", "样例 12", "样例", "1234", "例 1", "样例 1999", "样例 19990", "XH", "样例 1%"]),
    "organisation": ((Organization.id, Organization.name, ORGANIZATION_FTS, True),
                     ["样例单位0012", "单位0012", "0012", "单位00", "样例单位"]),
    "organisation, compact": ((Organization.id, COMPACT_NAME, ORGANIZATION_COMPACT_FTS, True),
                              ["样例单位0012", "单位0012", "位00"]),
}


@pytest.fixture
def filled(session_factory, session):
    fill(session_factory, 2_000)
    fill_public(session_factory, 10_000)
    session.execute(text("ANALYZE"))
    session.commit()
    return session


def _columns(session, columns) -> tuple:
    """The subject's columns as the database searches them (storage.models.search.subject_columns)."""
    dialect = session.get_bind().dialect.name
    if columns[1] is ProcessInstance.subject:
        return (*subject_columns(dialect), *columns[2:])
    return columns


def _found(session, columns, key, rare: bool) -> set[int]:
    id_column, text_column, fts, folded = _columns(session, columns)
    dialect = session.get_bind().dialect.name
    query = text_search.ids_containing(dialect, id_column, text_column, fts, key, session if rare else None, folded)
    return set(session.scalars(query))


def test_the_rare_trigrams_find_the_same_rows_as_the_whole_key(filled):
    chosen = 0
    for label, (columns, keys) in SEARCHED.items():
        for key in keys:
            expected = _found(filled, columns, key, rare=False)
            assert _found(filled, columns, key, rare=True) == expected, (label, key)
            searched = _columns(filled, columns)
            chosen += text_search._rare_trigrams(filled, filled.get_bind().dialect.name, searched[0], searched[1], key,
                                                 searched[3]) is not None
    assert chosen >= 6  # identifier-shaped keys take the rare trigrams' way


def test_an_identifier_is_looked_up_by_its_rare_trigrams_only(filled):
    dialect = filled.get_bind().dialect.name
    rare = text_search._rare_trigrams(filled, dialect, Certificate.id, Certificate.search_text, "db2026000123",
                                      folded=True)
    assert rare and all(trigram not in ("db2", "b20", "202", "026") for trigram in rare), rare
    # A common word has no rare trigram: searched as before.
    assert text_search._rare_trigrams(filled, dialect, Certificate.id, Certificate.search_text, "db2026",
                                      folded=True) is None
    # SQLite: a key with letters whose case LIKE would not fold as FTS5 does is searched as before.
    if dialect == "sqlite":
        assert text_search._rare_trigrams(filled, dialect, ProcessInstance.id, ProcessInstance.subject,
                                          "Ärger 1234", folded=False) is None


def _index_names(session, query) -> set[str]:
    compiled = query.compile(session.get_bind())
    session.execute(text("SET LOCAL enable_seqscan = off"))
    raw = session.connection().exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    session.rollback()
    names, todo = set(), [plan]
    while todo:
        node = todo.pop()
        names.add(node.get("Index Name"))
        todo.extend(node.get("Plans", []))
    return names


def test_postgresql_answers_the_rare_trigrams_from_the_trigram_indexes(filled):
    if filled.get_bind().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    # Enough organisations that an index beats reading them all (the bench's 100k have 2,000).
    filled.execute(insert(Organization.__table__), [
        {"kind": "enterprise", "name": f"企业 {n:04d}", "status": "active", "created_at": MOMENT, "updated_at": MOMENT}
        for n in range(2_000)])
    filled.execute(text("ANALYZE organization"))
    filled.commit()
    for index, columns, key in (
            ("ix_certificate_search_text_trgm", SEARCHED["certificate"][0], "db2026000123"),
            ("ix_declaration_search_text_trgm", SEARCHED["declaration"][0], "xh1999"),
            ("ix_organization_compact_name_trgm", SEARCHED["organisation, compact"][0], "样例单位0012")):
        id_column, text_column, fts, folded = columns
        query = text_search.ids_containing("postgresql", id_column, text_column, fts, key, filled, folded)
        assert index in _index_names(filled, query), index
    # 对标结果 searched by a model: the enterprise-name arm reads the compact name's index too.
    base = declarations._matching(select(Declaration.id), "XH-1999", "postgresql", filled)
    assert {"ix_declaration_search_text_trgm", "ix_organization_compact_name_trgm"} <= _index_names(filled, base)


def test_the_organisation_name_indexes_follow_renames_and_deletions(session):
    from engine.domain import console

    dialect = session.get_bind().dialect.name
    session.execute(insert(Organization.__table__), [
        {"id": 9001, "kind": "enterprise", "name": "旧名 Alpha 公司", "status": "active", "created_at": MOMENT,
         "updated_at": MOMENT},
        {"id": 9002, "kind": "enterprise", "name": "Beta 公司", "status": "active", "created_at": MOMENT,
         "updated_at": MOMENT}])
    session.commit()
    session.execute(update(Organization).where(Organization.id == 9001).values(name="新名 Gamma 公司"))
    session.execute(delete(Organization).where(Organization.id == 9002))
    session.commit()

    def named(text):
        return set(session.scalars(console.names_containing(text, dialect, session)))

    def compact(text):
        found = text_search.ids_containing(dialect, Organization.id, COMPACT_NAME, ORGANIZATION_COMPACT_FTS, text,
                                           session, folded=True)
        return set(session.scalars(found))

    assert named("新名 Gamma") == {9001} and named("旧名") == set() and named("Beta 公司") == set()
    assert compact("新名gamma公司") == {9001} and compact("旧名alpha") == set() and compact("beta公司") == set()
