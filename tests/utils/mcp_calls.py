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
    totals = set()
    while page is not None:
        content = await call_ok(client, name, {**arguments, "page": page, "per_page": per_page})
        assert content["page"] == page and content["per_page"] == per_page
        totals.add((content["total"], content["total_is_exact"]))
        items.extend(content[key])
        page = content["next_page"]
        assert (page is None) == (content["next_cursor"] is None), "next_page and next_cursor disagree"
    assert len(totals) == 1, "total changed while walking"
    _check_total(totals.pop(), len(items))
    return items


async def walk_by_cursor(
    client: Client, name: str, key: str, arguments: dict[str, Any], per_page: int = 100
) -> list[Any]:
    """Every item of a list tool, following next_cursor; checks the envelope on each page."""
    content = await call_ok(client, name, {**arguments, "per_page": per_page})
    items: list[Any] = list(content[key])
    page = 1
    while content["next_cursor"] is not None:
        assert content["page"] == page and content["next_page"] == page + 1
        content = await call_ok(
            client, name, {**arguments, "per_page": per_page, "cursor": content["next_cursor"]}
        )
        page += 1
        items.extend(content[key])
    assert content["page"] == page and content["next_page"] is None
    return items


def _check_total(total: tuple[int, bool], walked: int) -> None:
    """An exact total counts every item; an inexact one says there are more than it."""
    count, exact = total
    assert walked == count if exact else walked > count, f"walked {walked} items, total said {total}"
