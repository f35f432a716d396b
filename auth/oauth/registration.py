"""Dynamic client registration, RFC 7591 (https://www.rfc-editor.org/rfc/rfc7591).

Open (no initial access token): MCP clients register themselves, some on every connection.
Where the SDK's ``RegistrationHandler`` differs from what clients need:

- an omitted ``token_endpoint_auth_method`` means ``client_secret_basic`` (RFC 7591 §2), not
  ``client_secret_post``; either way the secret is then accepted by Basic or in the form;
- ``none`` registers a public client with no secret;
- redirect URIs are checked against our rules (``auth.oauth.redirects``) and refused with
  ``invalid_redirect_uri``;
- fields we do not use (``application_type``, extra grant types, ``jwks``…) are ignored rather
  than refused, and the response always states the ``scope`` granted (both scopes by default).

The secret is returned once, here, and only its hash is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import anyio.to_thread
import pydantic_core
from mcp.server.auth.errors import stringify_pydantic_error
from mcp.server.auth.handlers.register import RegistrationErrorResponse
from mcp.server.auth.json_response import PydanticJSONResponse
from mcp.server.auth.provider import RegistrationErrorCode
from mcp.shared.auth import OAuthClientInformationFull
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.engine import Engine
from starlette.requests import Request
from starlette.responses import Response

from auth.oauth.clients import GRANT_TYPES, create_client
from auth.oauth.models import ClientKind
from auth.oauth.redirects import InvalidRedirectUri
from domain.db import session_scope

SUPPORTED_METHODS = ("none", "client_secret_basic", "client_secret_post")
DEFAULT_METHOD = "client_secret_basic"


class RegistrationRequest(BaseModel):
    """The RFC 7591 §2 fields we act on; everything else in the request is ignored."""

    model_config = ConfigDict(extra="ignore")

    redirect_uris: list[str] = Field(min_length=1, max_length=20)
    token_endpoint_auth_method: str | None = None
    grant_types: list[str] | None = None
    response_types: list[str] | None = None
    scope: str | None = Field(default=None, max_length=500)
    client_name: str | None = Field(default=None, max_length=500)
    client_uri: str | None = Field(default=None, max_length=2048)
    software_id: str | None = Field(default=None, max_length=200)
    software_version: str | None = Field(default=None, max_length=200)


def registration_error(error: RegistrationErrorCode, description: str) -> Response:
    body = RegistrationErrorResponse(error=error, error_description=description)
    return PydanticJSONResponse(content=body, status_code=400, headers={"Cache-Control": "no-store"})


@dataclass
class RegistrationHandler:
    engine: Engine
    clock: Callable[[], datetime]

    async def handle(self, request: Request) -> Response:
        try:
            # Bounded nesting: a ValueError, never a RecursionError (see auth.oauth.cimd).
            body = pydantic_core.from_json(await request.body())
            metadata = RegistrationRequest.model_validate(body)
        except ValueError as exc:
            description = (
                stringify_pydantic_error(exc) if isinstance(exc, ValidationError) else "Body is not JSON."
            )
            return registration_error("invalid_client_metadata", description)
        method = metadata.token_endpoint_auth_method or DEFAULT_METHOD
        if method not in SUPPORTED_METHODS:
            return registration_error(
                "invalid_client_metadata",
                f"token_endpoint_auth_method must be one of {', '.join(SUPPORTED_METHODS)}.",
            )
        if metadata.grant_types is not None and "authorization_code" not in metadata.grant_types:
            return registration_error(
                "invalid_client_metadata", "grant_types must include authorization_code."
            )
        if metadata.response_types is not None and "code" not in metadata.response_types:
            return registration_error("invalid_client_metadata", "response_types must include code.")
        try:
            info = await anyio.to_thread.run_sync(self._register, metadata, method)
        except InvalidRedirectUri as exc:
            return registration_error("invalid_redirect_uri", str(exc))
        return PydanticJSONResponse(content=info, status_code=201, headers={"Cache-Control": "no-store"})

    def _register(self, metadata: RegistrationRequest, method: str) -> OAuthClientInformationFull:
        now = self.clock()
        client_uri = metadata.client_uri if (metadata.client_uri or "").startswith("https://") else None
        with session_scope(self.engine) as session:
            row, secret = create_client(
                session,
                kind=ClientKind.dynamic,
                client_name=(metadata.client_name or "").strip(),
                redirect_uris=metadata.redirect_uris,
                scope=metadata.scope,
                token_endpoint_auth_method=method,
                client_uri=client_uri,
                now=now,
            )
        return OAuthClientInformationFull(
            client_id=row.client_id,
            client_secret=secret,
            client_id_issued_at=int(now.timestamp()),
            client_secret_expires_at=0 if secret else None,
            client_name=row.client_name or None,
            client_uri=client_uri,  # type: ignore[arg-type]
            redirect_uris=row.redirect_uris,  # type: ignore[arg-type]
            token_endpoint_auth_method=method,
            grant_types=list(GRANT_TYPES),
            response_types=["code"],
            scope=row.scope,
            software_id=metadata.software_id,
            software_version=metadata.software_version,
        )
