"""event hash chain: process_event.hash and process_instance.last_event_hash, filled for existing rows

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 19:30:00.000000

Existing rows are hashed here in (instance, sequence) order, a batch at a time, so that
``duibiao audit verify`` is clean right after the upgrade.
"""
from alembic import op
import sqlalchemy as sa
import storage.db
from storage import event_chain


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

BATCH = 5000

# The columns as this revision knows them (the models may change later).
_events = sa.table(
    'process_event', sa.column('id', sa.Integer()), sa.column('instance_id', sa.Integer()),
    sa.column('sequence', sa.Integer()), sa.column('kind', sa.String()), sa.column('task_name', sa.String()),
    sa.column('actor_id', sa.Integer()), sa.column('summary', sa.JSON()),
    sa.column('created_at', storage.db.UTCDateTime()), sa.column('human_task_id', sa.Integer()),
    sa.column('title', sa.String()), sa.column('decision', sa.String()), sa.column('reason', sa.Text()),
    sa.column('hash', sa.String()))
_instances = sa.table('process_instance', sa.column('id', sa.Integer()),
                      sa.column('last_event_hash', sa.String()))


def upgrade() -> None:
    op.add_column('process_event', sa.Column('hash', sa.String(length=64), nullable=True))
    op.add_column('process_instance', sa.Column('last_event_hash', sa.String(length=64), nullable=True))
    _hash_existing_rows(op.get_bind())


def _hash_existing_rows(connection) -> None:
    set_hash = _events.update().where(_events.c.id == sa.bindparam('b_id')).values(hash=sa.bindparam('v_hash'))
    set_head = (_instances.update().where(_instances.c.id == sa.bindparam('b_id'))
                .values(last_event_hash=sa.bindparam('v_hash')))
    after, previous = (0, 0), None
    while True:
        rows = connection.execute(
            sa.select(_events).where(sa.or_(
                _events.c.instance_id > after[0],
                sa.and_(_events.c.instance_id == after[0], _events.c.sequence > after[1])))
            .order_by(_events.c.instance_id, _events.c.sequence).limit(BATCH)).mappings().all()
        if not rows:
            return
        hashes, heads = [], {}
        for row in rows:
            if row['instance_id'] != after[0]:
                previous = None  # an instance's first row
            previous = event_chain.event_hash(row, previous)
            hashes.append({'b_id': row['id'], 'v_hash': previous})
            heads[row['instance_id']] = previous
            after = (row['instance_id'], row['sequence'])
        connection.execute(set_hash, hashes)
        connection.execute(set_head, [{'b_id': key, 'v_hash': value} for key, value in heads.items()])


def downgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_column('last_event_hash')
    with op.batch_alter_table('process_event', schema=None) as batch_op:
        batch_op.drop_column('hash')
