"""enterprise industry code: 企业信息填报's 所属行业（国民经济行业分类）, a GB/T 4754 class code (issue 17)

Revision ID: 0029
Revises: 0027
Create Date: 2026-12-07 01:10:00

Nullable: the profiles saved before stay NULL (统计分析 counts them as 未填写) until the enterprise
saves its 信息填报 again. No index: 统计分析 reaches a profile by its primary key (the organisation of
an application) and groups by the code's first letter, which an index on the code would not serve.
"""
import sqlalchemy as sa
from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('enterprise_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('industry_code', sa.String(length=5), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enterprise_profile', schema=None) as batch_op:
        batch_op.drop_column('industry_code')
