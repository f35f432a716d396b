"""The client address that per-address limits count."""

from __future__ import annotations

import ipaddress

from starlette.requests import Request


def client_address(request: Request) -> str:
    """The caller's IP as counted: IPv4 as is, IPv6 by its /64 (one host usually holds a whole /64).

    It is the peer address: behind a reverse proxy, the server's HELPDESK_TRUSTED_PROXIES makes
    the peer the real client (X-Forwarded-For from those proxies only).
    """
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if address.version == 6:
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)
