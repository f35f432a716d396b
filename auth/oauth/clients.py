"""Client records: registered, pre-registered and metadata-document clients, and how the SDK sees them.

RFC 7591 (dynamic registration), RFC 6749 §2 (client types and authentication), and the Client
ID Metadata Document draft (see ``auth.oauth.cimd``). Each client becomes the SDK's
``OAuthClientInformationFull`` for its handlers, with our redirect rule (RFC 8252 §7.3 loopback
ports) and our scope rule in place of the SDK's exact-match ones.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from mcp.shared.auth import InvalidRedirectUriError, InvalidScopeError, OAuthClientInformationFull
from pydantic import AnyUrl, Field
from sqlmodel import Session, select

from auth.oauth.cimd import ClientMetadataDocument
from auth.oauth.credentials import CLIENT_ID_PREFIX, CLIENT_SECRET_PREFIX, hash_credential, new_credential
from auth.oauth.models import ClientKind, OAuthClient
from auth.oauth.redirects import check_registrable, match_redirect_uri
from auth.oauth.scopes import KNOWN_SCOPES, SUPPORTED_SCOPES, format_scopes, grantable_scopes, parse_scopes

GRANT_TYPES = ["authorization_code", "refresh_token"]
SECRET_METHODS = ("client_secret_basic", "client_secret_post")
# How long a fetched metadata document is trusted before it is fetched again.
METADATA_DOCUMENT_CACHE = timedelta(hours=1)


class HelpdeskClientInformation(OAuthClientInformationFull):
    """A client as the SDK handlers see it, plus what our own handlers need (never serialised)."""

    record_id: int = Field(exclude=True)
    secret_hash: str | None = Field(default=None, exclude=True)
    kind: ClientKind = Field(default=ClientKind.dynamic, exclude=True)

    @property
    def is_confidential(self) -> bool:
        return self.secret_hash is not None

    def validate_redirect_uri(self, redirect_uri: AnyUrl | None) -> AnyUrl:
        registered = [str(uri) for uri in self.redirect_uris or []]
        if redirect_uri is None:
            if len(registered) == 1:
                return AnyUrl(registered[0])
            raise InvalidRedirectUriError("redirect_uri must be specified unless the client has exactly one")
        if match_redirect_uri(registered, str(redirect_uri)) is None:
            raise InvalidRedirectUriError(f"Redirect URI '{redirect_uri}' is not registered for this client")
        return redirect_uri

    def validate_scope(self, requested_scope: str | None) -> list[str] | None:
        """What to grant; a request naming only scopes that do not exist here is refused."""
        if requested_scope and not parse_scopes(requested_scope) & KNOWN_SCOPES:
            known = " ".join(SUPPORTED_SCOPES)
            raise InvalidScopeError(f"None of the requested scopes exists here; ask for {known}.")
        return sorted(grantable_scopes(requested_scope, allowed=self.scope))


def normalise_redirect_uris(uris: list[str]) -> list[str]:
    """Check every URI (``InvalidRedirectUri``) and return them as the SDK will compare them."""
    for uri in uris:
        check_registrable(uri)
    return [str(AnyUrl(uri)) for uri in uris]


def to_client_information(row: OAuthClient) -> HelpdeskClientInformation:
    assert row.id is not None
    return HelpdeskClientInformation(
        record_id=row.id,
        secret_hash=row.client_secret_hash,
        kind=row.kind,
        client_id=row.client_id,
        client_name=row.client_name or None,
        redirect_uris=[AnyUrl(uri) for uri in row.redirect_uris],
        grant_types=list(row.grant_types),
        token_endpoint_auth_method=row.token_endpoint_auth_method,
        scope=row.scope,
        client_id_issued_at=int(row.created_at.timestamp()),
    )


def find_client(session: Session, client_id: str) -> OAuthClient | None:
    """The client with this id, revoked or not."""
    return session.exec(select(OAuthClient).where(OAuthClient.client_id == client_id)).first()


def create_client(
    session: Session,
    *,
    kind: ClientKind,
    client_name: str,
    redirect_uris: list[str],
    scope: str | None,
    token_endpoint_auth_method: str,
    now: datetime,
    client_uri: str | None = None,
) -> tuple[OAuthClient, str | None]:
    """Store a new registered client; returns the row and its secret (None for a public client)."""
    secret = new_credential(CLIENT_SECRET_PREFIX) if token_endpoint_auth_method in SECRET_METHODS else None
    row = OAuthClient(
        client_id=new_credential(CLIENT_ID_PREFIX),
        kind=kind,
        client_name=client_name[:200],
        client_uri=client_uri,
        token_endpoint_auth_method=token_endpoint_auth_method,
        client_secret_hash=hash_credential(secret) if secret else None,
        redirect_uris=normalise_redirect_uris(redirect_uris),
        grant_types=list(GRANT_TYPES),
        scope=format_scopes(grantable_scopes(scope)),
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row, secret


def is_fresh(row: OAuthClient, *, now: datetime) -> bool:
    """Whether a cached metadata document may be used without fetching it again."""
    return row.fetched_at is not None and now - row.fetched_at <= METADATA_DOCUMENT_CACHE


def store_metadata_document(
    session: Session, document: ClientMetadataDocument, *, now: datetime
) -> OAuthClient:
    """Insert or refresh the cached copy of a document (a revoked client stays revoked)."""
    row = find_client(session, document.client_id) or OAuthClient(
        client_id=document.client_id,
        kind=ClientKind.metadata_document,
        token_endpoint_auth_method="none",  # noqa: S106
        scope=format_scopes(grantable_scopes(None)),
        created_at=now,
    )
    row.client_name = document.client_name
    row.client_uri = document.client_uri
    row.redirect_uris = list(document.redirect_uris)
    row.grant_types = list(GRANT_TYPES)
    row.scope = format_scopes(grantable_scopes(document.scope))
    row.fetched_at = now
    session.add(row)
    session.flush()
    return row
