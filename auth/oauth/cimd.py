"""Client ID Metadata Documents: an https ``client_id`` is a URL serving the client's metadata.

Specification: draft-ietf-oauth-client-id-metadata-document
(https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/), adopted by the
MCP authorization spec (2025-11-25 and later) as the preferred alternative to RFC 7591
registration. Known documents in use: Claude Code, VS Code, ChatGPT.

Fetching a URL chosen by an unauthenticated caller is a server-side request forgery risk, so
the fetch is fenced in (draft §6, "Server-Side Request Forgery"):

- https only, to the default or an explicit port, no userinfo, no fragment, a non-root path;
- the host is resolved once, every address must be public (no private, loopback, link-local,
  multicast, reserved or unspecified ranges, IPv4-mapped forms included), and the connection is
  made to that vetted address (TLS still verified against the host name), so a DNS answer that
  changes between the check and the connect cannot redirect us inward;
- redirects are not followed, the body is capped at 64 KB and the whole fetch at 5 seconds.

The document's ``client_id`` must equal the URL it was fetched from, it must name redirect URIs
that pass the usual rules, and it must describe a public client (we hold no keys to verify
``private_key_jwt``). Documents are cached in the ``oauth_client`` table (see
``auth.oauth.clients``) so every worker shares one copy.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import anyio
import pydantic_core
from pydantic import AnyUrl, ValidationError

from auth.oauth.redirects import InvalidRedirectUri, check_registrable

if TYPE_CHECKING:
    import httpx

MAX_DOCUMENT_BYTES = 64 * 1024
FETCH_TIMEOUT_SECONDS = 5.0

Resolver = Callable[[str, int], Awaitable[list[str]]]


class MetadataDocumentError(Exception):
    """The document could not be used; the message says why in one sentence."""


@dataclass(frozen=True, slots=True)
class ClientMetadataDocument:
    client_id: str
    client_name: str
    client_uri: str | None
    redirect_uris: list[str]
    scope: str | None


def is_metadata_document_client_id(client_id: str) -> bool:
    return client_id.startswith("https://")


def check_document_url(url: str) -> None:
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a malformed port
    except ValueError:
        raise MetadataDocumentError("client_id is not a valid URL.") from None
    if parts.scheme != "https" or not parts.hostname:
        raise MetadataDocumentError("client_id documents must be served over https.")
    if parts.username is not None or parts.password is not None or parts.fragment:
        raise MetadataDocumentError("client_id must not contain credentials or a fragment.")
    segments = parts.path.split("/")
    if parts.path in ("", "/") or "." in segments or ".." in segments:
        raise MetadataDocumentError("client_id must be an https URL with a path (and no dot segments).")


# IPv6 ranges that carry an IPv4 address inside (RFC 3056 6to4, RFC 4380 Teredo, RFC 6052 and
# RFC 8215 NAT64, RFC 4291 IPv4-compatible): a router or translator may deliver them to that IPv4
# address, which may be private. They are refused whatever the IPv4 address they embed.
IPV4_CARRYING_RANGES = tuple(
    ipaddress.IPv6Network(network)
    for network in ("2002::/16", "2001::/32", "64:ff9b::/96", "64:ff9b:1::/48", "::/96")
)


def is_public_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address) and any(ip in network for network in IPV4_CARRYING_RANGES):
        return False
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


async def resolve_host(host: str, port: int) -> list[str]:
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass
class MetadataDocumentFetcher:
    """Fetches and validates documents. ``transport`` and ``resolve`` are seams for tests."""

    transport: httpx.AsyncBaseTransport | None = None
    resolve: Resolver = field(default=resolve_host)
    timeout: float = FETCH_TIMEOUT_SECONDS
    max_bytes: int = MAX_DOCUMENT_BYTES

    async def fetch(self, url: str) -> ClientMetadataDocument:
        # Imported here: httpx brings rich and pygments along, ~4 MiB in every server process,
        # most of which never fetch a document.
        import httpx

        check_document_url(url)
        try:
            with anyio.fail_after(self.timeout):
                body = await self._download(url)
        except TimeoutError:
            raise MetadataDocumentError("the client metadata document took too long to fetch.") from None
        except httpx.HTTPError:
            raise MetadataDocumentError("the client metadata document could not be fetched.") from None
        return parse_document(url, body)

    async def _download(self, url: str) -> bytes:
        import httpx

        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port or 443
        try:
            addresses = await self.resolve(host, port)
        except OSError:
            raise MetadataDocumentError(f"the host {host} of the client_id does not resolve.") from None
        if not addresses or not all(is_public_address(address) for address in addresses):
            raise MetadataDocumentError(f"the host {host} of the client_id resolves to a non-public address.")
        pinned = addresses[0]
        netloc = f"[{pinned}]:{port}" if ":" in pinned else f"{pinned}:{port}"
        target = urlunsplit(("https", netloc, parts.path, parts.query, ""))
        headers = {"Host": parts.netloc, "Accept": "application/json"}
        async with (
            httpx.AsyncClient(
                transport=self.transport, follow_redirects=False, timeout=self.timeout
            ) as client,
            client.stream("GET", target, headers=headers, extensions={"sni_hostname": host}) as response,
        ):
            if response.is_redirect:
                raise MetadataDocumentError(
                    "the client metadata document URL redirects; redirects are not followed."
                )
            if response.status_code != 200:
                raise MetadataDocumentError(
                    f"the client metadata document answered HTTP {response.status_code}."
                )
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.max_bytes:
                    raise MetadataDocumentError("the client metadata document is larger than 64 KB.")
            return bytes(body)


def parse_document(url: str, body: bytes) -> ClientMetadataDocument:
    try:
        # pydantic_core's parser refuses deep nesting with a ValueError (json.loads would raise
        # RecursionError on a document nested thousands deep).
        document = pydantic_core.from_json(body)
    except ValueError:
        raise MetadataDocumentError("the client metadata document is not JSON.") from None
    if not isinstance(document, dict):
        raise MetadataDocumentError("the client metadata document is not a JSON object.")
    if document.get("client_id") != url:
        raise MetadataDocumentError("the document's client_id does not equal the URL it was fetched from.")
    method = document.get("token_endpoint_auth_method", "none")
    if method != "none" or "client_secret" in document:
        raise MetadataDocumentError(
            "client metadata documents must describe a public client (method 'none')."
        )
    raw_uris = document.get("redirect_uris")
    if not isinstance(raw_uris, list) or not raw_uris or not all(isinstance(uri, str) for uri in raw_uris):
        raise MetadataDocumentError("the client metadata document lists no redirect_uris.")
    try:
        for uri in raw_uris:
            check_registrable(uri)
        redirect_uris = [str(AnyUrl(uri)) for uri in raw_uris]
    except (InvalidRedirectUri, ValidationError) as exc:
        raise MetadataDocumentError(
            str(exc) if isinstance(exc, InvalidRedirectUri) else "bad redirect_uris."
        ) from None
    name = document.get("client_name")
    client_uri = document.get("client_uri")
    scope = document.get("scope")
    return ClientMetadataDocument(
        client_id=url,
        client_name=name[:200] if isinstance(name, str) and name.strip() else urlsplit(url).hostname or url,
        client_uri=client_uri if isinstance(client_uri, str) and client_uri.startswith("https://") else None,
        redirect_uris=redirect_uris,
        scope=scope if isinstance(scope, str) else None,
    )
