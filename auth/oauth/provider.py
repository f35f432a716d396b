"""Our implementation of the SDK's ``OAuthAuthorizationServerProvider`` Protocol.

The SDK's handlers (``/authorize``) and ours (``/token``, ``/revoke``) talk to storage only
through this class. Database work runs in a worker thread (the ORM is synchronous) in its own
transaction, and time comes from an injected clock so tests can move it.

RFC 6749 (authorization code grant), RFC 7636 (PKCE, checked by the token handler), RFC 8707
(resource indicators: normalised here, anything but one of our MCP URLs is ``invalid_target``;
see ``auth.oauth.protected_resources``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, TypeVar

import anyio.to_thread
from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizationParams,
    AuthorizeError,
    RefreshToken,
    TokenError,
)
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken
from pydantic import AnyUrl
from sqlalchemy.engine import Engine
from sqlmodel import Session

from auth.oauth import clients, store
from auth.oauth.authorization_request import PendingAuthorization, PendingAuthorizations
from auth.oauth.cimd import MetadataDocumentError, MetadataDocumentFetcher, is_metadata_document_client_id
from auth.oauth.clients import HelpdeskClientInformation
from auth.oauth.models import ClientKind, OAuthClient, OAuthGrant, OAuthTokenRecord, TokenKind
from auth.oauth.pkce import FORMAT_RULE, well_formed
from auth.oauth.protected_resources import ProtectedResource, ResourceCatalog
from auth.oauth.resource import resolve_access_token
from auth.oauth.scopes import format_scopes, parse_scopes
from domain.db import session_scope

logger = logging.getLogger(__name__)
T = TypeVar("T")


class HelpdeskAuthorizationCode(AuthorizationCode):
    grant_id: int
    resource_normalised: str
    expires_at_dt: datetime


class HelpdeskRefreshToken(RefreshToken):
    grant_id: int
    record_id: int


class HelpdeskAccessToken(AccessToken):
    grant_id: int


@dataclass
class HelpdeskAuthorizationProvider:
    engine: Engine
    resources: ResourceCatalog
    pending: PendingAuthorizations
    lifetimes: store.TokenLifetimes
    fetcher: MetadataDocumentFetcher
    clock: Callable[[], datetime]

    async def run(self, work: Callable[[Session], T]) -> T:
        def in_transaction() -> T:
            with session_scope(self.engine) as session:
                return work(session)

        return await anyio.to_thread.run_sync(in_transaction)

    def resolve_resource(self, requested: str | None) -> ProtectedResource | None:
        """The resource a request asks for (``/mcp`` when it names none), or None if foreign."""
        if requested is None or requested == "":
            return self.resources.default
        return self.resources.at_url(requested)

    # --- clients -----------------------------------------------------------------------------

    async def get_client(self, client_id: str) -> HelpdeskClientInformation | None:
        if len(client_id) > 2048:
            return None
        now = self.clock()
        client, stale = await self.run(partial(_stored_client, client_id=client_id, now=now))
        if stale and is_metadata_document_client_id(client_id):
            return await self._fetch_metadata_document(client_id, now)
        return client

    async def _fetch_metadata_document(
        self, client_id: str, now: datetime
    ) -> HelpdeskClientInformation | None:
        try:
            document = await self.fetcher.fetch(client_id)
        except MetadataDocumentError as exc:
            logger.info("client metadata document %s refused: %s", client_id, exc)
            return await self.run(partial(_cached_client, client_id=client_id))

        def save(session: Session) -> HelpdeskClientInformation | None:
            row = clients.store_metadata_document(session, document, now=now)
            return None if row.revoked_at is not None else clients.to_client_information(row)

        return await self.run(save)

    async def register_client(self, client_info: OAuthClientInformationFull) -> None:
        raise NotImplementedError("registration goes through auth.oauth.registration")

    # --- authorization -------------------------------------------------------------------------

    async def authorize(self, client: OAuthClientInformationFull, params: AuthorizationParams) -> str:
        resource = self.resolve_resource(params.resource)
        if resource is None:
            raise AuthorizeError("invalid_target", "resource must be one of this server's MCP endpoints")
        if not well_formed(params.code_challenge):
            raise AuthorizeError("invalid_request", f"code_challenge must be {FORMAT_RULE}.")
        scopes = frozenset(params.scopes or [])
        if resource.read_only:  # a token obtained for a read-only URL is read-only everywhere
            scopes = frozenset(resource.scopes)
        pending = PendingAuthorization(
            client_id=client.client_id,
            redirect_uri=str(params.redirect_uri),
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
            scope=format_scopes(scopes) or None,
            state=params.state,
            code_challenge=params.code_challenge,
            resource=resource.url,
        )
        return self.pending.consent_url(pending, now=self.clock())

    async def load_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: str
    ) -> HelpdeskAuthorizationCode | None:
        def load(session: Session) -> HelpdeskAuthorizationCode | None:
            code = store.find_code(session, authorization_code)
            grant = session.get(OAuthGrant, code.grant_id) if code else None
            owner = session.get(OAuthClient, grant.client_pk) if grant else None
            if code is None or grant is None or owner is None or owner.client_id != client.client_id:
                return None
            return HelpdeskAuthorizationCode(
                code=authorization_code,
                scopes=sorted(parse_scopes(grant.scope)),
                expires_at=code.expires_at.timestamp(),
                expires_at_dt=code.expires_at,
                client_id=owner.client_id,
                code_challenge=code.code_challenge,
                redirect_uri=AnyUrl(code.redirect_uri),
                redirect_uri_provided_explicitly=code.redirect_uri_provided_explicitly,
                resource=grant.resource,
                resource_normalised=grant.resource,
                subject=str(grant.agent_id),
                grant_id=code.grant_id,
            )

        return await self.run(load)

    async def exchange_authorization_code(
        self, client: OAuthClientInformationFull, authorization_code: HelpdeskAuthorizationCode
    ) -> OAuthToken:
        now = self.clock()

        def exchange(session: Session) -> store.IssuedTokens | str:
            code = store.find_code(session, authorization_code.code)
            if code is None:
                return "authorization code does not exist"
            try:
                return store.redeem_code(session, code=code, now=now, lifetimes=self.lifetimes)
            except store.GrantRevoked as exc:
                return str(exc)  # returned, not raised: the revocation must be committed

        return _token_or_error(await self.run(exchange))

    # --- refresh -------------------------------------------------------------------------------

    async def load_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: str
    ) -> HelpdeskRefreshToken | None:
        def load(session: Session) -> HelpdeskRefreshToken | None:
            record = store.find_token(session, refresh_token, TokenKind.refresh)
            grant = session.get(OAuthGrant, record.grant_id) if record else None
            owner = session.get(OAuthClient, grant.client_pk) if grant else None
            if record is None or grant is None or owner is None or owner.client_id != client.client_id:
                return None
            assert record.id is not None
            return HelpdeskRefreshToken(
                token=refresh_token,
                client_id=owner.client_id,
                scopes=sorted(parse_scopes(record.scope)),
                expires_at=int(record.expires_at.timestamp()),
                resource=grant.resource,
                subject=str(grant.agent_id),
                grant_id=grant.id,
                record_id=record.id,
            )

        return await self.run(load)

    async def exchange_refresh_token(
        self, client: OAuthClientInformationFull, refresh_token: HelpdeskRefreshToken, scopes: list[str]
    ) -> OAuthToken:
        now = self.clock()

        def exchange(session: Session) -> store.IssuedTokens | str:
            record = session.get(OAuthTokenRecord, refresh_token.record_id)
            if record is None:
                return "refresh token does not exist"
            try:
                return store.rotate_refresh_token(
                    session,
                    record=record,
                    presented=refresh_token.token,
                    scopes=frozenset(scopes),
                    now=now,
                    lifetimes=self.lifetimes,
                )
            except store.GrantRevoked as exc:
                return str(exc)

        return _token_or_error(await self.run(exchange))

    # --- access tokens and revocation ----------------------------------------------------------

    async def load_access_token(self, token: str) -> HelpdeskAccessToken | None:
        now = self.clock()

        def load(session: Session) -> HelpdeskAccessToken | None:
            identity = resolve_access_token(
                session, token, resource=self.resources.default, catalog=self.resources, now=now
            )
            if identity is None:
                return None
            return HelpdeskAccessToken(
                token=token,
                client_id=identity.client_id,
                scopes=sorted(identity.scopes),
                expires_at=int(identity.expires_at.timestamp()),
                resource=self.resources.default.url,
                subject=str(identity.agent_id),
                grant_id=identity.grant_id,
            )

        return await self.run(load)

    async def revoke_token(self, token: HelpdeskAccessToken | HelpdeskRefreshToken) -> None:
        """RFC 7009 §2.1: revoking either token of a grant revokes the whole grant."""
        now = self.clock()
        await self.run(partial(_revoke_family, grant_id=token.grant_id, now=now))

    async def revoke_presented_token(self, client: HelpdeskClientInformation, token: str) -> None:
        """Revoke ``token`` (access or refresh, live or not) if it belongs to ``client``."""
        now = self.clock()

        def revoke(session: Session) -> None:
            record = store.find_token(session, token)
            grant = session.get(OAuthGrant, record.grant_id) if record else None
            if grant is None or grant.client_pk != client.record_id:
                return  # RFC 7009 §2.2: unknown or foreign tokens are answered 200 all the same
            assert grant.id is not None
            store.revoke_grant_family(session, grant_id=grant.id, reason="revoked_by_client", now=now)

        await self.run(revoke)

    async def exchange_identity_assertion(
        self, client: OAuthClientInformationFull, params: Any
    ) -> OAuthToken:
        raise TokenError("unsupported_grant_type", "The JWT bearer grant is not supported")


def _stored_client(
    session: Session, *, client_id: str, now: datetime
) -> tuple[HelpdeskClientInformation | None, bool]:
    """The stored client, and whether it must be (re)fetched as a metadata document."""
    row = clients.find_client(session, client_id)
    if row is None:
        return None, True
    if row.revoked_at is not None:
        return None, False
    if row.kind == ClientKind.metadata_document and not clients.is_fresh(row, now=now):
        return None, True
    return clients.to_client_information(row), False


def _cached_client(session: Session, *, client_id: str) -> HelpdeskClientInformation | None:
    """A stale copy of a document that could not be fetched again (stale-if-error)."""
    row = clients.find_client(session, client_id)
    if row is None or row.revoked_at is not None or row.fetched_at is None:
        return None
    return clients.to_client_information(row)


def _revoke_family(session: Session, *, grant_id: int, now: datetime) -> None:
    store.revoke_grant_family(session, grant_id=grant_id, reason="revoked_by_client", now=now)


def _token_or_error(outcome: store.IssuedTokens | str) -> OAuthToken:
    if isinstance(outcome, str):
        raise TokenError("invalid_grant", outcome)
    return OAuthToken(
        access_token=outcome.access_token,
        token_type="Bearer",  # noqa: S106
        expires_in=outcome.expires_in,
        scope=outcome.scope,
        refresh_token=outcome.refresh_token,
    )


def lifetimes_from_settings(
    access_token_ttl_seconds: int, refresh_token_ttl_days: int
) -> store.TokenLifetimes:
    return store.TokenLifetimes(
        access=timedelta(seconds=access_token_ttl_seconds), refresh=timedelta(days=refresh_token_ttl_days)
    )
