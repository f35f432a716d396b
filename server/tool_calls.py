"""One ``tools/call`` on the stateless JSON path of ``/mcp``: one unit of work, read top to bottom.

Almost every request a client sends to ``/mcp`` is a ``tools/call`` in one POST, answered with one
JSON body. For those the edge (``server.mcp_endpoint``) crosses into a worker thread once, and
there, with one database session, it authenticates the caller (from memory, usually), checks the
token's scope, counts the call against the quotas, and ``ToolCalls.run`` does the rest:

1. the URL offers the tool (else JSON-RPC -32602), an admin left it on (else a tool error);
2. the arguments are exactly the tool's (``server.tools.arguments``; else a tool error);
3. the tool runs in its unit of work (``server.context.unit_of_work``), a write's audit row in
   the same transaction;
4. the answer is shaped for the protocol revision the client speaks, with the SDK's own sieve;
   a write that created or changed a record links it (``server.resources``);
5. the call's audit row (reads: batched) and its log line and metrics (``server.audit``).

Everything else (``initialize``, lists, resources, prompts, completions, the legacy SSE transport)
goes through the SDK, whose middleware applies the same rules with the same functions. So does a
call that may have to ask the user first (``server.confirmation``): the SDK owns that round trip.
The SDK's per-request machinery (a transport, memory streams, a task group and a dispatcher per
POST) and its second thread hop cost more than the rest of a call (PERFORMANCE.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import pydantic_core
from mcp.server.mcpserver.exceptions import ToolError
from mcp.shared.inbound import ERROR_CODE_HTTP_STATUS, MCP_PROTOCOL_VERSION_HEADER
from mcp_types import (
    DEFAULT_NEGOTIATED_VERSION,
    INVALID_PARAMS,
    CallToolResult,
    JSONRPCRequest,
    TextContent,
)
from mcp_types.version import MODERN_PROTOCOL_VERSIONS
from opentelemetry.propagate import extract
from opentelemetry.trace import (
    ProxyTracerProvider,
    Span,
    SpanKind,
    StatusCode,
    get_tracer,
    get_tracer_provider,
)
from pydantic import ValidationError
from starlette.datastructures import Headers

from server.audit import AuditTrail, error_text
from server.confirmation import DESTRUCTIVE
from server.context import McpRequest, pending_audit
from server.mcp_messages import TOOLS_CALL, PostedMessage
from server.resources import with_resource_link
from server.results import wire_result
from server.tools.registry import ToolBook, internal_error_message, strict_refusal
from server.tools.switches import disabled_message

logger = logging.getLogger(__name__)
_tracer = get_tracer("helpdesk-mcp")

# Keys of a 2026-07-28 retry that answers a question the SDK asked (``server.confirmation``).
ROUND_TRIP_KEYS = ("requestState", "inputResponses")


@dataclass(frozen=True, slots=True)
class StatelessCall:
    """A ``tools/call`` this path answers: its id, tool, arguments and protocol revision."""

    id: int | str
    name: str
    arguments: dict[str, Any]
    params: dict[str, Any]
    version: str


def stateless_call(posted: PostedMessage, headers: Headers) -> StatelessCall | None:
    """The call, if this path answers it; None leaves the message to the SDK.

    The caller has checked that the transport would dispatch the POST (``streamable_http_dispatches``).
    """
    message = posted.message
    if not isinstance(message, JSONRPCRequest) or message.method != TOOLS_CALL:
        return None
    params = message.params or {}
    name, arguments = params.get("name"), params.get("arguments")
    if not isinstance(name, str) or not isinstance(arguments, dict | None):
        return None  # malformed params: the SDK answers them (-32602)
    arguments = arguments or {}
    if any(key in params for key in ROUND_TRIP_KEYS):
        return None
    rule = DESTRUCTIVE.get(name)
    if rule is not None and rule.applies(arguments):
        return None  # may ask the user first: the SDK carries that conversation
    version = headers.get(MCP_PROTOCOL_VERSION_HEADER) or DEFAULT_NEGOTIATED_VERSION
    return StatelessCall(message.id, name, arguments, params, version)


class ToolCalls:
    """Runs stateless ``tools/call`` requests (see the module docstring)."""

    def __init__(self, *, book: ToolBook, audit: AuditTrail, server_info: Mapping[str, Any]) -> None:
        self.book = book
        self.audit = audit
        self.server_info = dict(server_info)

    def run(self, request: McpRequest, call: StatelessCall, disabled: frozenset[str]) -> tuple[int, bytes]:
        """The HTTP status and JSON-RPC response of ``call`` (in a worker thread, with the call's
        session set)."""
        if isinstance(get_tracer_provider(), ProxyTracerProvider):  # nothing traces: no span to fill
            status, body, _ = self._run(request, call, disabled)
            return status, body
        with _span(call) as span:
            status, body, failed = self._run(request, call, disabled)
            if failed:
                span.set_attribute("error.type", failed)
                span.set_status(StatusCode.ERROR)
            return status, body

    def _run(
        self, request: McpRequest, call: StatelessCall, disabled: frozenset[str]
    ) -> tuple[int, bytes, str | None]:
        endpoint = request.endpoint
        if endpoint is not None and not endpoint.offers(call.name):
            status, body = _error(call, INVALID_PARAMS, endpoint.refusal(call.name))
            return status, body, str(INVALID_PARAMS)
        audit = self.audit.begin(request, call.params)
        token = pending_audit.set(audit.pending)
        try:
            result = self._result(call, disabled)
        finally:
            pending_audit.reset(token)
        answer = self._shaped(call, result)
        record = self.audit.finish(audit, None if audit.committed else error_text(answer))
        if record is not None:
            self.audit.insert(request.engine, record)
        body = pydantic_core.to_json({"jsonrpc": "2.0", "id": call.id, "result": answer})
        return 200, body, "tool_error" if result.is_error else None

    def _result(self, call: StatelessCall, disabled: frozenset[str]) -> CallToolResult:
        name = call.name
        if name in disabled:
            return _tool_error(disabled_message(name))
        tool = self.book.tools.get(name)
        if tool is None:
            return _tool_error(f"Unknown tool: {name}")
        refusal = strict_refusal(self.book, name, call.arguments)
        if refusal is not None:
            return refusal
        try:
            validated = tool.fn_metadata.validate_arguments(call.arguments)
            return tool.fn(**validated)  # type: ignore[no-any-return]
        except (ToolError, ValidationError) as exc:
            return _tool_error(f"Error executing tool {name}: {exc}")
        except Exception:
            logger.exception("tool %s failed", name)
            return _tool_error(internal_error_message(name))

    def _shaped(self, call: StatelessCall, result: CallToolResult) -> dict[str, Any]:
        """The result in wire form for the client's protocol revision, as the SDK would send it."""
        return with_resource_link(
            call.name, wire_result(result, call.version, self.server_info), call.version
        )


