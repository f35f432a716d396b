"""The authenticated edge in front of the SDK's transports (``/mcp`` and its narrowed URLs,
``/sse``, ``/messages/``).

For each request it resolves the URL's endpoint (``server.endpoints``: which tools it offers, and
the protected resource tokens must cover), bounds and buffers the body, reads its one JSON-RPC
message (``server.mcp_messages``), resolves the credential to a caller (API key, else OAuth
access token), answers an invalid message with HTTP 400, refuses write tools to tokens without
``mcp:write`` with an HTTP 403 clients can step up from, passes a ``tools/call`` the SDK will
dispatch through the quota gate, and only then hands the request to the SDK with the caller and
the endpoint set in ``server.context.current_request``.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auth.apikeys import PREFIX as API_KEY_PREFIX
from auth.apikeys import authenticate_api_key
from auth.oauth.protected_resources import ProtectedResource
from auth.oauth.resource import www_authenticate
from domain.caller import Caller
from domain.db import POOL_SIZE
from domain.people.identity import load_caller
from domain.types import utcnow
from server.call_threads import CallThreads
from server.context import (
    Credential,
    McpRequest,
    call_reads_only,
    call_session,
    call_transaction,
    current_request,
)
from server.edge import read_body, replay_body
from server.endpoints import Endpoint, EndpointError
from server.identity_cache import IdentityCache
from server.mcp_messages import (
    InvalidMessage,
    PostedMessage,
    ToolCall,
    read_message,
    streamable_http_dispatches,
)
from server.metrics import count_auth_failure, count_quota_refusal
from server.requestlog import note_tool_call, refusal_outcome
from server.tool_calls import StatelessCall, ToolCalls, stateless_call
from server.tools.base import WRITE_SCOPE
from server.tools.registry import ToolBook

logger = logging.getLogger(__name__)


class TokenIdentity(Protocol):
    """What an OAuth access token stands for, as the token store reports it."""

    @property
    def agent_id(self) -> int: ...
    @property
    def scopes(self) -> frozenset[str]: ...
    @property
    def reference(self) -> str: ...
    @property
    def expires_at(self) -> datetime: ...


class TokenResolver(Protocol):
    def __call__(
        self, session: Session, token: str, *, resource: ProtectedResource, now: datetime
    ) -> TokenIdentity | None: ...


# The endpoint a request is for, from its scope and headers; raises EndpointError.
EndpointResolver = Callable[[Scope, Headers], Endpoint]


class ToolCallGate(Protocol):
    """Admits tool calls before they reach the SDK (quotas). Runs in a worker thread.

    Raises ``Refused`` (for example a 429) to stop the whole request with no effect; returns
    headers to add to the response of an admitted request (for example ``RateLimit``).
    """

    def admit(
        self, request: McpRequest, calls: list[ToolCall], *, session: Session | None = None
    ) -> dict[str, str]: ...


class Refused(Exception):
    """An HTTP answer instead of the SDK's: status, JSON body and extra headers."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        super().__init__(body.get("error", status))
        self.status = status
        self.body = body
        self.headers = headers or {}


def bearer_credential(headers: Headers) -> str | None:
    """``Authorization: Bearer <x>``, a bare ``Authorization: <key>``, or ``X-API-Key``."""
    value = headers.get("authorization", "").strip()
    if value:
        scheme, _, rest = value.partition(" ")
        if scheme.lower() == "bearer" and rest.strip():
            return rest.strip()
        if not rest and value.startswith(API_KEY_PREFIX):
            return value
        return value if " " not in value else None
    api_key = headers.get("x-api-key", "").strip()
    return api_key or None


class Dispatches(Protocol):
    """Whether the transport behind the edge will dispatch a valid message rather than refuse it
    (``server.mcp_messages``): a call it refuses is never counted."""

    def __call__(self, scope: Scope, request: McpRequest, posted: PostedMessage) -> bool: ...


def streamable_http(scope: Scope, request: McpRequest, posted: PostedMessage) -> bool:
    return streamable_http_dispatches(Headers(scope=scope), scope["headers"], posted)


