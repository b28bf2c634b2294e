"""work list indexes: the filters of 待办 / 已办 and the office's record lists (issue 17)

Revision ID: 0026
Revises: 0020
Create Date: 2026-12-06 22:20:00

organization.province_code: the 省份 filter (the organisations of one province, then their instances,
applications, certificates…); human_task (completed_by_id, completed_at): 已办 of one user by the time
each task was done, walked in order rather than sorted.
"""
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_organization_province_code', 'organization', ['province_code'], unique=False)
    op.create_index('ix_human_task_done', 'human_task', ['completed_by_id', 'completed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_human_task_done', table_name='human_task')
    op.drop_index('ix_organization_province_code', table_name='organization')
