"""An outage of a dependency (the database, Redis) is logged once when it starts and once when it
ends, not once per request: a busy server would otherwise write a traceback per call for as long as
the dependency is down, and bury the one line that says what happened.

State is per process: with ``--workers N`` each worker reports the outage it sees.
"""

from __future__ import annotations

import logging
import threading

logger = logging.getLogger("helpdesk.outages")


def first_line(exc: BaseException) -> str:
    """The exception's first line (drivers add hints and SQL on later ones), at most 300 characters."""
    cause = getattr(exc, "orig", None) or exc  # SQLAlchemy wraps the driver's error
    text = str(cause).strip().splitlines()
    return (text[0] if text else type(cause).__name__)[:300]


class Outages:
    """Which dependencies are down in this process, logging each change of state once."""

    def __init__(self) -> None:
        self._down: set[str] = set()
        self._lock = threading.Lock()

    def failed(self, name: str, exc: BaseException, *, consequence: str = "") -> None:
        with self._lock:
            if name in self._down:
                return
            self._down.add(name)
        suffix = f"; {consequence}" if consequence else ""
        logger.error("%s unavailable: %s%s", name, first_line(exc), suffix)

    def recovered(self, name: str) -> None:
        if name not in self._down:  # the common case: one set lookup, no lock
            return
        with self._lock:
            if name not in self._down:
                return
            self._down.discard(name)
        logger.warning("%s available again", name)

    def is_down(self, name: str) -> bool:
        return name in self._down


outages = Outages()
