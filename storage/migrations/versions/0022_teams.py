"""teams: several people per organisation (单位成员), invitations, their audit, ending sessions

Revision ID: 0022
Revises: 0020
Create Date: 2026-12-06 22:00:00

user_account: session_epoch (engine.domain.auth.end_sessions raises it; a web session stamped with an
older one opens nothing), full_name, rights (view submit review admin). Every existing account gets all
rights: it becomes 单位管理员 of its organisation.
"""
import sqlalchemy as sa
from alembic import op

import storage.db

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None

ALL_RIGHTS = "view submit review admin"


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_epoch', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('full_name', sa.String(length=50), server_default='', nullable=False))
        batch_op.add_column(sa.Column('rights', sa.String(length=100), server_default=ALL_RIGHTS,
                                      nullable=False))
    op.execute(sa.text("UPDATE user_account SET rights = :rights").bindparams(rights=ALL_RIGHTS))
    op.create_table(
        'team_invitation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('roles', sa.String(length=100), nullable=False),
        sa.Column('rights', sa.String(length=100), nullable=False),
        sa.Column('token_digest', sa.String(length=64), nullable=False),
        sa.Column('invited_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('expires_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('accepted_at', storage.db.UTCDateTime(), nullable=True),
        sa.Column('accepted_user_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', storage.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_team_invitation_organization_id_organization')),
        sa.ForeignKeyConstraint(['invited_by_id'], ['user_account.id'],
                                name=op.f('fk_team_invitation_invited_by_id_user_account')),
        sa.ForeignKeyConstraint(['accepted_user_id'], ['user_account.id'],
                                name=op.f('fk_team_invitation_accepted_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_invitation')),
        sa.UniqueConstraint('token_digest', name=op.f('uq_team_invitation_token_digest')),
    )
    op.create_index(op.f('ix_team_invitation_organization_id'), 'team_invitation', ['organization_id'])
    op.create_index(op.f('ix_team_invitation_email'), 'team_invitation', ['email'])
    op.create_table(
        'team_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('target_email', sa.String(length=254), nullable=False),
        sa.Column('detail', sa.JSON(), nullable=False),
        sa.Column('created_at', storage.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'],
                                name=op.f('fk_team_audit_organization_id_organization')),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_team_audit_actor_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team_audit')),
    )
    op.create_index(op.f('ix_team_audit_organization_id'), 'team_audit', ['organization_id'])
    op.create_index(op.f('ix_team_audit_created_at'), 'team_audit', ['created_at'])


def downgrade() -> None:
    op.drop_table('team_audit')
    op.drop_table('team_invitation')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('rights')
        batch_op.drop_column('full_name')
        batch_op.drop_column('session_epoch')
