"""organization status changes (停用 / 启用 by the office)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08 02:00:00.000000
"""
from alembic import op
import sqlalchemy as sa
import storage.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('organization_status_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('to_status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_by_id', sa.Integer(), nullable=False),
    sa.Column('changed_at', storage.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_organization_status_change_changed_by_id_user_account')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_organization_status_change_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organization_status_change'))
    )
    with op.batch_alter_table('organization_status_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_status_change_organization_id'), ['organization_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('organization_status_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_status_change_organization_id'))

    op.drop_table('organization_status_change')
