"""operator list indexes: the operator API's instance list at 100k instances

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 22:30:00

GET /api/v1/operator/instances lists instances newest first, filtered by status or by process and
status: (status, created_at) and (process_key, status, created_at) let both walk an index in the
list's order and stop after a page (ix_process_instance_key_created, 0015, serves a process alone).
"""
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_process_instance_status_created', 'process_instance', ['status', 'created_at'],
                    unique=False)
    op.create_index('ix_process_instance_key_status_created', 'process_instance',
                    ['process_key', 'status', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_process_instance_key_status_created', table_name='process_instance')
    op.drop_index('ix_process_instance_status_created', table_name='process_instance')
