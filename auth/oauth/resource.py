"""The protected-resource side: checking a token's audience and challenging callers.

- RFC 8707 (https://www.rfc-editor.org/rfc/rfc8707): resource indicators. Tokens are bound to
  the normalised resource they were requested for and accepted only where that audience covers
  the URL they are presented to (``auth.oauth.protected_resources``).
- RFC 6750 §3 (https://www.rfc-editor.org/rfc/rfc6750#section-3) and RFC 9728 §5.1: the
  ``WWW-Authenticate: Bearer`` challenge, with ``resource_metadata`` (clients discover the
  authorization server from it) and ``scope`` (clients request exactly that).

``resolve_access_token`` looks a token up in the database; the ``/mcp`` edge keeps what it
resolved in memory until the identity generation moves (``domain.freshness``): a revocation by an
admin, by the agent or by the client moves it, and applies on every worker within a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Table, bindparam, select
from sqlmodel import Session

from auth.oauth.credentials import ACCESS_TOKEN_PREFIX, hash_credential
from auth.oauth.models import OAuthClient, OAuthGrant, OAuthTokenRecord, TokenKind
from auth.oauth.protected_resources import ProtectedResource, ResourceCatalog
from auth.oauth.scopes import parse_scopes

TOKEN: Table = OAuthTokenRecord.__table__  # type: ignore[attr-defined]
GRANT: Table = OAuthGrant.__table__  # type: ignore[attr-defined]
CLIENT: Table = OAuthClient.__table__  # type: ignore[attr-defined]


def www_authenticate(
    resource: ProtectedResource,
    *,
    error: str | None = None,
    scope: str | None = None,
    error_description: str | None = None,
) -> str:
    """The ``WWW-Authenticate`` value for every 401 and 403 from an MCP URL: it names that URL's
    own metadata (RFC 9728 §5.1), so clients ask for a token for exactly that URL.

    ``error`` is ``invalid_token`` (401: missing, unknown, expired or revoked credential) or
    ``insufficient_scope`` (403); ``scope`` defaults to every scope the URL's tools need.
    """
    parts = [
        f'resource_metadata="{resource.metadata_url}"',
        f'scope="{scope or " ".join(resource.scopes)}"',
    ]
    if error:
        parts.append(f'error="{error}"')
    if error_description:
        parts.append('error_description="{}"'.format(error_description.replace("\\", "").replace('"', "'")))
    return "Bearer " + ", ".join(parts)


@dataclass(frozen=True, slots=True)
class AccessTokenIdentity:
    """Who a valid access token speaks for. Only valid tokens resolve; anything else is None."""

    agent_id: int
    scopes: frozenset[str]
    client_id: str
    grant_id: int
    expires_at: datetime

    @property
    def reference(self) -> str:
        """How audit logs name the credential: the grant, never the token."""
        return f"oauth_grant:{self.grant_id}"


def resolve_access_token(
    session: Session,
    token: str,
    *,
    resource: ProtectedResource,
    catalog: ResourceCatalog,
    now: datetime,
) -> AccessTokenIdentity | None:
    """The identity behind an OAuth access token presented to ``resource``.

    None for a token that is unknown, expired, revoked (itself, its grant or its client), or
    whose audience does not cover ``resource`` (see ``ProtectedResource.covers``): the edge
    answers all of these with 401 ``invalid_token``.
    """
    if not token.startswith(ACCESS_TOKEN_PREFIX):
        return None
    row = session.execute(LIVE_ACCESS_TOKEN, {"token_hash": hash_credential(token)}).first()
    if row is None or row.expires_at <= now:
        return None
    audience = catalog.at_url(row.resource)
    if audience is None or not audience.covers(resource):
        return None
    return AccessTokenIdentity(
        agent_id=row.agent_id,
        scopes=parse_scopes(row.scope),
        client_id=row.client_id,
        grant_id=row.grant_id,
        expires_at=row.expires_at,
    )


def _live_access_token() -> Select[Any]:
    """The live (unrevoked token, grant and client) access token with this hash: one Core query
    of the columns the identity needs, no ORM objects (it runs on every request)."""
    token, grant, client = TOKEN.c, GRANT.c, CLIENT.c
    return (
        select(
            token.scope,
            token.expires_at,
            token.grant_id,
            grant.agent_id,
            grant.resource,
            client.client_id,
        )
        .join_from(TOKEN, GRANT, grant.id == token.grant_id)
        .join(CLIENT, client.id == grant.client_pk)
        .where(
            token.token_hash == bindparam("token_hash"),
            token.kind == TokenKind.access,
            token.revoked_at.is_(None),
            grant.revoked_at.is_(None),
            client.revoked_at.is_(None),
        )
    )


# Built once: constructing a statement costs more than running it on a hot path.
LIVE_ACCESS_TOKEN = _live_access_token()


class BoundTokenResolver:
    """``resolve_access_token`` bound to this server's resources, in the shape the MCP edge
    calls (``resolver(session, token, resource=..., now=...)``)."""

    def __init__(self, catalog: ResourceCatalog) -> None:
        self.catalog = catalog

    def __call__(
        self, session: Session, token: str, *, resource: ProtectedResource, now: datetime
    ) -> AccessTokenIdentity | None:
        return resolve_access_token(session, token, resource=resource, catalog=self.catalog, now=now)
