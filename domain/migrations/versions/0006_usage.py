"""usage counters for tool-call quotas

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 10:22:31.282094
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('usage_counter',
    sa.Column('granularity', sa.Enum('minute', 'month', name='usage_granularity', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('period', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.Enum('account', 'user', 'tool', name='usage_scope', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('granularity', 'period', 'scope', 'subject')
    )


def downgrade() -> None:
    op.drop_table('usage_counter')
