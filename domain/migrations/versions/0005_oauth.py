"""OAuth 2.1 authorization server: clients, grants, codes, tokens; persisted server secrets

Revision ID: 0005
Revises: 0004 (0004 went to search on main, so OAuth takes 0005)
Create Date: 2026-11-24 10:22:15.307758
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import domain.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('oauth_client',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_id', sa.String(length=2048), nullable=False),
    sa.Column('kind', sa.Enum('dynamic', 'metadata_document', 'preregistered', name='oauth_client_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('client_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('client_uri', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True),
    sa.Column('token_endpoint_auth_method', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('client_secret_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('redirect_uris', sa.JSON(), nullable=False),
    sa.Column('grant_types', sa.JSON(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', domain.types.UTCDateTime(), nullable=False),
    sa.Column('fetched_at', domain.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', domain.types.UTCDateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_id')
    )
    op.create_table('server_secret',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('created_at', domain.types.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('name')
    )
    op.create_table('oauth_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('client_pk', sa.Integer(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('resource', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
    sa.Column('created_at', domain.types.UTCDateTime(), nullable=False),
    sa.Column('last_used_at', domain.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', domain.types.UTCDateTime(), nullable=True),
    sa.Column('revoked_reason', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agent.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['client_pk'], ['oauth_client.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('oauth_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_grant_agent_id'), ['agent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_oauth_grant_client_pk'), ['client_pk'], unique=False)

    op.create_table('oauth_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('redirect_uri', sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=False),
    sa.Column('redirect_uri_provided_explicitly', sa.Boolean(), nullable=False),
    sa.Column('code_challenge', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('expires_at', domain.types.UTCDateTime(), nullable=False),
    sa.Column('used_at', domain.types.UTCDateTime(), nullable=True),
    sa.Column('created_at', domain.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['grant_id'], ['oauth_grant.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code_hash')
    )
    with op.batch_alter_table('oauth_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_code_grant_id'), ['grant_id'], unique=False)

    op.create_table('oauth_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('kind', sa.Enum('access', 'refresh', name='oauth_token_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('grant_id', sa.Integer(), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('expires_at', domain.types.UTCDateTime(), nullable=False),
    sa.Column('created_at', domain.types.UTCDateTime(), nullable=False),
    sa.Column('revoked_at', domain.types.UTCDateTime(), nullable=True),
    sa.Column('rotated_at', domain.types.UTCDateTime(), nullable=True),
    sa.Column('successor', sqlmodel.sql.sqltypes.AutoString(length=1024), nullable=True),
    sa.ForeignKeyConstraint(['grant_id'], ['oauth_grant.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('oauth_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oauth_token_grant_id'), ['grant_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('oauth_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_token_grant_id'))

    op.drop_table('oauth_token')
    with op.batch_alter_table('oauth_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_code_grant_id'))

    op.drop_table('oauth_code')
    with op.batch_alter_table('oauth_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oauth_grant_client_pk'))
        batch_op.drop_index(batch_op.f('ix_oauth_grant_agent_id'))

    op.drop_table('oauth_grant')
    op.drop_table('server_secret')
    op.drop_table('oauth_client')
