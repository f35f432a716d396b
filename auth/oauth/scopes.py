"""Scopes this server grants (RFC 6749 §3.3) and the rule for turning a request into a grant.

``mcp:read`` allows the read tools, ``mcp:write`` the write tools. A request that names no scope
gets both. ``offline_access`` is accepted and ignored: a refresh token comes with every code
grant anyway. Any other scope is dropped rather than refused when a known one is asked for too
(RFC 6749 §3.3 lets the server grant less than asked; the token response always says what was
granted), because clients copy scope lists from places we do not control; a request naming only
unknown scopes is refused with ``invalid_scope`` rather than widened to the defaults.
"""

from __future__ import annotations

from domain.people.identity import ALL_SCOPES

READ = "mcp:read"
WRITE = "mcp:write"
SUPPORTED_SCOPES: tuple[str, ...] = (READ, WRITE)
DEFAULT_SCOPES: tuple[str, ...] = SUPPORTED_SCOPES
OFFLINE_ACCESS = "offline_access"
# What a request may name; a request naming only other scopes is refused (invalid_scope).
KNOWN_SCOPES = frozenset((*SUPPORTED_SCOPES, OFFLINE_ACCESS))

assert frozenset(SUPPORTED_SCOPES) == ALL_SCOPES

SCOPE_DESCRIPTIONS = {
    READ: "Read tickets, assets, people, the service catalog and knowledge base articles",
    WRITE: "Create and update tickets, notes, assets and requests on your behalf",
}


def format_scopes(scopes: frozenset[str] | set[str] | list[str] | tuple[str, ...]) -> str:
    """Space-separated, in a stable order (read before write)."""
    return " ".join(scope for scope in SUPPORTED_SCOPES if scope in scopes)


def parse_scopes(scope: str | None) -> frozenset[str]:
    return frozenset(scope.split()) if scope else frozenset()


def grantable_scopes(requested: str | None, *, allowed: str | None = None) -> frozenset[str]:
    """What to grant for ``requested``, limited to the client's registered ``allowed`` scopes."""
    ceiling = parse_scopes(allowed) & frozenset(SUPPORTED_SCOPES) or frozenset(SUPPORTED_SCOPES)
    wanted = parse_scopes(requested) & frozenset(SUPPORTED_SCOPES)
    if not wanted:
        wanted = frozenset(DEFAULT_SCOPES)
    return (wanted & ceiling) or ceiling
