"""the operator console's indexes: the instance list's filters and sorting, the dashboard's aggregates

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 17:30:00.000000

process_instance: started / updated / completed time (date filters, sorting, completions per day),
stage, definition (version filter), starting organisation, and (process_key, created_at) for one
process newest first; human_task: organisation (the organisation filter reaches tasks too).
"""
from alembic import op


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

INDEXES = [
    ('ix_process_instance_created_at', 'process_instance', ['created_at']),
    ('ix_process_instance_updated_at', 'process_instance', ['updated_at']),
    ('ix_process_instance_completed_at', 'process_instance', ['completed_at']),
    ('ix_process_instance_stage', 'process_instance', ['stage']),
    ('ix_process_instance_definition_id', 'process_instance', ['definition_id']),
    ('ix_process_instance_started_by_org_id', 'process_instance', ['started_by_org_id']),
    ('ix_process_instance_key_created', 'process_instance', ['process_key', 'created_at']),
    ('ix_human_task_organization_id', 'human_task', ['organization_id']),
    ('ix_human_task_instance_state', 'human_task', ['instance_id', 'state']),
]


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns, unique=False)


def downgrade() -> None:
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
