"""The public catalogue's search table: one row per plan shown in 对标方案 (公示中 or 发布).

``plan_search`` is written by ``engine.domain.catalog.refresh_search_entry`` only. Each
database indexes it with objects the ORM cannot describe, created by raw SQL in migration
0005 and kept out of ``Base.metadata``:

* SQLite: ``plan_search_fts``, an FTS5 external-content table (trigram tokenizer) over
  ``plan_search.search_text``, kept in step by three triggers on ``plan_search``; FTS5
  adds its shadow tables ``plan_search_fts_data`` / ``_idx`` / ``_docsize`` / ``_config``.
* PostgreSQL: ``ix_plan_search_text_trgm``, a GIN ``gin_trgm_ops`` index on
  ``plan_search.search_text`` (extension pg_trgm).

``storage.migrate.include_object`` tells Alembic's comparison to leave those objects alone.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text, column, table
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Base, UTCDateTime
from storage.models.workflow import ProcessInstance

FTS_TABLE = "plan_search_fts"
TRIGRAM_INDEX = "ix_plan_search_text_trgm"
# PostgreSQL's pg_trgm GIN indexes of the other substring searches (migration 0020): the operator
# console's subject and organisation name, 达标结果's and 对标结果's search keys.
# SQLite's FTS5 trigram tables of the same three columns (migration 0020), external-content tables kept in
# step by triggers on their tables, as plan_search_fts is.
SUBJECT_FTS, CERTIFICATE_FTS, DECLARATION_FTS = "process_instance_fts", "certificate_fts", "declaration_fts"
# Organisation names (migration 0033): SQLite's FTS5 trigram tables of the name and of its compact form
# (lower case, no spaces: 对标结果's enterprise match), PostgreSQL's GIN trigram index of the compact form.
ORGANIZATION_FTS, ORGANIZATION_COMPACT_FTS = "organization_name_fts", "organization_compact_fts"
LIST_FTS_TABLES = (SUBJECT_FTS, CERTIFICATE_FTS, DECLARATION_FTS, ORGANIZATION_FTS, ORGANIZATION_COMPACT_FTS)
# PostgreSQL's instance subjects (migration 0034): a table of their own, kept in step by triggers on
# process_instance, carries their trigram index, so that an instance's saves do not rewrite it.
SUBJECT_SEARCH = table("process_instance_subject", column("instance_id", Integer), column("subject", Text))
LIST_TRIGRAM_INDEXES = ("ix_process_instance_subject_search_trgm", "ix_certificate_search_text_trgm",
                        "ix_declaration_search_text_trgm", "ix_organization_name_trgm",
                        "ix_organization_compact_name_trgm")


def subject_columns(dialect: str) -> tuple:
    """(instance id, subject) as the subject search reads them: on PostgreSQL from process_instance_subject
    (its trigram index), on SQLite from process_instance (its FTS5 table)."""
    if dialect == "postgresql":
        return SUBJECT_SEARCH.c.instance_id, SUBJECT_SEARCH.c.subject
    return ProcessInstance.id, ProcessInstance.subject


class PlanSearchEntry(Base):
    """A public plan's search key; its presence means the plan is in the catalogue."""

    __tablename__ = "plan_search"

    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), primary_key=True)
    # When the plan became public (发布时间, or the start of 公示): the catalogue's order.
    public_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # 标准号, 标准名称 and 机构名称, each through engine.domain.keys.search_key, one per line.
    search_text: Mapped[str] = mapped_column(Text)
