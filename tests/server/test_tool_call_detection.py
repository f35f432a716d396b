"""The /mcp edge finds every tools/call of a body, however its JSON spells the method: scope
checks, tool switches and quotas all start from this list."""

from __future__ import annotations

from server.mcp_endpoint import ToolCall, tool_calls


def test_escaped_method_names_are_still_tool_calls() -> None:
    plain = b'{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "createAsset"}}'
    slash = plain.replace(b"tools/call", b"tools\\/call")
    unicode = plain.replace(b"tools/call", b"\\u0074\\u006fols/call")
    for body in (plain, slash, unicode):
        assert tool_calls(body) == [ToolCall(id=1, name="createAsset")], body
    batch = b"[" + plain + b", " + slash.replace(b'"id": 1', b'"id": 2') + b"]"
    assert [call.id for call in tool_calls(batch)] == [1, 2]
    assert tool_calls(b'{"jsonrpc": "2.0", "id": 3, "method": "ping"}') == []
