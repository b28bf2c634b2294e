"""list indexes: the lists and searches at 100k instances

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 20:40:00

human_task: a partial index of the open (READY) rows by creation time, which 待办 walks newest first;
certificate: one of the valid (not revoked) rows by issue time, which 达标结果 walks and counts.
SQLite: FTS5 trigram tables of the same three columns, external-content tables kept in step by triggers
as plan_search_fts is (0005); a later migration that rebuilds one of these tables in batch mode drops the
triggers: recreate them there. PostgreSQL, by raw SQL as in 0005 (kept out of the ORM metadata; storage.migrate.include_object
hides them from the models-vs-migrations comparison): pg_trgm GIN indexes for the substring searches of
the operator console (process_instance.subject, and organization.name for its organisation filter), 达标结果 (certificate.search_text) and 对标结果
(declaration.search_text). ``fastupdate = off`` as in 0005: every search reads the index proper.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

# SQLite: (FTS5 table, its content table, the column), each kept in step by three triggers; the update
# trigger fires only when that column is written (the engine's saves never write it).
FTS_TABLES = (
    ("process_instance_fts", "process_instance", "subject"),
    ("certificate_fts", "certificate", "search_text"),
    ("declaration_fts", "declaration", "search_text"),
)
TRIGRAM_INDEXES = (
    ("ix_process_instance_subject_trgm", "process_instance", "subject"),
    ("ix_certificate_search_text_trgm", "certificate", "search_text"),
    ("ix_declaration_search_text_trgm", "declaration", "search_text"),
    ("ix_organization_name_trgm", "organization", "name"),
)


def upgrade() -> None:
    op.create_index('ix_human_task_ready_created', 'human_task', ['created_at', 'id'], unique=False,
                    postgresql_where=sa.text("state = 'ready'"), sqlite_where=sa.text("state = 'ready'"))
    op.create_index('ix_certificate_valid_issued', 'certificate', ['issued_at', 'id'], unique=False,
                    postgresql_where=sa.text("revoked_at IS NULL"), sqlite_where=sa.text("revoked_at IS NULL"))
    if op.get_bind().dialect.name == "sqlite":
        for fts, content, column in FTS_TABLES:
            for statement in _sqlite_fts(fts, content, column):
                op.execute(statement)
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops) WITH (fastupdate = off)")


def _sqlite_fts(fts: str, content: str, column: str) -> tuple[str, ...]:
    delete = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    insert = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
    return (
        f"CREATE VIRTUAL TABLE {fts} USING fts5({column}, content='{content}', content_rowid='id', "
        "tokenize='trigram')",
        f"CREATE TRIGGER {fts}_ai AFTER INSERT ON {content} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_ad AFTER DELETE ON {content} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_au AFTER UPDATE OF {column} ON {content} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for fts, _, _ in reversed(FTS_TABLES):
            for suffix in ("au", "ad", "ai"):
                op.execute(f"DROP TRIGGER IF EXISTS {fts}_{suffix}")
            op.execute(f"DROP TABLE IF EXISTS {fts}")
    if op.get_bind().dialect.name == "postgresql":
        for name, _, _ in reversed(TRIGRAM_INDEXES):
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index('ix_certificate_valid_issued', table_name='certificate')
    op.drop_index('ix_human_task_ready_created', table_name='human_task')
