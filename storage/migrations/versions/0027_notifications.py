"""notifications: 消息设置 per user (新待办, 每日汇总, 办理结果, language) and the daily digests sent

Revision ID: 0027
Revises: 0020
Create Date: 2026-12-06 22:00:00
"""
import sqlalchemy as sa
from alembic import op

import storage.db

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notification_preference',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('new_task', sa.Boolean(), nullable=False),
        sa.Column('daily_digest', sa.Boolean(), nullable=False),
        sa.Column('outcomes', sa.Boolean(), nullable=False),
        sa.Column('locale', sa.String(length=10), nullable=False),
        sa.Column('updated_at', storage.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_notification_preference_user_id_user_account')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notification_preference')),
    )
    op.create_table(
        'digest_sent',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('sent_at', storage.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_digest_sent_user_id_user_account')),
        sa.PrimaryKeyConstraint('user_id', 'day', name=op.f('pk_digest_sent')),
    )


def downgrade() -> None:
    op.drop_table('digest_sent')
    op.drop_table('notification_preference')
