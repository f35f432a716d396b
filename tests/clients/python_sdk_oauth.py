"""The official Python MCP SDK's client, signing in by OAuth the way an application built on it would.

    .venv/bin/python tests/clients/python_sdk_oauth.py --url http://127.0.0.1:8810/sse \\
        --browser tests/clients/browser_login.py --callback-port 8815 \\
        [--tool fetchWorkspaces] [--expect-tools 34] [--refuse createTicket]

The transport follows the URL as clients that pick it from the suffix do: ``…/sse`` is legacy
SSE, anything else Streamable HTTP. The SDK's ``OAuthClientProvider`` meets the 401, reads the
URL's own protected-resource metadata (it refuses one whose ``resource`` is not the URL),
registers, and hands the authorization URL to the scripted browser (``browser_login.py``),
which signs in as the demo agent, approves and lands on this script's loopback callback. Then
tools/list, a tools/call, and, with ``--refuse``, a call to a tool the URL must not offer (it
must answer a JSON-RPC error). One JSON line on stdout sums it up; exit 0 when all held.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from importlib.metadata import version
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.sse import sse_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)
from mcp.shared.exceptions import MCPError


class MemoryStorage:
    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client_info: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client_info

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client_info = client_info


class Callback:
    """A native app's loopback listener: the one request the browser is redirected to."""

    def __init__(self, port: int) -> None:
        self.params: dict[str, str] = {}
        self.received = threading.Event()
        callback = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                callback.params = {key: values[0] for key, values in query.items()}
                self.send_response(200)
                self.send_header("content-type", "text/html")
                self.end_headers()
                self.wfile.write(b"<p>Signed in. You may close this window.</p>")
                callback.received.set()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{port}/callback"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def run(args: argparse.Namespace, summary: dict[str, Any]) -> None:
    callback = Callback(args.callback_port)
    storage = MemoryStorage()
    browser_runs: list[int] = []

    async def redirect_handler(authorization_url: str) -> None:
        process = await asyncio.create_subprocess_exec(
            args.browser, authorization_url, stdout=subprocess.DEVNULL
        )
        browser_runs.append(await process.wait())

    async def callback_handler() -> AuthorizationCodeResult:
        if not await asyncio.to_thread(callback.received.wait, args.timeout):
            raise RuntimeError(f"no OAuth callback (browser exit statuses: {browser_runs})")
        params = callback.params
        if "error" in params:
            raise RuntimeError(
                f"authorization failed: {params['error']} {params.get('error_description', '')}"
            )
        summary["iss"] = params.get("iss")
        return AuthorizationCodeResult(code=params["code"], state=params.get("state"), iss=params.get("iss"))

    provider = OAuthClientProvider(
        server_url=args.url,
        client_metadata=OAuthClientMetadata.model_validate(
            {
                "client_name": "helpdesk-mcp Python SDK client check",
                "redirect_uris": [callback.url],
                "grant_types": ["authorization_code", "refresh_token"],
                "response_types": ["code"],
                "token_endpoint_auth_method": "none",
            }
        ),
        storage=storage,
        redirect_handler=redirect_handler,
        callback_handler=callback_handler,
    )
    sse = urlsplit(args.url).path.endswith("/sse")
    summary["transport"] = "sse" if sse else "streamable-http"
    try:
        async with contextlib.AsyncExitStack() as stack:
            if sse:
                transport = sse_client(args.url, auth=provider)
            else:
                http = await stack.enter_async_context(httpx2.AsyncClient(auth=provider, timeout=30))
                transport = streamable_http_client(args.url, http_client=http)
            client = await stack.enter_async_context(Client(transport, mode="legacy"))  # type: ignore[arg-type]
            await exercise(client, args, summary)
    finally:
        callback.close()
    tokens = storage.tokens
    summary["token"] = {
        "scope": tokens.scope if tokens else None,
        "refresh_token": bool(tokens and tokens.refresh_token),
    }
    summary["client_id"] = storage.client_info.client_id if storage.client_info else None
    if browser_runs != [0]:
        raise RuntimeError(f"expected one successful browser sign-in, saw exit statuses {browser_runs}")


async def exercise(client: Client, args: argparse.Namespace, summary: dict[str, Any]) -> None:
    listed = await client.list_tools()
    summary["tools"] = len(listed.tools)
    if args.expect_tools is not None and summary["tools"] != args.expect_tools:
        raise RuntimeError(f"tools/list returned {summary['tools']} tools, expected {args.expect_tools}")
    result = await client.call_tool(args.tool, {})
    if result.is_error:
        raise RuntimeError(f"{args.tool} failed: {result.content}")
    structured = result.structured_content or {}
    items = next((value for value in structured.values() if isinstance(value, list)), [])
    summary["call"] = {"tool": args.tool, "items": len(items)}
    if args.refuse:
        try:
            await client.call_tool(args.refuse, {})
        except MCPError as refused:
            summary["refused"] = {"tool": args.refuse, "code": refused.code, "message": refused.message}
        else:
            raise RuntimeError(f"{args.refuse} was not refused")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", required=True, help="the MCP endpoint URL (…/sse selects SSE)")
    parser.add_argument("--browser", required=True, help="the scripted browser (browser_login.py)")
    parser.add_argument("--callback-port", type=int, default=8815)
    parser.add_argument("--tool", default="fetchWorkspaces")
    parser.add_argument("--expect-tools", type=int)
    parser.add_argument("--refuse", help="a tool the URL must not offer")
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    summary: dict[str, Any] = {"sdk": version("mcp"), "url": args.url}
    status = 1
    try:
        asyncio.run(asyncio.wait_for(run(args, summary), args.timeout))
    except Exception as error:  # the summary says what failed; the check prints it
        summary.update(ok=False, error=f"{type(error).__name__}: {error}")
    else:
        summary["ok"] = True
        status = 0
    print(json.dumps(summary))
    return status


if __name__ == "__main__":
    sys.exit(main())
