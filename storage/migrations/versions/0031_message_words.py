"""message_words: a 我的消息 notice's title and body as message ids and parameters (shown in the reader's language)

Revision ID: 0031
Revises: 0027
Create Date: 2026-12-07 01:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.add_column(sa.Column('words', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('message') as batch:
        batch.drop_column('words')
