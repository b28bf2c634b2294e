"""the operator's console: operator actions (audit), API token names and revocation

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 17:05:00.000000
"""
from alembic import op
import sqlalchemy as sa
import storage.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'operator_action',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('human_task_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_operator_action_actor_id_user_account')),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                                name=op.f('fk_operator_action_instance_id_process_instance')),
        sa.ForeignKeyConstraint(['human_task_id'], ['human_task.id'],
                                name=op.f('fk_operator_action_human_task_id_human_task')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_operator_action')),
    )
    op.create_index(op.f('ix_operator_action_created_at'), 'operator_action', ['created_at'], unique=False)
    op.create_index(op.f('ix_operator_action_instance_id'), 'operator_action', ['instance_id'], unique=False)
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name', sa.String(length=100), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('revoked_at', storage.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('name')
    op.drop_index(op.f('ix_operator_action_instance_id'), table_name='operator_action')
    op.drop_index(op.f('ix_operator_action_created_at'), table_name='operator_action')
    op.drop_table('operator_action')
