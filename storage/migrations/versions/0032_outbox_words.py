"""outbox_words: an organisation's outcome e-mail as message ids and parameters (sent in each reader's language)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 02:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('words', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('words')
