"""Token revocation, RFC 7009 (https://www.rfc-editor.org/rfc/rfc7009).

Public and confidential clients alike may revoke their own access and refresh tokens (the SDK's
handler refuses a public client for want of a ``client_secret``). Revoking either token of a
grant revokes the whole grant (§2.1 lets the server do so, and a client revoking is signing
out). Unknown, foreign or already revoked tokens get the same 200 (§2.2), so the endpoint tells
an attacker nothing. Tokens are marked revoked, never deleted.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcp.server.auth.handlers.revoke import RevocationErrorResponse
from mcp.server.auth.json_response import PydanticJSONResponse
from starlette.requests import Request
from starlette.responses import Response

from auth.oauth.client_auth import ClientAuthenticationFailed, ClientAuthenticator
from auth.oauth.provider import HelpdeskAuthorizationProvider
from auth.oauth.token import NO_STORE, invalid_client, read_form


@dataclass
class RevocationHandler:
    provider: HelpdeskAuthorizationProvider
    authenticator: ClientAuthenticator

    async def handle(self, request: Request) -> Response:
        form = await read_form(request)
        if form is None:
            return _invalid_request("The body must be application/x-www-form-urlencoded.")
        try:
            client = await self.authenticator.authenticate(request, form)
        except ClientAuthenticationFailed as exc:
            return invalid_client(exc)
        token = form.get("token")
        if not isinstance(token, str) or not token:
            return _invalid_request("The token parameter is required.")
        await self.provider.revoke_presented_token(client, token)
        return Response(status_code=200, headers=NO_STORE)


def _invalid_request(description: str) -> Response:
    body = RevocationErrorResponse(error="invalid_request", error_description=description)
    return PydanticJSONResponse(content=body, status_code=400, headers=NO_STORE)