class McpEndpoint:
    def __init__(
        self,
        *,
        inner: ASGIApp,
        endpoints: EndpointResolver,
        engine: Engine,
        book: ToolBook,
        max_body_bytes: int,
        token_resolver: TokenResolver | None = None,
        no_auth: bool = False,
        gate: ToolCallGate | None = None,
        clock: Callable[[], datetime] = utcnow,
        identities: IdentityCache | None = None,
        dispatches: Dispatches = streamable_http,
        calls: ToolCalls | None = None,
        threads: CallThreads | None = None,
    ) -> None:
        self.inner = inner
        self.endpoints = endpoints
        self.engine = engine
        self.book = book
        self.max_body_bytes = max_body_bytes
        self.token_resolver = token_resolver
        self.no_auth = no_auth
        self.gate = gate
        self.clock = clock
        self.identities = identities or IdentityCache(interval=0)
        self.dispatches = dispatches
        # Answers stateless JSON tools/call itself (server.tool_calls); None leaves all to the SDK.
        self.calls = calls
        self.threads = threads or CallThreads(POOL_SIZE)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = Headers(scope=scope)
        posted: PostedMessage | InvalidMessage | None = None
        try:
            endpoint = self._endpoint(scope, headers)
            body = await self._read_body(scope, receive, headers)
            posted = _read_posted(body) if scope["method"] == "POST" else None
            stateless = self._stateless_call(scope, headers, posted)
            if stateless is not None:
                assert isinstance(posted, PostedMessage)
                status, payload, extra_headers = await self.threads.run(
                    self._run_call, scope, headers, endpoint, posted, stateless
                )
                await _send_body(send, status, payload, extra_headers)
                return
            request, extra_headers = await self.threads.run(self._prepare, scope, headers, endpoint, posted)
        except Refused as refusal:
            refused = posted.tool_call if isinstance(posted, PostedMessage) else None
            if refused is not None:  # refused here, so the SDK (and the audit middleware) never saw it
                note_tool_call(tool=refused.name, outcome=refusal_outcome(refusal.status))
            if refusal.status == 401:
                count_auth_failure(str(refusal.body.get("error", "unauthorized")))
            elif refusal.status == 429:
                count_quota_refusal(_refused_quota(refusal.body))
            await _send_json(send, refusal.status, refusal.body, refusal.headers)
            return
        token = current_request.set(request)
        try:
            await self.inner(scope, replay_body(body, receive), _with_headers(send, extra_headers))
        finally:
            current_request.reset(token)

    def _stateless_call(
        self, scope: Scope, headers: Headers, posted: PostedMessage | InvalidMessage | None
    ) -> StatelessCall | None:
        """The tools/call this edge answers itself, or None for the SDK (``server.tool_calls``)."""
        if self.calls is None or not isinstance(posted, PostedMessage):
            return None
        if not streamable_http_dispatches(headers, scope["headers"], posted):
            return None  # the SDK refuses it, in its words
        return stateless_call(posted, headers)

    def _run_call(
        self, scope: Scope, headers: Headers, endpoint: Endpoint, posted: PostedMessage, call: StatelessCall
    ) -> tuple[int, bytes, dict[str, str]]:
        """A whole tool call in this one worker thread, with one database session."""
        assert self.calls is not None
        # One connection for the whole call: a session bound to the engine would hand its
        # connection back to the pool after each transaction (authentication's, the tool's).
        with self.engine.connect() as connection, Session(bind=connection, expire_on_commit=False) as session:
            session_token = call_session.set(session)
            reads_token = call_reads_only.set(not self.book.requires_write(call.name))
            try:
                # _stateless_call checked already that the transport would dispatch it.
                request, extra_headers = self._prepare(scope, headers, endpoint, posted, dispatched=True)
                request_token = current_request.set(request)
                try:
                    status, payload = self.calls.run(request, call, request.disabled_tools or frozenset())
                finally:
                    current_request.reset(request_token)
            finally:
                call_reads_only.reset(reads_token)
                call_session.reset(session_token)
        return status, payload, extra_headers

    def _endpoint(self, scope: Scope, headers: Headers) -> Endpoint:
        try:
            return self.endpoints(scope, headers)
        except EndpointError as exc:
            raise Refused(exc.status, {"error": exc.error, "error_description": exc.description}) from None

    def _prepare(
        self,
        scope: Scope,
        headers: Headers,
        endpoint: Endpoint,
        posted: PostedMessage | InvalidMessage | None,
        *,
        dispatched: bool = False,
    ) -> tuple[McpRequest, dict[str, str]]:
        """Authenticate, refuse an invalid message, check scopes, then pass the gate: in that
        order, in one worker thread. ``dispatched``: the caller knows the transport dispatches it.

        Only a ``tools/call`` the SDK will dispatch reaches the gate; calls to tools this URL does
        not offer or an admin disabled are left out of the scope check and the gate too: they are
        refused (by ``server.tools.switches``) without counting against the quotas.
        """
        request = self._authenticate(headers, endpoint, read_switches=posted is not None)
        if isinstance(posted, InvalidMessage):
            raise Refused(400, posted.body())
        call = posted.tool_call if posted is not None else None
        if call is None or not request.offers(call.name):
            return request, {}
        self._check_scopes(request.caller, endpoint, [call])
        assert posted is not None
        if not dispatched and not self.dispatches(scope, request, posted):
            return request, {}
        if self.gate is None or call.name in (request.disabled_tools or frozenset()):
            return request, {}
        # The call's own session on the stateless path (server.tool_calls), where the quota needs one.
        return request, self.gate.admit(request, [call], session=call_session.get())

    async def _read_body(self, scope: Scope, receive: Receive, headers: Headers) -> bytes:
        if scope["method"] != "POST":
            return b""
        body = await read_body(receive, self.max_body_bytes, headers.get("content-length"))
        if body is None:
            raise Refused(413, {"error": "request_too_large", "limit_bytes": self.max_body_bytes})
        return body

    def _authenticate(
        self, headers: Headers, endpoint: Endpoint, *, read_switches: bool = False
    ) -> McpRequest:
        """The caller behind the request; with ``read_switches``, also the disabled tools, read
        in the same session (a POST's messages run under this request; an SSE stream's do not)."""
        now = self.clock()
        credential = "" if self.no_auth else bearer_credential(headers)
        if credential is None:
            raise self._challenge(
                endpoint.resource, None, "Authentication required: send an OAuth access token or API key."
            )
        with call_transaction(self.engine) as session:
            # Read before resolving, so an entry is never tagged newer than what it holds.
            generation = self.identities.generation(session)
            request = self.identities.resolve(
                credential,
                endpoint,
                generation=generation,
                now=now,
                load=functools.partial(self._identify, session, credential, endpoint, now),
            )
            if read_switches:
                disabled = self.identities.disabled_tools(session, generation)
                request = dataclasses.replace(request, disabled_tools=disabled)
            return request

    def _identify(
        self, session: Session, credential: str, endpoint: Endpoint, now: datetime
    ) -> tuple[McpRequest, datetime | None]:
        """The identity behind ``credential`` at ``endpoint`` and when it expires (None: never)."""
        if self.no_auth:
            return self._no_auth_request(session, endpoint), None
        resource = endpoint.resource
        if credential.startswith(API_KEY_PREFIX):
            found = authenticate_api_key(session, credential, now=now)
            if found is None:
                raise self._challenge(resource, "invalid_token", "The API key is invalid or revoked.")
            caller, reference = found
            request = McpRequest(self.engine, caller, Credential("api_key", reference), endpoint=endpoint)
            return request, None
        resolver = self.token_resolver
        identity = resolver(session, credential, resource=resource, now=now) if resolver else None
        token_caller = (
            load_caller(session, agent_id=identity.agent_id, scopes=identity.scopes) if identity else None
        )
        if identity is None or token_caller is None:
            raise self._challenge(
                resource,
                "invalid_token",
                f"The access token is invalid, expired, revoked or not issued for {resource.url}.",
            )
        credential_used = Credential("oauth", identity.reference)
        return McpRequest(self.engine, token_caller, credential_used, endpoint=endpoint), identity.expires_at

    def _no_auth_request(self, session: Session, endpoint: Endpoint) -> McpRequest:
        from sqlmodel import select

        from domain.people.models import Agent, AgentRole

        admin_id = session.exec(
            select(Agent.id).where(Agent.role == AgentRole.admin, Agent.active).order_by(Agent.id)  # type: ignore[arg-type]
        ).first()
        caller = load_caller(session, agent_id=admin_id) if admin_id is not None else None
        if caller is None:
            raise Refused(503, {"error": "no_admin", "error_description": "No active admin to act as."})
        return McpRequest(self.engine, caller, Credential("none", "loopback"), endpoint=endpoint)

    def _challenge(self, resource: ProtectedResource, error: str | None, description: str) -> Refused:
        body = {"error": error or "unauthorized", "error_description": description}
        header = www_authenticate(resource, error=error)
        return Refused(401, body, {"www-authenticate": header})

    def _check_scopes(self, caller: Caller, endpoint: Endpoint, calls: list[ToolCall]) -> None:
        if WRITE_SCOPE in caller.scopes:
            return
        for call in calls:
            name = call.name
            if self.book.requires_write(name):
                raise Refused(
                    403,
                    {
                        "error": "insufficient_scope",
                        "error_description": f"{name} changes data and needs the {WRITE_SCOPE} scope.",
                    },
                    {
                        "www-authenticate": www_authenticate(
                            endpoint.resource,
                            error="insufficient_scope",
                            error_description=f"{name} needs {WRITE_SCOPE}",
                        )
                    },
                )


def _read_posted(body: bytes) -> PostedMessage | InvalidMessage:
    try:
        return read_message(body)
    except InvalidMessage as invalid:
        return invalid


def _with_headers(send: Send, headers: dict[str, str]) -> Send:
    if not headers:
        return send
    raw = [(name.lower().encode(), value.encode()) for name, value in headers.items()]

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *raw]}
        await send(message)

    return send_with_headers


async def _send_json(send: Send, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    await _send_body(send, status, json.dumps(body).encode(), headers)


async def _send_body(send: Send, status: int, payload: bytes, headers: dict[str, str]) -> None:
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw.extend((name.encode(), value.encode()) for name, value in headers.items())
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


def _refused_quota(body: dict[str, Any]) -> str:
    """The quota a 429's JSON-RPC error names (``server.quotas.gate.quota_refusal``)."""
    error = body.get("error")
    data = error.get("data") if isinstance(error, dict) else None
    quota = data.get("quota") if isinstance(data, dict) else None
    return quota if isinstance(quota, str) else "unknown"
