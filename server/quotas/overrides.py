"""Admins' per-user quota limits, kept in memory rather than read on every tool call.

The whole ``user_quota`` table (one row per user an admin gave limits of their own: small) is
held with the identity generation read before it (``domain.freshness``); a write to it moves
that generation, like a revoked key does, so:

- a change made in this process applies to the next call (its local part moves on commit);
- one made by another worker, replica or the CLI applies once this process reads the
  generation row again: the gate's background task does so every ``interval`` (at most
  ``HELPDESK_REVOCATION_CHECK_SECONDS``), off the request path. Without that task running (a gate
  used on its own), the call that finds the row due reads it.

So an admission reads nothing from the database, except the first one after a change this
process made (or, without the background task, once an interval).
"""

from __future__ import annotations

import threading

from sqlalchemy.engine import Engine
from sqlmodel import Session

from domain.freshness import LOCAL_CHANGES, Freshness
from domain.usage.user_limits import Override, UserLimits, override_table, with_override
from server.quotas.counters import scoped

Generation = tuple[int, int | None]


class OverrideCache:
    def __init__(self, engine: Engine, *, interval: float) -> None:
        self.engine = engine
        self.freshness = Freshness(interval=interval)
        # Set while the gate's background task reads the generation row every interval.
        self.background = False
        self._loaded: tuple[Generation, dict[int, Override]] | None = None
        self._lock = threading.Lock()

    def limits(self, agent_id: int, defaults: UserLimits, session: Session | None = None) -> UserLimits:
        loaded = self._loaded
        if loaded is None or not self._fresh(loaded[0]):
            loaded = self.refresh(session)
        return with_override(loaded[1].get(agent_id), defaults)

    def _fresh(self, generation: Generation) -> bool:
        if self.background and self.freshness.interval > 0:
            # The remote part is the background task's to read; a local change is seen at once.
            return generation[0] == LOCAL_CHANGES.value
        return self.freshness.peek() == generation

    def refresh(
        self, session: Session | None = None, *, force: bool = False
    ) -> tuple[Generation, dict[int, Override]]:
        """Read the generation (``force``: whether due or not) and, if it moved, the overrides."""
        with self._lock:
            if force:
                self.freshness.expire()
            with scoped(session, self.engine) as reading:
                generation = self.freshness.current(reading)
                loaded = self._loaded
                if loaded is None or loaded[0] != generation:
                    loaded = (generation, override_table(reading))
                    self._loaded = loaded
            return loaded