def _span(call: StatelessCall) -> AbstractContextManager[Span]:
    """The span the SDK opens for a call (``mcp.server._otel``): same name and attributes, a child of
    the caller's ``traceparent`` in ``_meta`` if it sent one, else of the HTTP request's span."""
    meta = call.params.get("_meta")
    parent = extract(meta) if isinstance(meta, dict) and "traceparent" in meta else None
    attributes = {
        "mcp.method.name": TOOLS_CALL,
        "mcp.protocol.version": call.version,
        "jsonrpc.request.id": str(call.id),
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": call.name,
    }
    return _tracer.start_as_current_span(
        f"{TOOLS_CALL} {call.name}", kind=SpanKind.SERVER, attributes=attributes, context=parent
    )


def _tool_error(text: str) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], is_error=True)


def _error(call: StatelessCall, code: int, message: str) -> tuple[int, bytes]:
    """A JSON-RPC error; 2026-07-28 maps its code to an HTTP status, as the SDK's transport does."""
    modern = call.version in MODERN_PROTOCOL_VERSIONS
    status = ERROR_CODE_HTTP_STATUS.get(code, 200) if modern else 200
    body = {"jsonrpc": "2.0", "id": call.id, "error": {"code": code, "message": message}}
    return status, pydantic_core.to_json(body)
