"""the outbox's queue indexed on its own: a partial index of the unsent rows replaces the index of every sent_at

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 23:00:00

The drain reads the oldest unsent rows (``sent_at IS NULL ... ORDER BY id LIMIT n``). ix_outbox_sent_at held
an entry for every row ever queued, and with statistics taken while the queue was full PostgreSQL walked the
primary key from the first row instead, past every row sent since (4.4 ms a drain in issue 15's throughput
run, growing with the table). ix_outbox_unsent holds only the queue, in the drain's order.
"""
import sqlalchemy as sa
from alembic import op

revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None

UNSENT = sa.text("sent_at IS NULL")


def upgrade() -> None:
    op.create_index("ix_outbox_unsent", "outbox", ["id"], sqlite_where=UNSENT, postgresql_where=UNSENT)
    op.drop_index("ix_outbox_sent_at", table_name="outbox")


def downgrade() -> None:
    op.create_index("ix_outbox_sent_at", "outbox", ["sent_at"])
    op.drop_index("ix_outbox_unsent", table_name="outbox")
