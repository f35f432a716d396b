"""Every URL a client may be given is an OAuth protected resource of its own.

- RFC 9728 (https://www.rfc-editor.org/rfc/rfc9728): each URL has its metadata at the
  path-inserted well-known URL, and that document's ``resource`` is the URL itself. Spec clients
  (the MCP SDKs, fastmcp, mcp-remote) compare the two and refuse a mismatch, so ``/sse`` cannot
  borrow ``/mcp``'s document.
- RFC 8707 (https://www.rfc-editor.org/rfc/rfc8707): a client names the URL as ``resource`` at
  ``/authorize`` and ``/token``; the token's audience is that URL.

The URLs: ``/mcp`` and ``/sse`` (every tool), ``/mcp/readonly`` (read tools only), and
``/mcp/x/{toolsets}`` and ``/mcp/x/{toolsets}/readonly`` for one or more comma-separated
toolsets; the legacy SSE transport has the same under ``/sse`` (``/sse/readonly``,
``/sse/x/{toolsets}``, ``/sse/x/{toolsets}/readonly``). What each offers is a set of toolsets
and a read-only flag, so audiences compare as sets: a token is accepted at the URL it was issued
for and at every URL of this server that offers no tool its own URL does not (``covers``). A
``/mcp`` token therefore works at ``/sse``, ``/mcp/readonly`` and ``/mcp/x/tickets``; a
``/mcp/readonly`` token never works at ``/mcp`` (the narrower audience would widen). This is the
hierarchy RFC 8707 leaves to the resource server, the same one the SDKs'
``check_resource_allowed`` applies to child paths.

The toolset names are handed in by the server (``auth`` does not know the tools).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from auth.oauth.scopes import READ, SUPPORTED_SCOPES

STREAMABLE_PATH = "/mcp"
SSE_PATH = "/sse"
READ_ONLY_SUFFIX = "/readonly"
TOOLSETS_PREFIXES = (STREAMABLE_PATH + "/x/", SSE_PATH + "/x/")
PROTECTED_RESOURCE_METADATA_PATH = "/.well-known/oauth-protected-resource"


@dataclass(frozen=True, slots=True)
class ProtectedResource:
    """One URL clients connect to: what it offers, and where its metadata lives."""

    url: str  # absolute, normalised (RFC 8707): the token audience and the metadata's ``resource``
    path: str
    metadata_url: str  # RFC 9728 §3.1: the well-known path inserted before the resource's path
    toolsets: frozenset[str]
    read_only: bool
    everything: bool  # every toolset: ``/mcp``, ``/sse``, ``/mcp/readonly``

    @property
    def scopes(self) -> tuple[str, ...]:
        """The scopes worth asking for here: a read-only URL needs (and grants) ``mcp:read`` only."""
        return (READ,) if self.read_only else SUPPORTED_SCOPES

    def covers(self, other: ProtectedResource) -> bool:
        """Whether a token issued for this URL is accepted at ``other``: it offers nothing more."""
        return other.toolsets <= self.toolsets and (other.read_only or not self.read_only)

    @property
    def name(self) -> str:
        """How the metadata names it to people (``resource_name``)."""
        label = "Helpdesk MCP"
        if not self.everything:
            label += " (" + ", ".join(sorted(self.toolsets)) + ")"
        return label + (", read-only" if self.read_only else "")


class ResourceCatalog:
    """The protected resources of the server at ``base_url`` whose tools fall in ``toolsets``.

    ``at_path`` and ``at_url`` answer None for anything that is not one of them; answers are
    cached (the edge asks on every request; the set of valid paths is finite).
    """

    def __init__(self, base_url: str, toolsets: Sequence[str]) -> None:
        self.base_url = base_url.rstrip("/")
        self.toolsets: tuple[str, ...] = tuple(toolsets)
        origin = normalise_resource(self.base_url)
        if origin is None:
            raise ValueError(f"not an absolute http(s) URL: {base_url!r}")
        self.origin = origin
        self.at_path = functools.lru_cache(maxsize=1024)(self._parse_path)
        default = self.at_path(STREAMABLE_PATH)
        assert default is not None
        self.default: ProtectedResource = default

    def at_url(self, url: str | None) -> ProtectedResource | None:
        """The resource a client names (``resource`` at /authorize and /token), or None if it is
        not one of ours. RFC 8707 normalisation: scheme and host case, default port, trailing slash."""
        normalised = normalise_resource(url or "")
        parts = urlsplit(normalised or "")
        if normalised is None or f"{parts.scheme}://{parts.netloc}" != self.origin or parts.query:
            return None
        return self.at_path(parts.path)

    def _parse_path(self, path: str) -> ProtectedResource | None:
        path = path.rstrip("/") or "/"
        read_only = path.endswith(READ_ONLY_SUFFIX)
        stem = path.removesuffix(READ_ONLY_SUFFIX) if read_only else path
        if stem in (STREAMABLE_PATH, SSE_PATH):
            toolsets = frozenset(self.toolsets)
        elif stem.startswith(TOOLSETS_PREFIXES):
            names = stem.split("/", 3)[3].split(",")
            if len(set(names)) != len(names) or not set(names) <= set(self.toolsets):
                return None
            toolsets = frozenset(names)
        else:
            return None
        return ProtectedResource(
            url=self.origin + path,
            path=path,
            metadata_url=f"{self.base_url}{PROTECTED_RESOURCE_METADATA_PATH}{path}",
            toolsets=toolsets,
            read_only=read_only,
            everything=toolsets == frozenset(self.toolsets),
        )


DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_resource(value: str) -> str | None:
    """Canonical form of a resource URI (scheme and host lower-cased, default port and trailing
    slash dropped), or None if it is not an absolute http(s) URI without a fragment."""
    try:
        parts = urlsplit(value.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname or parts.fragment or parts.username is not None:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), parts.query, ""))
