"""Admin console: tool switches, the audit log of tool calls and its per-day counts

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 10:46:03.851436
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import domain.types

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_daily_count',
    sa.Column('day', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('calls', sa.Integer(), nullable=False),
    sa.Column('errors', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day')
    )
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', domain.types.UTCDateTime(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('agent_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('credential_kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('credential', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('tool', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('arguments', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('outcome', sa.Enum('ok', 'error', name='audit_outcome', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entry_agent_email'), ['agent_email'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entry_tool'), ['tool'], unique=False)

    op.create_table('tool_switch',
    sa.Column('tool', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('disabled_at', domain.types.UTCDateTime(), nullable=False),
    sa.Column('disabled_by', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.PrimaryKeyConstraint('tool')
    )


def downgrade() -> None:
    op.drop_table('tool_switch')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entry_tool'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entry_agent_email'))

    op.drop_table('audit_entry')
    op.drop_table('audit_daily_count')
