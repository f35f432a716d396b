"""The ``WWW-Authenticate`` challenges of ``/mcp`` (RFC 6750 §3, RFC 9728 §5.1).

Every 401 names the protected-resource metadata document and the scopes the tools need, so
clients (Claude Code, VS Code, workflow builders) can discover the authorization server; a 403
``insufficient_scope`` names the scopes to step up to.
"""

from __future__ import annotations

ALL_SCOPES_TEXT = "mcp:read mcp:write"


def resource_metadata_url(base_url: str) -> str:
    return f"{base_url}/.well-known/oauth-protected-resource/mcp"


def www_authenticate(
    base_url: str, *, error: str | None = None, description: str | None = None, scope: str = ALL_SCOPES_TEXT
) -> str:
    parts = [f'resource_metadata="{resource_metadata_url(base_url)}"', f'scope="{scope}"']
    if error:
        parts.append(f'error="{error}"')
    if description:
        parts.append(f'error_description="{description}"')
    return "Bearer " + ", ".join(parts)
