"""Who a credential is, and which tools are off, kept in memory between requests.

Every ``/mcp`` request used to resolve its credential (API key or access token, then the agent
and its workspaces) and read the tool switches in the database. They change rarely, so this
keeps what they resolved, tagged with the identity generation read *before* resolving it
(``domain.freshness``), and serves it only while that generation has not moved:

- a revocation, deactivation, role or membership change, or a tool switched off, made in this
  process, applies to the next request (the generation's local part moves on commit);
- one made by another worker, replica or the CLI applies once this process re-reads the
  generation row, at most ``interval`` seconds later (``HELPDESK_REVOCATION_CHECK_SECONDS``);
- an access token's own expiry still applies to the second; any entry is dropped after
  ``MAX_AGE`` whatever happens (a backstop, not the mechanism).

Only successful resolutions are kept: an unknown or revoked credential is looked up every time.
Keys are SHA-256 digests of the credentials, never the credentials themselves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from domain.freshness import Freshness
from domain.toolswitches.service import disabled_tools
from server.context import McpRequest
from server.endpoints import Endpoint

Generation = tuple[int, int | None]
MAX_AGE = timedelta(seconds=60)
MAX_ENTRIES = 10_000


@dataclass(frozen=True, slots=True)
class _Entry:
    request: McpRequest
    generation: Generation
    valid_until: datetime


class IdentityCache:
    def __init__(self, *, interval: float) -> None:
        self.freshness = Freshness(interval=interval)
        self._identities: dict[tuple[bytes, Endpoint], _Entry] = {}
        self._switches: tuple[Generation, frozenset[str]] | None = None

    def generation(self, session: Session) -> Generation:
        """The generation to compare with (and to tag new entries with): read it first."""
        generation = self.freshness.current(session)
        if self._switches is not None and self._switches[0] != generation:
            self._switches = None
        return generation

    def resolve(
        self,
        credential: str,
        endpoint: Endpoint,
        *,
        generation: Generation,
        now: datetime,
        load: Callable[[], tuple[McpRequest, datetime | None]],
    ) -> McpRequest:
        """The request's identity from memory, or from ``load`` (which may raise to refuse it).

        ``load`` returns the identity and when the credential itself expires (None: never).
        """
        # Per endpoint too: a token is bound to one URL's resource, and the request carries it.
        key = (hashlib.sha256(credential.encode()).digest(), endpoint)
        entry = self._identities.get(key)
        if entry is not None and entry.generation == generation and now < entry.valid_until:
            return entry.request
        request, expires_at = load()
        valid_until = now + MAX_AGE if expires_at is None else min(now + MAX_AGE, expires_at)
        if len(self._identities) >= MAX_ENTRIES:
            self._identities.clear()
        self._identities[key] = _Entry(request, generation, valid_until)
        return request

    def disabled_tools(self, session: Session, generation: Generation) -> frozenset[str]:
        switches = self._switches
        if switches is not None and switches[0] == generation:
            return switches[1]
        names = disabled_tools(session)
        self._switches = (generation, names)
        return names
