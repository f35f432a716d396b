"""Tamper-proof, expiring values for cookies and links: HS256 JWTs (RFC 7519) under a server key.

Each value names its purpose in the ``aud`` claim, so a value minted for one use (a session
cookie) is refused for another (a pending authorization request). Expiry is checked against the
caller's clock rather than the library's, so tests can move time without sleeping.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import jwt


@dataclass(frozen=True)
class Signer:
    """Signs with ``key()``: a callable, so the key can be loaded lazily (``PersistedSecret``)."""

    key: Callable[[], bytes]

    def sign(self, purpose: str, payload: dict[str, Any], *, expires_at: datetime) -> str:
        claims = {**payload, "aud": purpose, "exp": int(expires_at.timestamp())}
        return jwt.encode(claims, self.key(), algorithm="HS256")

    def unsign(self, purpose: str, value: str, *, now: datetime) -> dict[str, Any] | None:
        """The payload, or None if the value is forged, for another purpose, or expired."""
        try:
            claims: dict[str, Any] = jwt.decode(
                value,
                self.key(),
                algorithms=["HS256"],
                audience=purpose,
                options={"verify_exp": False, "require": ["exp", "aud"]},
            )
        except jwt.PyJWTError:
            return None
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= int(now.timestamp()):
            return None
        return claims
