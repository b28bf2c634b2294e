"""the designer's workspace: the current version of each process, drafts, and the design audit trail

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 16:40:00.000000
"""
from alembic import op
import sqlalchemy as sa
import storage.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_current', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('scenarios', sa.JSON(), nullable=True))
    # Until now new instances started on the newest version: that one is current.
    op.execute("""
        UPDATE process_definition SET is_current = TRUE
        WHERE version = (SELECT MAX(newer.version) FROM process_definition AS newer
                         WHERE newer.key = process_definition.key)
    """)
    op.create_index('uq_process_definition_current', 'process_definition', ['key'], unique=True,
                    sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
    op.create_table(
        'process_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('process_key', sa.String(length=100), nullable=False),
        sa.Column('bpmn_xml', sa.Text(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('scenarios', sa.JSON(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('base_definition_id', sa.Integer(), nullable=True),
        sa.Column('deployed_definition_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', storage.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['base_definition_id'], ['process_definition.id'],
                                name=op.f('fk_process_draft_base_definition_id_process_definition')),
        sa.ForeignKeyConstraint(['deployed_definition_id'], ['process_definition.id'],
                                name=op.f('fk_process_draft_deployed_definition_id_process_definition')),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_process_draft_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'],
                                name=op.f('fk_process_draft_updated_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_process_draft')),
    )
    op.create_index(op.f('ix_process_draft_process_key'), 'process_draft', ['process_key'], unique=False)
    op.create_table(
        'design_audit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=30), nullable=False),
        sa.Column('process_key', sa.String(length=100), nullable=False),
        sa.Column('draft_id', sa.Integer(), nullable=True),
        sa.Column('definition_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('summary', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_design_audit_actor_id_user_account')),
        sa.ForeignKeyConstraint(['definition_id'], ['process_definition.id'],
                                name=op.f('fk_design_audit_definition_id_process_definition')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_design_audit')),
    )
    op.create_index(op.f('ix_design_audit_created_at'), 'design_audit', ['created_at'], unique=False)
    op.create_index(op.f('ix_design_audit_process_key'), 'design_audit', ['process_key'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_design_audit_process_key'), table_name='design_audit')
    op.drop_index(op.f('ix_design_audit_created_at'), table_name='design_audit')
    op.drop_table('design_audit')
    op.drop_index(op.f('ix_process_draft_process_key'), table_name='process_draft')
    op.drop_table('process_draft')
    op.drop_index('uq_process_definition_current', table_name='process_definition')
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.drop_column('scenarios')
        batch_op.drop_column('note')
        batch_op.drop_column('is_current')
