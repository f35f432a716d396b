"""requester email lower index

Requesters are looked up by email ignoring case (createTicket with an email, fetchRequesters
with an email filter); the unique index on ``email`` cannot serve ``lower(email) = ...``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:18:41.443091
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_requester_email_lower', 'requester', [sa.text('lower(email)')], unique=False)


def downgrade() -> None:
    op.drop_index('ix_requester_email_lower', table_name='requester')
