"""The Starlette application: health probes, the MCP transports behind authentication, OAuth,
the admin console, and the audit log's retention task."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import anyio
from mcp.server.transport_security import TransportSecuritySettings
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from auth.abuse import AbuseGuard, AuthRateLimits
from auth.oauth import BoundTokenResolver, oauth_routes
from auth.oauth.cimd import MetadataDocumentFetcher
from auth.oauth.protected_resources import SSE_PATH, TOOLSETS_PREFIXES, ResourceCatalog
from domain.db import make_engine
from domain.types import utcnow
from server.audit import AuditMiddleware, AuditRetention, AuditTrail
from server.audit_buffer import AuditBuffer
from server.call_threads import CallThreads
from server.connect.home import HomePage
from server.console import console_routes
from server.console.usage import QuotaUsageSource
from server.context import McpRequest
from server.edge import EdgeMiddleware, default_allowed_hosts, default_allowed_origins
from server.endpoints import READONLY_HEADER, TOOLSETS_HEADER, Endpoint, EndpointBook
from server.identity_cache import IdentityCache
from server.mcp_endpoint import (
    Dispatches,
    EndpointResolver,
    McpEndpoint,
    TokenResolver,
    ToolCallGate,
    streamable_http,
)
from server.mcp_messages import PostedMessage, json_content_type
from server.metrics import OAuthMetricsMiddleware, label_tools, metrics_routes, watch_pool
from server.outages import OutageMiddleware
from server.probes import probe_routes
from server.quotas import QuotaGate, build_quota_gate
from server.request_state_keys import shared_request_state
from server.requestlog import RequestLogMiddleware
from server.results import server_info
from server.settings import Settings
from server.sse_sessions import SseSessionGuard
from server.tool_calls import ToolCalls
from server.tools.base import TOOLSETS, ToolSpec
from server.tools.registry import all_tool_specs, build_mcp_server
from server.tools.switches import ToolVisibilityMiddleware

# The SDK's own checks are off: EdgeMiddleware validates Host/Origin for every route, and
# McpEndpoint bounds the body before the SDK sees it.
_SDK_CHECKS_OFF = TransportSecuritySettings(enable_dns_rebinding_protection=False)


MCP_METHODS = ["GET", "POST", "DELETE"]
NARROWED_PATHS = ("/mcp/readonly", "/mcp/x/{toolsets}", "/mcp/x/{toolsets}/readonly")
# The same narrowing for the legacy SSE transport (its messages follow the session's endpoint).
NARROWED_SSE_PATHS = ("/sse/readonly", "/sse/x/{toolsets}", "/sse/x/{toolsets}/readonly")


def _served_at(path: str, app: ASGIApp) -> ASGIApp:
    """``app`` seeing every request at ``path`` (the SDK's app routes one path only)."""
    raw_path = path.encode()

    async def at_path(scope: Scope, receive: Receive, send: Send) -> None:
        await app({**scope, "path": path, "raw_path": raw_path}, receive, send)

    return at_path


class DirectPosts:
    """POSTs to the MCP paths (``/mcp``, ``/mcp/readonly``, and under a prefix such as ``/mcp/x/``)
    reach their endpoint directly, past Starlette's exception middleware, router and route: every
    tool call takes this way, and the router tries each route's pattern in turn. The endpoints
    answer their own refusals (a path under a prefix that names no endpoint: 404
    ``unknown_endpoint``); other methods and paths take the router as before."""

    def __init__(
        self, app: ASGIApp, *, routes: dict[str, ASGIApp], prefixes: dict[str, ASGIApp] | None = None
    ) -> None:
        self.app = app
        self.routes = routes
        self.prefixes = tuple((prefixes or {}).items())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            path: str = scope["path"]
            target = self.routes.get(path)
            if target is None:
                target = next((app for prefix, app in self.prefixes if path.startswith(prefix)), None)
            if target is not None:
                await target(scope, receive, send)
                return
        await self.app(scope, receive, send)


def package_version() -> str:
    try:
        return version("helpdesk-mcp")
    except PackageNotFoundError:
        return "0.0.0"


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    no_auth: bool = False,
    tool_specs: Sequence[ToolSpec] | None = None,
    token_resolver: TokenResolver | None = None,
    gate: ToolCallGate | None = None,
    clock: Callable[[], datetime] = utcnow,
    metadata_fetcher: MetadataDocumentFetcher | None = None,
    stateless_tool_calls: bool = True,
) -> Starlette:
    """Build the whole server. ``no_auth`` (every call acts as the first admin) is for loopback only.

    ``gate`` defaults to the tool-call quotas of ``settings``. ``clock`` and ``metadata_fetcher``
    let tests move time and answer CIMD fetches offline. ``stateless_tool_calls=False`` leaves every
    ``tools/call`` to the SDK: the reference ``server.tool_calls`` is tested against.
    """
    if engine is None:
        engine = make_engine(settings.database_url, pool_size=settings.call_threads)
        watch_pool(engine)
    resources = ResourceCatalog(settings.base_url, TOOLSETS)
    token_resolver = token_resolver or BoundTokenResolver(resources)
    rate_limits = AuthRateLimits.from_config(settings.auth, clock=clock)
    abuse = AbuseGuard(rate_limits)
    oauth = oauth_routes(
        config=settings.auth,
        resources=resources,
        engine=engine,
        clock=clock,
        metadata_fetcher=metadata_fetcher,
        guard=abuse,
        sign_in_limits=rate_limits,
    )
    specs = all_tool_specs() if tool_specs is None else list(tool_specs)
    interval = settings.audit_batch_milliseconds / 1000
    audit_buffer = AuditBuffer(engine, interval=interval) if interval else None
    write_tools = frozenset(spec.name for spec in specs if spec.writes)
    audit_trail = AuditTrail(
        clock=clock,
        buffer=audit_buffer,
        in_transaction=write_tools.__contains__ if audit_buffer else lambda _name: True,
    )
    mcp, book = build_mcp_server(
        specs,
        version=package_version(),
        middleware=[AuditMiddleware(audit_trail), ToolVisibilityMiddleware()],
        request_state_security=shared_request_state(engine, audience="helpdesk-mcp"),
    )
    label_tools(book.specs)
    if gate is None:
        gate = build_quota_gate(settings, engine=engine, clock=clock, is_tool=book.specs.__contains__)
    retention = AuditRetention(
        engine=engine,
        retention_days=settings.audit_retention_days,
        admin_retention_days=settings.admin_audit_retention_days,
        clock=clock,
    )
    streamable = mcp.streamable_http_app(
        streamable_http_path="/mcp",
        stateless_http=True,
        json_response=True,
        transport_security=_SDK_CHECKS_OFF,
        max_request_body_size=settings.max_request_bytes,
    )
    legacy_sse = SseSessionGuard(
        mcp.sse_app(sse_path=SSE_PATH, message_path="/messages/", transport_security=_SDK_CHECKS_OFF)
    )
    narrowed = _served_at("/mcp", streamable)
    # Stateless JSON tools/call on /mcp and its narrowed URLs: answered without the SDK's machinery.
    calls = (
        ToolCalls(
            book=book,
            audit=audit_trail,
            server_info=server_info(name=mcp.name, title=mcp.title, version=mcp.version),
        )
        if stateless_tool_calls
        else None
    )
    endpoints = EndpointBook(resources, book.specs)

    def by_path(scope: Scope, headers: Headers) -> Endpoint:
        return endpoints.resolve(
            scope["path"], toolsets=headers.get(TOOLSETS_HEADER), read_only=headers.get(READONLY_HEADER)
        )

    def by_sse_session(scope: Scope, headers: Headers) -> Endpoint:
        return legacy_sse.endpoint_of(scope) or endpoints.resolve(SSE_PATH)

    # One per process, shared by every MCP URL: what credentials resolved to, and the switches.
    identities = IdentityCache(interval=settings.revocation_check_seconds)
    threads = CallThreads(settings.call_threads)

    def sse_dispatches(scope: Scope, request: McpRequest, posted: PostedMessage) -> bool:
        owned = legacy_sse.owns(scope, request.caller.agent_id)
        return owned and json_content_type(Headers(scope=scope))

    def endpoint(
        inner: Any,
        resolve: EndpointResolver = by_path,
        dispatches: Dispatches = streamable_http,
        stateless: ToolCalls | None = None,
    ) -> McpEndpoint:
        return McpEndpoint(
            inner=inner,
            endpoints=resolve,
            engine=engine,
            book=book,
            max_body_bytes=settings.max_request_bytes,
            token_resolver=token_resolver,
            no_auth=no_auth,
            gate=gate,
            clock=clock,
            identities=identities,
            dispatches=dispatches,
            calls=stateless,
            threads=threads,
        )

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # As many worker threads as pooled connections, for the edge (``threads``) and for what the
        # SDK runs in anyio's threads (sessions' and SSE's tools): a request holds one connection
        # at a time, so a request on either path alone never waits for a connection.
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.call_threads
        async with mcp.session_manager.run(), anyio.create_task_group() as tasks:
            # Expired audit entries go before the first request, then once an interval.
            await retention.purge_once()
            tasks.start_soon(retention.run_forever)
            # Long-lived objects built at start-up never become garbage: freezing them keeps
            # full collections (and their pauses, the p99 of PERFORMANCE.md) short.
            if audit_buffer is not None:
                tasks.start_soon(audit_buffer.run_forever)
            if isinstance(gate, QuotaGate):  # counts kept outside the database reach it (≤ 1 s)
                tasks.start_soon(gate.run_forever)
            gc.collect()
            gc.freeze()
            yield
            tasks.cancel_scope.cancel()
        # After the last request (uvicorn stops on SIGTERM only once those in flight are done),
        # and after the edge's work of a request whose client went away.
        await anyio.to_thread.run_sync(threads.shutdown)
        if audit_buffer is not None:
            await anyio.to_thread.run_sync(audit_buffer.flush)
        if isinstance(gate, QuotaGate):
            await anyio.to_thread.run_sync(gate.flush)

    # The narrowed URLs (server.endpoints) reach the same SDK app, at the path it routes.
    mcp_apps = {"/mcp": endpoint(streamable, stateless=calls)}
    mcp_apps |= {path: endpoint(narrowed, stateless=calls) for path in NARROWED_PATHS}
    routes: list[BaseRoute] = [
        Route("/", HomePage(base_url=settings.base_url, version=package_version()).show, methods=["GET"]),
        *probe_routes(engine=engine, redis_url=settings.redis_url),
        *metrics_routes(token=settings.metrics_token),
        *(Route(path, app, methods=MCP_METHODS) for path, app in mcp_apps.items()),
        Route(SSE_PATH, endpoint(legacy_sse), methods=["GET"]),
        *(
            Route(path, endpoint(_served_at(SSE_PATH, legacy_sse)), methods=["GET"])
            for path in NARROWED_SSE_PATHS
        ),
        # The SDK's SSE app routes by the full path, so its message endpoint is not mounted.
        Route("/messages/", endpoint(legacy_sse, by_sse_session, sse_dispatches), methods=["POST"]),
        *oauth,
        *console_routes(
            settings=settings,
            engine=engine,
            specs=specs,
            clock=clock,
            sign_in_limits=rate_limits,
            # This process's gate: the page shows its counts as they are, not as last flushed.
            usage_source=QuotaUsageSource(engine, settings, gate if isinstance(gate, QuotaGate) else None),
        ),
    ]
    # Outermost first: the real client address (from trusted proxies only), then one log line and
    # a request id for every answer, then a 503 for an unreachable database, then Host/Origin.
    proxies = [Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxies)]
    middleware = [
        *(proxies if settings.trusted_proxies else []),
        Middleware(RequestLogMiddleware),
        Middleware(OAuthMetricsMiddleware),
        Middleware(OutageMiddleware),
        Middleware(
            EdgeMiddleware,
            allowed_hosts=settings.allowed_hosts or default_allowed_hosts(settings.base_url),
            allowed_origins=settings.allowed_origins or default_allowed_origins(settings.base_url),
        ),
        # Innermost: POSTs to the MCP paths (narrowed ones included) go straight to their endpoint.
        Middleware(
            DirectPosts,
            routes={path: app for path, app in mcp_apps.items() if "{" not in path},
            prefixes={TOOLSETS_PREFIXES[0]: mcp_apps["/mcp/x/{toolsets}"]},
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.engine = engine
    app.state.settings = settings
    app.state.audit_retention = retention
    return app
