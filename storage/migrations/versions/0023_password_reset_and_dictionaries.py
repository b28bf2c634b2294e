"""忘记密码 (single-use reset links) and 数据字典 (the option lists the forms offer, seeded from the lists
the code fixed until now, with the audit of their changes)

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-06 22:10:00

The seed is the lists as shipped (storage.dictionary_seed; the codes are those the records already
hold); after this migration the office owns them (系统管理 → 数据字典). GB/T 2260 regions and GB/T 4754 industries stay
shipped data (forms/data) and are not seeded here.
"""
import sqlalchemy as sa
from alembic import op

import storage.db
from storage.dictionary_seed import SEED  # the lists as shipped (a later change reaches new databases only)

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

def _user_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ['user_account.id'], name=op.f(f'fk_{table}_{column}_user_account'))


def upgrade() -> None:
    op.create_table(
        'password_reset_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('expires_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('used_at', storage.db.UTCDateTime(), nullable=True),
        _user_fk('password_reset_token', 'user_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_token')),
        sa.UniqueConstraint('digest', name=op.f('uq_password_reset_token_digest')),
    )
    op.create_index(op.f('ix_password_reset_token_user_id'), 'password_reset_token', ['user_id'], unique=False)
    entries = op.create_table(
        'dictionary_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dictionary', sa.String(length=40), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('updated_at', storage.db.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dictionary_entry')),
        sa.UniqueConstraint('dictionary', 'code', name=op.f('uq_dictionary_entry_dictionary')),
    )
    op.create_index(op.f('ix_dictionary_entry_dictionary'), 'dictionary_entry', ['dictionary'], unique=False)
    op.create_table(
        'dictionary_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dictionary', sa.String(length=40), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', storage.db.UTCDateTime(), nullable=False),
        _user_fk('dictionary_change', 'changed_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dictionary_change')),
    )
    op.create_index(op.f('ix_dictionary_change_dictionary'), 'dictionary_change', ['dictionary'], unique=False)
    op.create_index(op.f('ix_dictionary_change_changed_at'), 'dictionary_change', ['changed_at'], unique=False)
    op.bulk_insert(entries, [
        {"dictionary": key, "code": code, "label": label, "position": position, "enabled": True}
        for key, rows in SEED.items() for position, (code, label) in enumerate(rows, start=1)])


def downgrade() -> None:
    op.drop_index(op.f('ix_dictionary_change_changed_at'), table_name='dictionary_change')
    op.drop_index(op.f('ix_dictionary_change_dictionary'), table_name='dictionary_change')
    op.drop_table('dictionary_change')
    op.drop_index(op.f('ix_dictionary_entry_dictionary'), table_name='dictionary_entry')
    op.drop_table('dictionary_entry')
    op.drop_index(op.f('ix_password_reset_token_user_id'), table_name='password_reset_token')
    op.drop_table('password_reset_token')
