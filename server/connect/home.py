"""``GET /``: what this server is and where to go, for a person (HTML) or a program (JSON).

A browser (``Accept: text/html``) gets a small page naming the MCP URL and linking to the
console; anything asking for ``application/json`` (or sending no preference) gets the same
facts as JSON. Nothing here needs a sign-in or reveals anything not in the discovery documents.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from server.connect.endpoints import ENDPOINTS, PRIMARY

CONSOLE_PATH = "/admin"
DOCS = "https://modelcontextprotocol.io"
# The page is static text: no script, no framing, nothing from elsewhere.
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}


def wants_html(request: Request) -> bool:
    """True for browsers (they ask for text/html and never for JSON); MCP clients, curl and
    scripts get JSON."""
    accept = request.headers.get("accept", "").lower()
    return "text/html" in accept and "application/json" not in accept


@dataclass(frozen=True)
class HomePage:
    base_url: str
    version: str

    def facts(self) -> dict[str, object]:
        return {
            "name": "helpdesk-mcp",
            "version": self.version,
            "mcp_url": PRIMARY.url(self.base_url),
            "endpoints": [
                {
                    "url": e.url(self.base_url),
                    "title": e.title,
                    "transport": e.transport,
                    "about": e.description,
                }
                for e in ENDPOINTS
            ],
            "console_url": self.base_url.rstrip("/") + CONSOLE_PATH,
            "connect_url": self.base_url.rstrip("/") + CONSOLE_PATH + "/connect",
            "authorization": "OAuth 2.1, discovered from the MCP URL; or an API key sent as "
            "Authorization: Bearer hdk_…",
        }

    async def show(self, request: Request) -> Response:
        facts = self.facts()
        if not wants_html(request):
            return JSONResponse(facts, headers=HEADERS)
        return HTMLResponse(self._html(facts), headers=HEADERS)

    def _html(self, facts: dict[str, object]) -> str:
        mcp_url = escape(str(facts["mcp_url"]))
        console = escape(str(facts["console_url"]))
        connect = escape(str(facts["connect_url"]))
        return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Helpdesk MCP server</title>
<style>
body{{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1f2933}}
code{{background:#f1f5f9;padding:.15rem .35rem;border-radius:4px;word-break:break-all}}
a{{color:#1d4ed8}} .muted{{color:#52606d}}
</style></head>
<body>
<h1>Helpdesk MCP server</h1>
<p>This is a <a href="{DOCS}">Model Context Protocol</a> server for the helpdesk. Point your AI client
(Claude, Cursor, VS Code, Copilot Studio…) at:</p>
<p><code>{mcp_url}</code></p>
<p>Sign in with your helpdesk agent or admin account when the client asks, or use an API key.</p>
<p><a href="{connect}">Ready-made configurations for each client</a> ·
<a href="{console}">Admin console</a></p>
<p class="muted">helpdesk-mcp {escape(self.version)}</p>
</body></html>
"""
