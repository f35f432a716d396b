"""Call one tool on a running server with the official SDK client, as a deployment check.

    python .ci/smoke_call.py http://127.0.0.1:8402 hdk_...

Run it with the interpreter of the installed package (the wheel step's fresh venv): the SDK comes
with it as a dependency. Prints the tool count and the tickets total; exits non-zero on any error.
"""

from __future__ import annotations

import sys

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client


async def smoke(url: str, key: str) -> None:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=60) as http,
        Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,  # type: ignore[arg-type]
    ):
        tools = await client.list_tools()
        result = await client.call_tool("fetchTickets", {"per_page": 1})
        text = " ".join(getattr(block, "text", "") for block in result.content)
        if result.is_error or not result.structured_content:
            raise SystemExit(f"fetchTickets failed: {text[:300]}")
        print(f"{len(tools.tools)} tools; fetchTickets total={result.structured_content['total']}")


if __name__ == "__main__":
    anyio.run(smoke, sys.argv[1], sys.argv[2])
