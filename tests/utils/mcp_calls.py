"""Calling tools through the SDK client and reading their results."""

from __future__ import annotations

from typing import Any

from mcp import Client

from tests.utils.answers import check_answer


async def call_ok(client: Client, name: str, arguments: dict[str, Any] | None = None) -> dict[str, Any]:
    """Call a tool that must succeed; return its structured content."""
    result = await client.call_tool(name, arguments or {})
    text = " ".join(getattr(block, "text", "") for block in result.content)
    assert not result.is_error, f"{name} failed: {text}"
    check_answer(name, result)
    assert result.structured_content is not None
    return dict(result.structured_content)


async def call_error(client: Client, name: str, arguments: dict[str, Any]) -> str:
    """Call a tool that must fail with a recoverable error; return the error text."""
    result = await client.call_tool(name, arguments)
    text = " ".join(getattr(block, "text", "") for block in result.content)
    assert result.is_error, f"{name} unexpectedly succeeded: {text[:200]}"
    assert "Traceback" not in text
    return text


async def walk(
    client: Client, name: str, key: str, arguments: dict[str, Any], per_page: int = 100
) -> list[Any]:
    """Every item of a list tool, following next_page; checks the envelope on each page."""
    items: list[Any] = []
    page: int | None = 1
    total = None
    while page is not None:
        content = await call_ok(client, name, {**arguments, "page": page, "per_page": per_page})
        assert content["page"] == page and content["per_page"] == per_page
        total = content["total"] if total is None else total
        assert content["total"] == total, "total changed while walking"
        items.extend(content[key])
        page = content["next_page"]
    assert total is not None and len(items) == total
    return items
