"""plan search: the public catalogue (对标方案) and its substring index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 10:00:00

``plan_search`` (mapped: storage/models/search.py) holds one row per public plan with
its search key. Each database indexes the key with objects made here by raw SQL and
kept out of the ORM metadata (storage.migrate.include_object hides them from the
models-vs-migrations comparison):

* SQLite: an FTS5 external-content table with the trigram tokenizer, kept in step with
  ``plan_search`` by three triggers. A later migration that rebuilds ``plan_search`` in
  batch mode (copy, drop, rename) drops these triggers: recreate them there.
* PostgreSQL: pg_trgm and a GIN ``gin_trgm_ops`` index. pg_trgm only makes trigrams
  of "alphanumeric" characters as the database's LC_CTYPE sees them: under ``C`` /
  ``POSIX`` Chinese characters are dropped, so Chinese queries would still be answered
  correctly but by scanning the whole index. The upgrade checks and logs a warning;
  create the database with a UTF-8 ctype (``C.UTF-8``, ``zh_CN.UTF-8``, …). The index
  is built with ``fastupdate = off``: the table is small and rarely written (a plan
  entering 公示 or 发布), and without a pending list every search reads only the index
  proper, which also keeps the planner's cost estimate for it honest.
"""
import logging

import sqlalchemy as sa
from alembic import op

import storage.db

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

SQLITE_UP = (
    "CREATE VIRTUAL TABLE plan_search_fts USING fts5(search_text, content='plan_search', "
    "content_rowid='plan_id', tokenize='trigram')",
    "CREATE TRIGGER plan_search_fts_ai AFTER INSERT ON plan_search BEGIN "
    "INSERT INTO plan_search_fts(rowid, search_text) VALUES (new.plan_id, new.search_text); END",
    "CREATE TRIGGER plan_search_fts_ad AFTER DELETE ON plan_search BEGIN "
    "INSERT INTO plan_search_fts(plan_search_fts, rowid, search_text) "
    "VALUES ('delete', old.plan_id, old.search_text); END",
    "CREATE TRIGGER plan_search_fts_au AFTER UPDATE ON plan_search BEGIN "
    "INSERT INTO plan_search_fts(plan_search_fts, rowid, search_text) "
    "VALUES ('delete', old.plan_id, old.search_text); "
    "INSERT INTO plan_search_fts(rowid, search_text) VALUES (new.plan_id, new.search_text); END",
)
SQLITE_DOWN = (
    "DROP TRIGGER IF EXISTS plan_search_fts_au",
    "DROP TRIGGER IF EXISTS plan_search_fts_ad",
    "DROP TRIGGER IF EXISTS plan_search_fts_ai",
    "DROP TABLE IF EXISTS plan_search_fts",
)
POSTGRESQL_UP = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_plan_search_text_trgm ON plan_search USING gin (search_text gin_trgm_ops) "
    "WITH (fastupdate = off)",
)
POSTGRESQL_DOWN = ("DROP INDEX IF EXISTS ix_plan_search_text_trgm",)


def upgrade() -> None:
    op.create_table('plan_search',
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('public_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_search_plan_id_plan')),
    sa.PrimaryKeyConstraint('plan_id', name=op.f('pk_plan_search'))
    )
    with op.batch_alter_table('plan_search', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_search_public_at'), ['public_at'], unique=False)

    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_UP, "postgresql": POSTGRESQL_UP}.get(dialect, ()):
        op.execute(statement)
    if dialect == "postgresql":
        _check_cjk_trigrams()


def _check_cjk_trigrams() -> None:
    trigrams = op.get_bind().execute(sa.text("SELECT show_trgm('电动')")).scalar()
    if not trigrams:
        logging.getLogger("alembic.runtime.migration").warning(
            "pg_trgm makes no trigrams of Chinese characters under this database's LC_CTYPE: "
            "对标方案 searches in Chinese will scan the whole trigram index. "
            "Use a database created with a UTF-8 ctype (e.g. C.UTF-8).")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": SQLITE_DOWN, "postgresql": POSTGRESQL_DOWN}.get(dialect, ()):
        op.execute(statement)
    with op.batch_alter_table('plan_search', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_search_public_at'))

    op.drop_table('plan_search')
