"""The one place that decides what a POST carries: every spelling of a valid ``tools/call`` is
found, and every body the SDK would not dispatch is refused with a JSON-RPC error."""

from __future__ import annotations

import pytest

from server.mcp_messages import InvalidMessage, ToolCall, read_message

PLAIN = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "createAsset"}}'


def test_escaped_method_names_are_still_tool_calls() -> None:
    slash = PLAIN.replace(b"tools/call", b"tools\\/call")
    unicode = PLAIN.replace(b"tools/call", b"\\u0074\\u006fols/call")
    for body in (PLAIN, slash, unicode):
        assert read_message(body).tool_call == ToolCall(id=1, name="createAsset"), body
    assert read_message(b'{"jsonrpc": "2.0", "id": 3, "method": "ping"}').tool_call is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"[" + PLAIN + b"]", -32600),
        (PLAIN.replace(b'"id": 1', b'"id": null'), -32600),
        (PLAIN.replace(b'"id": 1', b'"id": 1.5'), -32600),
        (PLAIN.replace(b'"id": 1', b'"id": true'), -32600),
        (PLAIN.replace(b'"id": 1', b'"id": {}'), -32600),
        (PLAIN.replace(b'"id": 1', b'"id": [1]'), -32600),
        (PLAIN.replace(b'"2.0"', b'"1.0"'), -32600),
        (b'"tools/call"', -32600),
        (b"{" * 5000 + b"}" * 5000, -32700),
        (b"[" * 5000 + b"]" * 5000, -32700),
        (b"", -32700),
    ],
)
def test_bodies_the_sdk_would_not_dispatch_are_invalid(body: bytes, code: int) -> None:
    with pytest.raises(InvalidMessage) as refused:
        read_message(body)
    assert refused.value.code == code


def test_a_message_without_an_id_is_a_notification_and_no_tool_call() -> None:
    assert read_message(PLAIN.replace(b'"id": 1, ', b"")).tool_call is None
