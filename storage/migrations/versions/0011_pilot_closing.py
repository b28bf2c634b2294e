"""pilot closing and editing (结束招募, 编辑 by the office)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08 03:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import storage.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', storage.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('updated_at', storage.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_pilot_closed_by_id_user_account'), 'user_account', ['closed_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_pilot_updated_by_id_user_account'), 'user_account', ['updated_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('pilot', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_pilot_updated_by_id_user_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_pilot_closed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('updated_by_id')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('closed_by_id')
        batch_op.drop_column('closed_at')
