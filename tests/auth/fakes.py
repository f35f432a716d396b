"""Test doubles for time and for the network that metadata documents come from."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx

from domain.types import utcnow


@dataclass
class FakeClock:
    """Starts at the real time (the ``/mcp`` edge keeps its own real clock), moves only on demand."""

    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class FakeWeb:
    """Answers for metadata-document fetches: host → addresses, URL → response."""

    addresses: dict[str, list[str]] = field(default_factory=dict)
    responses: dict[str, httpx.Response] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def serve(self, url: str, response: httpx.Response, *, address: str = "93.184.216.34") -> None:
        host = httpx.URL(url).host
        self.addresses.setdefault(host, [address])
        self.responses[url] = response

    async def resolve(self, host: str, port: int) -> list[str]:
        if host not in self.addresses:
            raise OSError("no such host")
        return self.addresses[host]

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        url = f"https://{request.headers['host']}{request.url.raw_path.decode()}"
        return self.responses.get(url, httpx.Response(404))
