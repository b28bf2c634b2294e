"""忘记密码 (single-use reset links) and 数据字典 (the option lists the forms offer, seeded from the lists
the code fixed until now, with the audit of their changes)

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-06 22:10:00

The seed is a snapshot of the lists as shipped (the codes are those the records already hold); after
this migration the office owns them (系统管理 → 数据字典). GB/T 2260 regions and GB/T 4754 industries stay
shipped data (forms/data) and are not seeded here.
"""
from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

import storage.db

revision = '0023'
down_revision = '0020'
branch_labels = None
depends_on = None

SEED = {
    "pilot_field": (("product", "产品"), ("organization", "组织"), ("region", "区域")),
    "enterprise_scale": (("large", "大型企业"), ("medium", "中型企业"), ("small", "小型企业"), ("micro", "微型企业")),
    "enterprise_ownership": (("state", "国有企业"), ("collective", "集体企业"), ("cooperative", "股份合作"),
                             ("private", "私营企业"), ("foreign", "外资企业"), ("other", "其它")),
    "sector": (("primary", "一产"), ("secondary", "二产"), ("tertiary", "三产")),
    "standardization_body": (("dedicated", "设有专门的标准化管理部门"), ("shared", "由其他部门兼管"),
                             ("none", "未设立")),
    "standardization_need": (("drafting", "标准制修订"), ("benchmarking", "对标达标咨询"), ("testing", "检验检测"),
                             ("training", "标准化培训"), ("information", "标准信息服务"), ("other", "其它")),
    "institution_type": (("testing", "检验检测机构"), ("certification", "认证机构"),
                         ("standardization", "标准化技术机构"), ("association", "行业协会/学会"),
                         ("research", "科研院所/高校"), ("other", "其它")),
    "accreditation": (("cma", "检验检测机构资质认定（CMA）"), ("cnas", "中国合格评定国家认可（CNAS）"),
                      ("cnca", "认证机构批准（CNCA）"), ("other", "其它")),
}


def _user_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ['user_account.id'], name=op.f(f'fk_{table}_{column}_user_account'))


def upgrade() -> None:
    op.create_table(
        'password_reset_token',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('created_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('expires_at', storage.db.UTCDateTime(), nullable=False),
        sa.Column('used_at', storage.db.UTCDateTime(), nullable=True),
        _user_fk('password_reset_token', 'user_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_token')),
        sa.UniqueConstraint('digest', name=op.f('uq_password_reset_token_digest')),
    )
    op.create_index(op.f('ix_password_reset_token_user_id'), 'password_reset_token', ['user_id'], unique=False)
    entries = op.create_table(
        'dictionary_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dictionary', sa.String(length=40), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('label', sa.String(length=100), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('updated_at', storage.db.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dictionary_entry')),
        sa.UniqueConstraint('dictionary', 'code', name=op.f('uq_dictionary_entry_dictionary')),
    )
    op.create_index(op.f('ix_dictionary_entry_dictionary'), 'dictionary_entry', ['dictionary'], unique=False)
    op.create_table(
        'dictionary_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dictionary', sa.String(length=40), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.Column('action', sa.String(length=20), nullable=False),
        sa.Column('before', sa.JSON(), nullable=True),
        sa.Column('after', sa.JSON(), nullable=False),
        sa.Column('changed_by_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', storage.db.UTCDateTime(), nullable=False),
        _user_fk('dictionary_change', 'changed_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_dictionary_change')),
    )
    op.create_index(op.f('ix_dictionary_change_dictionary'), 'dictionary_change', ['dictionary'], unique=False)
    op.create_index(op.f('ix_dictionary_change_changed_at'), 'dictionary_change', ['changed_at'], unique=False)
    now = datetime.now(timezone.utc)
    op.bulk_insert(entries, [
        {"dictionary": key, "code": code, "label": label, "position": position, "enabled": True, "updated_at": now}
        for key, rows in SEED.items() for position, (code, label) in enumerate(rows, start=1)])


def downgrade() -> None:
    op.drop_index(op.f('ix_dictionary_change_changed_at'), table_name='dictionary_change')
    op.drop_index(op.f('ix_dictionary_change_dictionary'), table_name='dictionary_change')
    op.drop_table('dictionary_change')
    op.drop_index(op.f('ix_dictionary_entry_dictionary'), table_name='dictionary_entry')
    op.drop_table('dictionary_entry')
    op.drop_index(op.f('ix_password_reset_token_user_id'), table_name='password_reset_token')
    op.drop_table('password_reset_token')
