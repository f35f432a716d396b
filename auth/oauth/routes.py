"""Every route of the authorization server, assembled in one place (as the SDK's ``routes.py``).

``oauth_routes`` is what the application mounts. Each route answers CORS preflights and carries
CORS headers (browser-based clients such as the MCP Inspector call these endpoints directly), and
so does the 404 for any other ``/.well-known/…`` document (browser clients only fall back to the
next discovery URL on a 404 they can read). ``/.well-known/openid-configuration`` is such a 404:
this is not an OpenID provider and a partial document would mislead clients.

``guard`` is the seam for rate limiting: it sees every request with the name of its endpoint
and may answer it instead (say, 429 with ``Retry-After``); its answer still gets CORS headers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from mcp.server.auth.handlers.authorize import AuthorizationHandler
from mcp.server.auth.handlers.metadata import MetadataHandler
from mcp.server.auth.json_response import PydanticJSONResponse
from mcp.server.transport_security import RequestBodyLimitMiddleware
from sqlalchemy.engine import Engine
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from auth.config import AuthConfig
from auth.oauth import metadata
from auth.oauth.authorization_request import CONSENT_PATH, LOGIN_PATH, LOGOUT_PATH, PendingAuthorizations
from auth.oauth.authorize import ConsentFlow, IssuerOnErrors
from auth.oauth.cimd import MetadataDocumentFetcher
from auth.oauth.client_auth import ClientAuthenticator
from auth.oauth.protected_resources import PROTECTED_RESOURCE_METADATA_PATH, ResourceCatalog
from auth.oauth.provider import HelpdeskAuthorizationProvider, lifetimes_from_settings
from auth.oauth.registration import RegistrationHandler
from auth.oauth.revocation import RevocationHandler
from auth.oauth.token import TokenHandler
from auth.server_secret import PersistedSecret
from auth.web.csrf import CsrfProtection
from auth.web.login import SignInLimits
from auth.web.session import SessionCookies, cookie_should_be_secure
from auth.web.signing import Signer
from domain.types import utcnow

Handler = Callable[[Request], Awaitable[Response]]
# Called before each endpoint with the request and the endpoint's name; a response short-circuits.
EndpointGuard = Callable[[Request, str], Awaitable[Response | None]]

MAX_BODY_BYTES = 64 * 1024
CORS_ALLOW_HEADERS = ["Authorization", "Content-Type", "Mcp-Protocol-Version"]
WEB_SECRET = "web-signing-key"  # noqa: S105 - the name of the secret in server_secret


def _endpoint(name: str, handler: Handler, methods: list[str], guard: EndpointGuard | None) -> ASGIApp:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await guard(request, name) if guard is not None else None
        if response is None:
            response = await handler(request)
        await response(scope, receive, send)

    limited = RequestBodyLimitMiddleware(app, MAX_BODY_BYTES)
    return CORSMiddleware(
        limited,
        allow_origins=["*"],
        allow_methods=[*methods, "OPTIONS"],
        allow_headers=CORS_ALLOW_HEADERS,
        expose_headers=["WWW-Authenticate"],
        max_age=86400,
    )


async def _not_found(request: Request) -> Response:
    return JSONResponse({"error": "not_found", "error_description": "No such document."}, status_code=404)


def oauth_routes(
    *,
    config: AuthConfig,
    resources: ResourceCatalog,
    engine: Engine,
    clock: Callable[[], datetime] = utcnow,
    metadata_fetcher: MetadataDocumentFetcher | None = None,
    guard: EndpointGuard | None = None,
    sign_in_limits: SignInLimits | None = None,
) -> list[BaseRoute]:
    """Discovery, OAuth and sign-in routes for the protected ``resources``. ``clock``,
    ``metadata_fetcher`` and ``guard`` are seams (tests move time and fake the network; rate
    limiting plugs into ``guard``)."""
    signer = Signer(PersistedSecret(engine, WEB_SECRET))
    secure = cookie_should_be_secure(config.base_url)
    pending = PendingAuthorizations(signer=signer, base_url=config.base_url)
    provider = HelpdeskAuthorizationProvider(
        engine=engine,
        resources=resources,
        pending=pending,
        lifetimes=lifetimes_from_settings(config.access_token_ttl_seconds, config.refresh_token_ttl_days),
        fetcher=metadata_fetcher or MetadataDocumentFetcher(),
        clock=clock,
    )
    authenticator = ClientAuthenticator(provider)
    flow = ConsentFlow(
        provider=provider,
        pending=pending,
        cookies=SessionCookies(signer=signer, secure=secure),
        csrf=CsrfProtection(key=signer.key, secure=secure),
        engine=engine,
        issuer=config.base_url,
        clock=clock,
        sign_in_limits=sign_in_limits,
    )
    authorize = IssuerOnErrors(AuthorizationHandler(provider).handle, config.base_url).handle
    endpoints: list[tuple[str, str, Handler, list[str]]] = [
        (
            "protected_resource_metadata",
            PROTECTED_RESOURCE_METADATA_PATH + "{resource_path:path}",
            _resource_metadata(resources, issuer=config.base_url),
            ["GET"],
        ),
        (
            "authorization_server_metadata",
            "/.well-known/oauth-authorization-server",
            MetadataHandler(metadata.authorization_server_metadata(config)).handle,
            ["GET"],
        ),
        ("authorize", metadata.AUTHORIZATION_PATH, authorize, ["GET", "POST"]),
        ("token", metadata.TOKEN_PATH, TokenHandler(provider, authenticator).handle, ["POST"]),
        (
            "register",
            metadata.REGISTRATION_PATH,
            RegistrationHandler(engine=engine, clock=clock).handle,
            ["POST"],
        ),
        ("revoke", metadata.REVOCATION_PATH, RevocationHandler(provider, authenticator).handle, ["POST"]),
        ("consent", CONSENT_PATH, _by_method(get=flow.show, post=flow.decide), ["GET", "POST"]),
        ("login", LOGIN_PATH, flow.login, ["POST"]),
        ("logout", LOGOUT_PATH, flow.logout, ["POST"]),
        ("well_known_missing", "/.well-known/{document:path}", _not_found, ["GET"]),
    ]
    return [
        Route(path, endpoint=_endpoint(name, handler, methods, guard), methods=[*methods, "OPTIONS"])
        for name, path, handler, methods in endpoints
    ]


def _resource_metadata(resources: ResourceCatalog, *, issuer: str) -> Handler:
    """RFC 9728 metadata of the URL whose path follows the well-known prefix; with no path, of
    ``/mcp`` (clients that do not insert the path look there)."""

    async def handle(request: Request) -> Response:
        path = request.path_params["resource_path"]
        resource = resources.at_path(path) if path else resources.default
        if resource is None:
            return await _not_found(request)
        return PydanticJSONResponse(
            content=metadata.protected_resource_metadata(resource, issuer=issuer),
            headers={"Cache-Control": "public, max-age=3600"},
        )

    return handle


def _by_method(*, get: Handler, post: Handler) -> Handler:
    async def dispatch(request: Request) -> Response:
        return await (get(request) if request.method in ("GET", "HEAD") else post(request))

    return dispatch
