"""Tables of the OAuth 2.1 authorization server (RFC 6749, RFC 7591, RFC 7009).

Security reasoning shared by every table:

- Client secrets, authorization codes, access tokens and refresh tokens are stored only as
  SHA-256 hashes. They are long random strings (no dictionary to attack), so an unsalted fast
  hash is enough to make a stolen database useless for calling the server.
- Nothing is deleted on revocation: rows are marked (``revoked_at`` and a reason), so the admin
  console can show what happened and a replayed credential is recognised as a replay.
- A *grant* is one approval by one agent of one client (one run of the authorization flow).
  Every code and token descends from exactly one grant, so revoking the grant revokes the whole
  token family (RFC 9700 §4.14: refresh token reuse and code replay revoke the family).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, String
from sqlmodel import Field, SQLModel

from domain.freshness import IDENTITY
from domain.pagination import PageInfo
from domain.records import Record
from domain.types import enum_column, json_column, timestamp_column, utcnow


class ClientKind(enum.StrEnum):
    dynamic = "dynamic"  # RFC 7591 dynamic client registration at /register
    metadata_document = "metadata_document"  # a Client ID Metadata Document (https client_id)
    preregistered = "preregistered"  # created by an admin (CLI or console) with a fixed secret


class TokenKind(enum.StrEnum):
    access = "access"
    refresh = "refresh"


class OAuthClient(SQLModel, table=True):
    __tablename__ = "oauth_client"
    __table_args__ = {"info": IDENTITY}  # writes move the identity generation (domain.freshness)
    id: int | None = Field(default=None, primary_key=True)
    # A random id for registered clients; the document URL itself for metadata-document clients.
    client_id: str = Field(sa_column=Column(String(2048), nullable=False, unique=True))
    kind: ClientKind = Field(sa_column=enum_column(ClientKind, "oauth_client_kind"))
    client_name: str = Field(default="", max_length=200)
    client_uri: str | None = Field(default=None, max_length=2048)
    # "none" (public client), "client_secret_basic" or "client_secret_post"; confidential clients
    # may use either secret method whatever they registered with.
    token_endpoint_auth_method: str = Field(max_length=32)
    client_secret_hash: str | None = Field(default=None, max_length=64)
    redirect_uris: list[str] = Field(default_factory=list, sa_column=json_column())
    grant_types: list[str] = Field(default_factory=list, sa_column=json_column())
    scope: str = Field(max_length=200)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    # Metadata documents are cached: refetched once this is older than the cache lifetime.
    fetched_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))


class OAuthGrant(SQLModel, table=True):
    __tablename__ = "oauth_grant"
    __table_args__ = {"info": IDENTITY}  # writes move the identity generation (domain.freshness)
    id: int | None = Field(default=None, primary_key=True)
    client_pk: int = Field(foreign_key="oauth_client.id", index=True)
    agent_id: int = Field(foreign_key="agent.id", index=True, ondelete="CASCADE")
    scope: str = Field(max_length=200)
    # The RFC 8707 resource (normalised) every token of this grant is bound to.
    resource: str = Field(max_length=2048)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    last_used_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    revoked_reason: str | None = Field(default=None, max_length=64)


class OAuthCode(SQLModel, table=True):
    __tablename__ = "oauth_code"
    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    grant_id: int = Field(foreign_key="oauth_grant.id", index=True, ondelete="CASCADE")
    redirect_uri: str = Field(max_length=2048)
    redirect_uri_provided_explicitly: bool = True
    code_challenge: str = Field(max_length=128)
    expires_at: datetime = Field(sa_column=timestamp_column())
    used_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())


class OAuthTokenRecord(SQLModel, table=True):
    __tablename__ = "oauth_token"
    __table_args__ = {"info": IDENTITY}  # writes move the identity generation (domain.freshness)
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, sa_column_kwargs={"unique": True})
    kind: TokenKind = Field(sa_column=enum_column(TokenKind, "oauth_token_kind"))
    grant_id: int = Field(foreign_key="oauth_grant.id", index=True, ondelete="CASCADE")
    scope: str = Field(max_length=200)
    expires_at: datetime = Field(sa_column=timestamp_column())
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp_column())
    revoked_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    # Refresh tokens only: when the token was exchanged, and the pair it was exchanged for,
    # encrypted under a key derived from this token (so only its holder can read it back during
    # the grace window; see ``auth.oauth.rotation``).
    rotated_at: datetime | None = Field(default=None, sa_column=timestamp_column(nullable=True))
    successor: str | None = Field(default=None, max_length=1024)


class OAuthClientPublic(Record):
    client_id: str
    kind: ClientKind
    client_name: str
    client_uri: str | None
    token_endpoint_auth_method: str
    redirect_uris: list[str]
    scope: str
    created_at: datetime
    revoked_at: datetime | None
    active_grants: int


class OAuthClientsPublic(PageInfo):
    clients: list[OAuthClientPublic]


class OAuthGrantPublic(Record):
    id: int
    client_id: str
    client_name: str
    agent_id: int
    agent_email: str
    scope: str
    resource: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    revoked_reason: str | None


class OAuthGrantsPublic(PageInfo):
    grants: list[OAuthGrantPublic]
