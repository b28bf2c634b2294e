"""spent nonces: sessions that logged out and captchas already answered

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 18:10:00.000000
"""
from alembic import op
import sqlalchemy as sa
import storage.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'spent_nonce',
        sa.Column('nonce', sa.String(length=64), nullable=False),
        sa.Column('expires_at', storage.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('nonce', name=op.f('pk_spent_nonce')),
    )
    op.create_index(op.f('ix_spent_nonce_expires_at'), 'spent_nonce', ['expires_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_spent_nonce_expires_at'), table_name='spent_nonce')
    op.drop_table('spent_nonce')
