"""The token endpoint (RFC 6749 §3.2, §4.1.3, §6) with PKCE (RFC 7636 §4.6) and resource
indicators (RFC 8707 §2.2).

Replaces the SDK's ``TokenHandler`` where it falls short of real clients: client authentication
by Basic without ``client_id`` in the form, ``invalid_client`` as 401, the ``resource`` parameter
checked on both grants (a refresh without it keeps the grant's resource). It keeps the SDK's
request and response models and talks to storage through the provider Protocol.

Every response carries ``Cache-Control: no-store`` (§5.1). Dead codes and refresh tokens are
``invalid_grant`` (400); what happens to a replayed one is decided in ``auth.oauth.store``.
"""

from __future__ import annotations

from dataclasses import dataclass

from mcp.server.auth.errors import stringify_pydantic_error
from mcp.server.auth.handlers.token import (
    AuthorizationCodeRequest,
    RefreshTokenRequest,
    TokenErrorResponse,
)
from mcp.server.auth.json_response import PydanticJSONResponse
from mcp.server.auth.provider import TokenError, TokenErrorCode
from mcp.shared.auth import OAuthToken
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from auth.oauth.client_auth import ClientAuthenticationFailed, ClientAuthenticator
from auth.oauth.clients import HelpdeskClientInformation
from auth.oauth.pkce import FORMAT_RULE, pkce_matches
from auth.oauth.provider import HelpdeskAuthorizationProvider
from auth.oauth.scopes import SUPPORTED_SCOPES, parse_scopes

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
MAX_FORM_FIELDS = 20


def token_response(body: OAuthToken | TokenErrorResponse, *, status_code: int = 200) -> Response:
    return PydanticJSONResponse(content=body, status_code=status_code, headers=NO_STORE)


def token_error(error: TokenErrorCode, description: str) -> Response:
    return token_response(TokenErrorResponse(error=error, error_description=description), status_code=400)


def invalid_client(exc: ClientAuthenticationFailed) -> Response:
    headers = dict(NO_STORE)
    if exc.used_basic:
        headers["WWW-Authenticate"] = 'Basic realm="helpdesk-mcp"'
    body = TokenErrorResponse(error="invalid_client", error_description=exc.description)
    return PydanticJSONResponse(content=body, status_code=401, headers=headers)


async def read_form(request: Request) -> FormData | None:
    """The url-encoded body, or None if the request does not carry one."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return None
    return await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)


@dataclass
class TokenHandler:
    provider: HelpdeskAuthorizationProvider
    authenticator: ClientAuthenticator

    async def handle(self, request: Request) -> Response:
        form = await read_form(request)
        if form is None:
            return token_error("invalid_request", "The body must be application/x-www-form-urlencoded.")
        try:
            client = await self.authenticator.authenticate(request, form)
        except ClientAuthenticationFailed as exc:
            return invalid_client(exc)
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        grant_type = fields.get("grant_type")
        fields["client_id"] = client.client_id  # the SDK models want it; Basic clients omit it
        try:
            if grant_type == "authorization_code":
                return await self._authorization_code(client, AuthorizationCodeRequest.model_validate(fields))
            if grant_type == "refresh_token":
                return await self._refresh(client, RefreshTokenRequest.model_validate(fields))
        except ValidationError as exc:
            return token_error("invalid_request", stringify_pydantic_error(exc))
        except TokenError as exc:
            return token_error(exc.error, exc.error_description or exc.error)
        return token_error(
            "unsupported_grant_type", "grant_type must be authorization_code or refresh_token."
        )

    async def _authorization_code(
        self, client: HelpdeskClientInformation, form: AuthorizationCodeRequest
    ) -> Response:
        code = await self.provider.load_authorization_code(client, form.code)
        if code is None:
            return token_error(
                "invalid_grant", "The authorization code is unknown or was issued to another client."
            )
        if code.expires_at_dt <= self.provider.clock():
            return token_error("invalid_grant", "The authorization code has expired.")
        if code.redirect_uri_provided_explicitly and (
            form.redirect_uri is None or str(form.redirect_uri) != str(code.redirect_uri)
        ):
            return token_error("invalid_grant", "redirect_uri differs from the one used to get the code.")
        if not pkce_matches(form.code_verifier, code.code_challenge):
            return token_error(
                "invalid_grant", f"code_verifier must be {FORMAT_RULE} and match the code_challenge."
            )
        if not self._resource_allowed(form.resource, code.resource_normalised):
            return token_error("invalid_target", "resource must be the MCP endpoint the grant was made for.")
        return token_response(await self.provider.exchange_authorization_code(client, code))

    async def _refresh(self, client: HelpdeskClientInformation, form: RefreshTokenRequest) -> Response:
        token = await self.provider.load_refresh_token(client, form.refresh_token)
        if token is None:
            return token_error(
                "invalid_grant", "The refresh token is unknown or was issued to another client."
            )
        if not self._resource_allowed(form.resource, token.resource or ""):
            return token_error("invalid_target", "resource must be the MCP endpoint the grant was made for.")
        granted = frozenset(token.scopes)
        requested = (parse_scopes(form.scope) & frozenset(SUPPORTED_SCOPES)) or granted
        if not requested <= granted:
            return token_error("invalid_scope", "A refresh may not ask for scopes the grant does not have.")
        return token_response(await self.provider.exchange_refresh_token(client, token, sorted(requested)))

    def _resource_allowed(self, requested: str | None, bound: str) -> bool:
        """RFC 8707 §2.2: absent means the resource of the grant; present must normalise to it."""
        if requested is None or requested == "":
            return True
        resource = self.provider.resolve_resource(requested)
        return resource is not None and resource.url == bound
