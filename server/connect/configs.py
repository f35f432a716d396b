"""Copy-paste configurations for the clients people connect, built from an endpoint's URL.

Each client gets its OAuth configuration (nothing to fill in: the client discovers the sign-in)
and its API-key configuration (the key filled in when the page has just created one, else a
placeholder). The texts follow each client's documented format (see the README's "Connecting
clients", which shows the same configurations).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from typing import Any

from server.connect.endpoints import Transport

KEY_PLACEHOLDER = "hdk_your_key"


@dataclass(frozen=True, slots=True)
class Snippet:
    language: str  # "json", "sh" or "text"
    text: str


@dataclass(frozen=True, slots=True)
class ClientGuide:
    slug: str
    name: str
    where: str  # where the configuration goes
    oauth: Snippet
    oauth_note: str
    api_key: Snippet | None  # None: the client takes no headers
    api_key_note: str = ""


def _json(value: Any) -> Snippet:
    return Snippet("json", json.dumps(value, indent=2))


def client_guides(url: str, transport: Transport, key: str | None = None) -> list[ClientGuide]:
    """Every client's configuration for ``url`` (``key``: an API key to fill in)."""
    secret = key or KEY_PLACEHOLDER
    bearer = f"Bearer {secret}"
    kind = "sse" if transport == "sse" else "http"
    return [
        ClientGuide(
            "claude",
            "Claude (claude.ai, Claude Desktop)",
            "Settings → Connectors → Add custom connector",
            Snippet("text", f"Name: Helpdesk\nRemote MCP server URL: {url}"),
            "Leave Advanced settings empty, click Connect, sign in and click Allow access.",
            None,
            "Custom connectors send no headers: use OAuth.",
        ),
        ClientGuide(
            "claude-code",
            "Claude Code",
            "a terminal",
            Snippet("sh", f"claude mcp add --transport {kind} helpdesk {shlex.quote(url)}"),
            "Then run /mcp in Claude Code, pick helpdesk and choose Authenticate.",
            Snippet(
                "sh",
                f"claude mcp add --transport {kind} helpdesk {shlex.quote(url)} \\\n"
                f"  --header {shlex.quote('Authorization: ' + bearer)}",
            ),
        ),
        ClientGuide(
            "cursor",
            "Cursor",
            "~/.cursor/mcp.json (or .cursor/mcp.json in a project)",
            _json({"mcpServers": {"helpdesk": {"url": url}}}),
            "Cursor shows Needs login next to the server: click it to sign in.",
            _json({"mcpServers": {"helpdesk": {"url": url, "headers": {"Authorization": bearer}}}}),
        ),
        ClientGuide(
            "vscode",
            "VS Code (GitHub Copilot agent mode)",
            ".vscode/mcp.json (or MCP: Add Server…)",
            _json({"servers": {"helpdesk": {"type": kind, "url": url}}}),
            "VS Code asks you to sign in when the server starts.",
            _json(
                {"servers": {"helpdesk": {"type": kind, "url": url, "headers": {"Authorization": bearer}}}}
            ),
            "To keep the key out of the file, use an input: see the README.",
        ),
        ClientGuide(
            "copilot-studio",
            "Microsoft Copilot Studio",
            "Add a tool → New tool → Model Context Protocol",
            Snippet("text", f"Server URL: {url}\nAuthentication: OAuth 2.0\nType: Dynamic discovery"),
            "Copilot Studio registers itself and sends users through the sign-in page.",
            Snippet(
                "text",
                f"Server URL: {url}\nAuthentication: API key\nHeader name: Authorization\nValue: {bearer}",
            ),
        ),
        ClientGuide(
            "mcp-remote",
            "mcp-remote (any stdio-only client)",
            "the client's MCP servers file (e.g. claude_desktop_config.json)",
            _json({"mcpServers": {"helpdesk": {"command": "npx", "args": ["-y", "mcp-remote", url]}}}),
            "A browser opens for the sign-in the first time; tokens are cached in ~/.mcp-auth.",
            _json(
                {
                    "mcpServers": {
                        "helpdesk": {
                            "command": "npx",
                            "args": [
                                "-y",
                                "mcp-remote",
                                url,
                                "--header",
                                "Authorization:Bearer ${HELPDESK_API_KEY}",
                            ],
                            "env": {"HELPDESK_API_KEY": secret},
                        }
                    }
                }
            ),
            "No space after the colon in --header: some launchers split arguments on spaces.",
        ),
    ]
