"""Redirect URI rules: which URIs a client may register, and when a requested URI matches.

- RFC 6749 §3.1.2 and OAuth 2.1 §2.3.1: redirect URIs are compared as exact strings, and must
  not carry a fragment.
- RFC 8252 §7.3 (https://www.rfc-editor.org/rfc/rfc8252#section-7.3): for loopback redirect URIs
  the port is chosen by the native app at request time, so any port matches a registered loopback
  URI whose scheme, host, path and query are otherwise identical. Claude Code, VS Code, Cursor
  and mcp-remote all rely on this.
- Never ``javascript:``, ``data:`` and the like (script execution in our origin or the user's
  browser), and never plain ``http:`` to anything but a loopback address: the code would travel
  in clear text over the network.
- Private-use schemes (``cursor://…``, RFC 8252 §7.1) are allowed; the operating system hands
  them to the app that claimed them.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "[::1]", "::1"})
FORBIDDEN_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob", "about", "filesystem"})
MAX_REDIRECT_URI_LENGTH = 2048


class InvalidRedirectUri(ValueError):
    """The URI may not be registered; the message says why in one sentence."""


def _split(uri: str) -> SplitResult:
    try:
        parts = urlsplit(uri)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        raise InvalidRedirectUri(f"Redirect URI {uri!r} is not a valid URI.") from None
    return parts


def is_loopback_http(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    return parts.scheme.lower() == "http" and (parts.hostname or "").lower() in LOOPBACK_HOSTS


def check_registrable(uri: str) -> None:
    """Raise ``InvalidRedirectUri`` unless ``uri`` may be registered as a redirect URI."""
    if len(uri) > MAX_REDIRECT_URI_LENGTH:
        raise InvalidRedirectUri("Redirect URI is longer than 2048 characters.")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in uri):
        raise InvalidRedirectUri(f"Redirect URI {uri!r} contains whitespace or control characters.")
    parts = _split(uri)
    scheme = parts.scheme.lower()
    if not scheme:
        raise InvalidRedirectUri(f"Redirect URI {uri!r} must be absolute (it has no scheme).")
    if scheme in FORBIDDEN_SCHEMES:
        raise InvalidRedirectUri(f"Redirect URI scheme '{scheme}:' is not allowed.")
    if parts.fragment or "#" in uri:
        raise InvalidRedirectUri(f"Redirect URI {uri!r} must not contain a fragment.")
    if scheme in ("http", "https") and not parts.hostname:
        raise InvalidRedirectUri(f"Redirect URI {uri!r} has no host.")
    if scheme == "http" and not is_loopback_http(uri):
        raise InvalidRedirectUri(
            f"Redirect URI {uri!r} uses http: on a non-loopback host; use https: or a loopback address."
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidRedirectUri(f"Redirect URI {uri!r} must not contain credentials.")


def _without_port(parts: SplitResult) -> tuple[str, str, str, str]:
    host = parts.hostname or ""
    return (parts.scheme.lower(), host.lower(), parts.path or "/", parts.query)


def redirect_uri_matches(registered: str, requested: str) -> bool:
    """Exact match, except that a loopback http URI matches on any port (RFC 8252 §7.3)."""
    if registered == requested:
        return True
    if not (is_loopback_http(registered) and is_loopback_http(requested)):
        return False
    try:
        reg, req = urlsplit(registered), urlsplit(requested)
        req.port  # noqa: B018 - a malformed port never matches
    except ValueError:
        return False
    if req.username is not None or req.password is not None or req.fragment:
        return False
    return _without_port(reg) == _without_port(req)


def match_redirect_uri(registered: list[str], requested: str) -> str | None:
    """The URI to redirect to (the requested one, port included) if it matches a registered one."""
    if any(redirect_uri_matches(candidate, requested) for candidate in registered):
        return requested
    return None
