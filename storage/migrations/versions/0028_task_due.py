"""task due dates: 待办's 期限 filter (已超期 / 即将到期) and sort (issue 17)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 01:30:00

human_task.due_at is set from the BPMN (a boundary timer on the user task, or its timeLimitDays) when
the task becomes ready; the open rows are filtered and sorted by it, so a partial index over those rows.
"""
from alembic import op
from sqlalchemy import text

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_human_task_ready_due', 'human_task', ['due_at', 'id'], unique=False,
                    postgresql_where=text("state = 'ready'"), sqlite_where=text("state = 'ready'"))


def downgrade() -> None:
    op.drop_index('ix_human_task_ready_due', table_name='human_task')
