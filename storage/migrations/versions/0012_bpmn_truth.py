"""the BPMN as the one source of truth: stage labels, per-task history on the audit rows, withdrawals, errors

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 14:30:00.000000
"""
from alembic import op
import sqlalchemy as sa
import storage.db


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# The words the shipped BPMN declares today, for instances saved before stage labels were projected.
_LABELS = {
    'comparison_report': {'report_drafting': '待编制方案', 'report_review': '比对分析报告审核中',
                          'returned': '已退回（比对分析报告）', 'withdrawn': '已撤回（比对分析报告）',
                          'report_approved': '比对分析报告审核通过', 'rejected': '不予通过'},
    'formal_plan': {'plan_drafting': '方案编制中', 'plan_review': '正式版审核中', 'returned': '已退回（正式版）',
                    'withdrawn': '已撤回（正式版）', 'published': '发布', 'rejected': '不予通过',
                    'publicity': '公示中', 'comments_review': '公示结束'},
    'compliance_review': {'institution_review': '待机构审核', 'office_review': '待专项办审核',
                          'evaluation_returned': '待机构重新评价', 'issued': '已发证', 'failed': '未达标',
                          'returned': '已退回', 'withdrawn': '已撤回', 'rejected': '不予通过'},
    'self_declaration': {'declared': '已发布（待核查）', 'published': '已发布（待核查）', 'confirmed': '已核查', 'taken_down': '已撤下',
                         'withdrawn': '已撤回'},
}
_COMMON = {'vetting': '待审核', 'returned': '已退回', 'withdrawn': '已撤回', 'approved': '审核通过',
           'rejected': '不予通过'}


def upgrade() -> None:
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_label', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('error', sa.Text(), nullable=True))
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.add_column(sa.Column('withdraw_message', sa.String(length=100), nullable=True))
    with op.batch_alter_table('process_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('human_task_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('title', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('decision', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('reason', sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f('ix_process_event_human_task_id'), ['human_task_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_process_event_human_task_id_human_task'), 'human_task',
                                    ['human_task_id'], ['id'])
    for subject in ('plan', 'application', 'declaration'):
        with op.batch_alter_table(subject, schema=None) as batch_op:
            batch_op.add_column(sa.Column('status_instance_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f'fk_{subject}_status_instance_id_process_instance'),
                                        'process_instance', ['status_instance_id'], ['id'])
    instance = sa.table('process_instance', sa.column('process_key', sa.String), sa.column('stage', sa.String),
                        sa.column('stage_label', sa.String))
    for key in ('registration_vetting', 'pilot_enrollment', *_LABELS):
        for code, label in {**_COMMON, **_LABELS.get(key, {})}.items():
            op.execute(instance.update().where(instance.c.process_key == key, instance.c.stage == code)
                       .values(stage_label=label))


def downgrade() -> None:
    for subject in ('plan', 'application', 'declaration'):
        with op.batch_alter_table(subject, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{subject}_status_instance_id_process_instance'),
                                     type_='foreignkey')
            batch_op.drop_column('status_instance_id')
    with op.batch_alter_table('process_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_process_event_human_task_id_human_task'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_process_event_human_task_id'))
        batch_op.drop_column('reason')
        batch_op.drop_column('decision')
        batch_op.drop_column('title')
        batch_op.drop_column('human_task_id')
    with op.batch_alter_table('human_task', schema=None) as batch_op:
        batch_op.drop_column('withdraw_message')
    with op.batch_alter_table('process_instance', schema=None) as batch_op:
        batch_op.drop_column('error')
        batch_op.drop_column('stage_label')
