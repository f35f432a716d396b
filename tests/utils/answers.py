"""The response contract (docs/response-contract.md), checked on every successful tool answer
that tests read through ``call_ok``."""

from __future__ import annotations

import functools
import re
from typing import Any

import jsonschema
from mcp_types import CallToolResult

from server.tools.registry import all_tool_specs, build_tools

_HTML_TAG = re.compile(r"</?(?:p|br|div|span|ul|ol|li|b|i|strong|em|a|h[1-6]|table|tr|td)\b[^>]*>", re.I)
_NEXT_STEP = re.compile(r"^(Next: \S+ with (page|cursor)=|Last page\.|No \w[\w ]* match\.)", re.M)


@functools.cache
def output_schemas() -> dict[str, dict[str, Any]]:
    tools, _ = build_tools(all_tool_specs())
    return {tool.name: tool.output_schema for tool in tools if tool.output_schema is not None}


def answer_text(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if block.type == "text")


def check_answer(name: str, result: CallToolResult) -> None:
    """structuredContent valid against the outputSchema; text compact, plain, with ids and a next step."""
    structured = result.structured_content
    assert structured is not None, f"{name} returned no structured content"
    jsonschema.validate(structured, output_schemas()[name])
    text = answer_text(result)
    kinds = [block.type for block in result.content]
    assert kinds.count("text") == 1 and text.strip(), f"{name}: one text block expected, got {kinds}"
    assert set(kinds) <= {"text", "resource_link"}, f"{name}: unexpected blocks {kinds}"
    assert not text.lstrip().startswith(("{", "[")), f"{name}: the text is JSON again, not an answer"
    assert '\n  "' not in text, f"{name}: indented JSON in the text"
    assert not _HTML_TAG.search(text), f"{name}: HTML left in the text"
    items = _page_items(structured)
    if items is None:
        return
    assert _NEXT_STEP.search(text), f"{name}: a page must say what comes next:\n{text[-300:]}"
    if structured.get("next_page") or structured.get("next_cursor"):
        assert "Next:" in text, f"{name}: the next page is not named"
    shown = [item for item in items if re.search(rf"^#{_item_key(item)}\b", text, re.M)]
    if "Truncated:" not in text:
        assert len(shown) == len(items), f"{name}: every item's id must be in the text"


def _page_items(structured: dict[str, Any]) -> list[dict[str, Any]] | None:
    if "per_page" not in structured:
        return None
    lists = [value for value in structured.values() if isinstance(value, list)]
    return lists[0] if lists else None


def _item_key(item: dict[str, Any]) -> Any:
    return item.get("display_id", item.get("id"))
