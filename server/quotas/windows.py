"""Where the per-minute window is counted: Redis or process memory (``limits`` storage), or the database.

- **Redis** (``HELPDESK_REDIS_URL`` set): ``limits``' Redis storage increments with one Lua
  script (``INCRBY`` + ``EXPIRE``), atomic across every worker and replica.
- **Database** (no Redis, the default then): the minute counter is a row of ``usage_counter``
  moved by the same conditional upsert, in the same transaction, as the month's: exact across
  processes sharing the database, and no dearer than the month's write it rides along with.
- **Memory** (opt-in): ``limits``' in-process storage. Exact only while one process serves the
  account, so it is never chosen automatically: a server cannot see other workers or replicas.

Windows are calendar minutes of the server's clock: the key names the minute, so every process
agrees on it and a test clock moves it; the storage's expiry only cleans up.
"""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from typing import Literal

from limits.storage import MemoryStorage, Storage, storage_from_string

from domain.usage.models import Granularity
from domain.usage.periods import window_at

MinuteStorage = Literal["auto", "redis", "database", "memory"]
KEY_PREFIX = "helpdesk/quota/minute/"
# Twice the window: a key outlives its minute even when processes' clocks differ a little.
EXPIRY_SECONDS = 120
REDIS_TIMEOUT = 0.5


class MinuteWindowStore:
    """The account's (and each limited user's) calls per calendar minute in a ``limits`` storage
    (Redis or memory)."""

    def __init__(self, storage: Storage, *, shared: bool) -> None:
        self.storage = storage
        self.shared = shared
        # MemoryStorage.incr reads the count back outside its own lock, so two threads can both
        # see the later value; a lock of ours makes increment-and-read one step. Redis needs none.
        self._serial: AbstractContextManager[object] = nullcontext() if shared else threading.Lock()

    def _key(self, now: datetime, subject: str) -> str:
        user = f"user/{subject}/" if subject else ""
        return KEY_PREFIX + user + window_at(Granularity.minute, now).period

    def take(self, now: datetime, amount: int, limit: int, *, subject: str = "") -> int | None:
        """Count ``amount`` calls of the account (``subject`` empty) or of one user (its agent id);
        the new count, or None (and nothing counted) past ``limit`` (> 0).

        The increment is atomic, so with L calls left exactly L concurrent takes see a count
        within the limit; the others give their increment straight back.
        """
        key = self._key(now, subject)
        with self._serial:
            count = int(self.storage.incr(key, EXPIRY_SECONDS, amount=amount))
            if limit and count > limit:
                self.storage.incr(key, EXPIRY_SECONDS, amount=-amount)
                return None
        return count

    def give_back(self, now: datetime, amount: int, *, subject: str = "") -> None:
        """Undo a take whose call was then refused by another quota (it must have no effect)."""
        with self._serial:
            self.storage.incr(self._key(now, subject), EXPIRY_SECONDS, amount=-amount)

    def used(self, now: datetime, *, subject: str = "") -> int | None:
        """Calls this minute; None for memory, which only the serving process can read."""
        return int(self.storage.get(self._key(now, subject))) if self.shared else None


def resolve_minute_storage(choice: MinuteStorage, redis_url: str | None) -> MinuteStorage:
    if choice == "auto":
        return "redis" if redis_url else "database"
    return choice


def minute_window_store(choice: MinuteStorage, redis_url: str | None) -> MinuteWindowStore | None:
    """The store for the minute window, or None when it lives in the database."""
    resolved = resolve_minute_storage(choice, redis_url)
    if resolved == "redis":
        if not redis_url:
            raise ValueError("the redis minute storage needs HELPDESK_REDIS_URL")
        # Errors come wrapped as limits.errors.StorageError; short timeouts keep a sick Redis
        # from holding tool calls (the gate then counts the minute in the database).
        storage = storage_from_string(
            redis_url,
            wrap_exceptions=True,
            socket_timeout=REDIS_TIMEOUT,
            socket_connect_timeout=REDIS_TIMEOUT,
        )
        assert isinstance(storage, Storage)
        return MinuteWindowStore(storage, shared=True)
    if resolved == "memory":
        return MinuteWindowStore(MemoryStorage(), shared=False)
    return None
