"""list indexes: the lists and searches at 100k instances

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 20:40:00

human_task: a partial index of the open (READY) rows by creation time, which 待办 walks newest first;
certificate: one of the valid (not revoked) rows by issue time, which 达标结果 walks and counts.
PostgreSQL only, by raw SQL as in 0005 (kept out of the ORM metadata; storage.migrate.include_object
hides them from the models-vs-migrations comparison): pg_trgm GIN indexes for the substring searches of
the operator console (process_instance.subject), 达标结果 (certificate.search_text) and 对标结果
(declaration.search_text). ``fastupdate = off`` as in 0005: every search reads the index proper.
"""
import sqlalchemy as sa
from alembic import op

revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

TRIGRAM_INDEXES = (
    ("ix_process_instance_subject_trgm", "process_instance", "subject"),
    ("ix_certificate_search_text_trgm", "certificate", "search_text"),
    ("ix_declaration_search_text_trgm", "declaration", "search_text"),
)


def upgrade() -> None:
    op.create_index('ix_human_task_ready_created', 'human_task', ['created_at', 'id'], unique=False,
                    postgresql_where=sa.text("state = 'ready'"), sqlite_where=sa.text("state = 'ready'"))
    op.create_index('ix_certificate_valid_issued', 'certificate', ['issued_at', 'id'], unique=False,
                    postgresql_where=sa.text("revoked_at IS NULL"), sqlite_where=sa.text("revoked_at IS NULL"))
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in TRIGRAM_INDEXES:
        op.execute(f"CREATE INDEX {name} ON {table} USING gin ({column} gin_trgm_ops) WITH (fastupdate = off)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, _, _ in reversed(TRIGRAM_INDEXES):
            op.execute(f"DROP INDEX IF EXISTS {name}")
    op.drop_index('ix_certificate_valid_issued', table_name='certificate')
    op.drop_index('ix_human_task_ready_created', table_name='human_task')
