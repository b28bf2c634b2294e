"""designer-made forms: deployed versions, drafts, submissions, and the forms a process version is bound to

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 19:20:00.000000
"""
from alembic import op
import sqlalchemy as sa
import storage.db


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def _user_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ['user_account.id'], name=op.f(f'fk_{table}_{column}_user_account'))


def _form_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ['form_definition.id'],
                                   name=op.f(f'fk_{table}_{column}_form_definition'))


def upgrade() -> None:
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('forms', sa.JSON(), nullable=True))
    op.create_table(
        'form_definition',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=100), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('schema', sa.JSON(), nullable=False),
        sa.Column('deployed_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('deployed_by_id', sa.Integer(), nullable=True),
        sa.Column('is_current', sa.Boolean(), nullable=False),
        sa.Column('note', sa.Text(), nullable=True),
        _user_fk('form_definition', 'deployed_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_definition')),
        sa.UniqueConstraint('key', 'sha256', name=op.f('uq_form_definition_key')),
        sa.UniqueConstraint('key', 'version', name='uq_form_definition_key_version'),
    )
    op.create_index('uq_form_definition_current', 'form_definition', ['key'], unique=True,
                    sqlite_where=sa.text('is_current'), postgresql_where=sa.text('is_current'))
    op.create_table(
        'form_draft',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('form_key', sa.String(length=100), nullable=False),
        sa.Column('schema', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=20), nullable=False),
        sa.Column('revision', sa.Integer(), nullable=False),
        sa.Column('base_definition_id', sa.Integer(), nullable=True),
        sa.Column('deployed_definition_id', sa.Integer(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', storage.db.UTCDateTime(), nullable=False),
        _form_fk('form_draft', 'base_definition_id'),
        _form_fk('form_draft', 'deployed_definition_id'),
        _user_fk('form_draft', 'created_by_id'),
        _user_fk('form_draft', 'updated_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_draft')),
    )
    op.create_index(op.f('ix_form_draft_form_key'), 'form_draft', ['form_key'], unique=False)
    op.create_table(
        'form_submission',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('instance_id', sa.Integer(), nullable=False),
        sa.Column('human_task_id', sa.Integer(), nullable=False),
        sa.Column('form_definition_id', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('created_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('answers', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'],
                                name=op.f('fk_form_submission_instance_id_process_instance')),
        sa.ForeignKeyConstraint(['human_task_id'], ['human_task.id'],
                                name=op.f('fk_form_submission_human_task_id_human_task')),
        _form_fk('form_submission', 'form_definition_id'),
        _user_fk('form_submission', 'actor_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_form_submission')),
        sa.UniqueConstraint('human_task_id', name=op.f('uq_form_submission_human_task_id')),
    )
    op.create_index(op.f('ix_form_submission_instance_id'), 'form_submission', ['instance_id'], unique=False)
    op.create_index(op.f('ix_form_submission_form_definition_id'), 'form_submission', ['form_definition_id'],
                    unique=False)
    op.create_table(
        'form_submission_file',
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('file_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['submission_id'], ['form_submission.id'],
                                name=op.f('fk_form_submission_file_submission_id_form_submission')),
        sa.ForeignKeyConstraint(['file_id'], ['stored_file.id'],
                                name=op.f('fk_form_submission_file_file_id_stored_file')),
        sa.PrimaryKeyConstraint('submission_id', 'file_id', name=op.f('pk_form_submission_file')),
    )
    op.create_index(op.f('ix_form_submission_file_file_id'), 'form_submission_file', ['file_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_form_submission_file_file_id'), table_name='form_submission_file')
    op.drop_table('form_submission_file')
    op.drop_table('form_submission')
    op.drop_index(op.f('ix_form_draft_form_key'), table_name='form_draft')
    op.drop_table('form_draft')
    op.drop_index('uq_form_definition_current', table_name='form_definition')
    op.drop_table('form_definition')
    with op.batch_alter_table('process_definition', schema=None) as batch_op:
        batch_op.drop_column('forms')
