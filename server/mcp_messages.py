"""What one POST to an MCP transport carries, decided once with the SDK's own JSON-RPC types.

The ``/mcp`` edge reads the body here before anything else looks at it. A body that is not one
valid JSON-RPC message is answered by the edge (HTTP 400 with a JSON-RPC error), so the SDK
only ever sees single, well-formed messages, and the quota gate counts exactly the ``tools/call``
requests the SDK will dispatch:

- JSON is parsed by ``pydantic_core`` (the SDK's parser), whose nesting limit turns a body
  nested thousands deep into a parse error instead of a ``RecursionError``.
- A batch (a JSON array) is refused: MCP 2025-06-18 removed batching, and the SDK refuses it.
- A message with an ``id`` must be a request or a response by ``mcp_types``'
  ``jsonrpc_message_adapter``; an ``id`` of a type MCP forbids (null, a float, a bool, an object
  or an array) is refused with -32600, where the SDK's adapter would read it as a notification
  and answer 202 while running nothing. A message without an ``id`` is a notification (JSON-RPC
  2.0 §4.1): nothing runs and nothing is counted.
- ``streamable_http_dispatches`` holds the checks the SDK's Streamable HTTP transport makes
  before dispatching a valid message (``Accept``, ``Content-Type`` and, for the 2026-07-28
  per-request protocol, the SDK's own header ladder), so a call it refuses is not counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pydantic_core
from mcp.server.streamable_http import CONTENT_TYPE_JSON
from mcp.shared.inbound import (
    MCP_PROTOCOL_VERSION_HEADER,
    InboundLadderRejection,
    classify_inbound_request,
    find_duplicated_routing_header,
)
from mcp_types import (
    INVALID_REQUEST,
    PARSE_ERROR,
    JSONRPCMessage,
    JSONRPCNotification,
    JSONRPCRequest,
    jsonrpc_message_adapter,
)
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from pydantic import ValidationError
from starlette.datastructures import Headers

TOOLS_CALL = "tools/call"


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A ``tools/call`` request: its JSON-RPC id and the tool's name ("" when it names none)."""

    id: int | str
    name: str


@dataclass(frozen=True, slots=True)
class PostedMessage:
    """One valid JSON-RPC message, as decoded and as the SDK's types read it."""

    decoded: dict[str, Any]
    message: JSONRPCMessage

    @property
    def tool_call(self) -> ToolCall | None:
        message = self.message
        if not isinstance(message, JSONRPCRequest) or message.method != TOOLS_CALL:
            return None
        name = (message.params or {}).get("name")
        return ToolCall(id=message.id, name=name if isinstance(name, str) else "")


class InvalidMessage(Exception):
    """A body that is not one valid JSON-RPC message: answered with HTTP 400 and this error."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"jsonrpc": "2.0", "id": None, "error": {"code": self.code, "message": self.message}}


def read_message(body: bytes) -> PostedMessage:
    """The message of a POST body, or ``InvalidMessage`` saying in one sentence what is wrong."""
    try:
        decoded = pydantic_core.from_json(body)
    except ValueError:
        # The parser's own text may quote the body; the client gets a fixed sentence.
        raise InvalidMessage(
            PARSE_ERROR, "Parse error: the body is not JSON, or is nested too deeply."
        ) from None
    if isinstance(decoded, list):
        raise InvalidMessage(
            INVALID_REQUEST, "Batches are not supported: send one JSON-RPC message per request."
        )
    if not isinstance(decoded, dict):
        raise InvalidMessage(INVALID_REQUEST, "The body must be one JSON-RPC message object.")
    try:
        message = jsonrpc_message_adapter.validate_python(decoded, by_name=False)
    except ValidationError:
        message = None
    if message is None or (isinstance(message, JSONRPCNotification) and "id" in decoded):
        raise InvalidMessage(INVALID_REQUEST, _invalid_envelope(decoded))
    return PostedMessage(decoded=decoded, message=message)


def _invalid_envelope(decoded: dict[str, Any]) -> str:
    if decoded.get("jsonrpc") != "2.0":
        return 'Invalid request: "jsonrpc" must be "2.0".'
    if "id" in decoded and not _valid_id(decoded["id"]):
        return 'Invalid request: "id" must be a string or an integer (omit it only for a notification).'
    if "method" in decoded and not isinstance(decoded["method"], str):
        return 'Invalid request: "method" must be a string.'
    if "params" in decoded and not isinstance(decoded["params"], dict | None):
        return 'Invalid request: "params" must be an object.'
    return "Invalid request: the body is not a JSON-RPC request, notification or response."


def _valid_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def json_content_type(headers: Headers) -> bool:
    """The SDK's transport security check of a POST's ``Content-Type`` (both transports)."""
    return headers.get("content-type", "").lower().startswith(CONTENT_TYPE_JSON)


def streamable_http_dispatches(
    headers: Headers, raw_headers: list[tuple[bytes, bytes]], posted: PostedMessage
) -> bool:
    """Whether the SDK's Streamable HTTP transport will dispatch this POST rather than refuse it.

    The same checks, in the same order, with the SDK's own functions where it exposes them.
    """
    if not json_content_type(headers):
        return False
    accept = {part.split(";")[0].strip().lower() for part in headers.get("accept", "").split(",")}
    if not {"*/*", "application/*", CONTENT_TYPE_JSON} & accept:
        return False
    media_types = headers.get("content-type", "").split(";")[0].split(",")
    if CONTENT_TYPE_JSON not in (part.strip() for part in media_types):
        return False
    version = headers.get(MCP_PROTOCOL_VERSION_HEADER)
    if version is None or version in HANDSHAKE_PROTOCOL_VERSIONS:
        return True
    # The 2026-07-28 per-request protocol: the transport runs this ladder before dispatching.
    # (It also checks ``Mcp-Param-*`` headers against ``x-mcp-header`` schema annotations;
    # no tool here declares one, so that check never refuses.)
    if not isinstance(posted.message, JSONRPCRequest):
        return False
    routing = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in raw_headers]
    if find_duplicated_routing_header(routing) is not None:
        return False
    verdict = classify_inbound_request(posted.decoded, headers=dict(headers))
    return not isinstance(verdict, InboundLadderRejection)
