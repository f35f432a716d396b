"""Per-user quotas: an admin's limits for one user

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 14:55:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import domain.types

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('user_quota',
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('per_minute', sa.Integer(), nullable=True),
    sa.Column('per_month', sa.Integer(), nullable=True),
    sa.Column('updated_at', domain.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('agent_id')
    )


def downgrade() -> None:
    op.drop_table('user_quota')
