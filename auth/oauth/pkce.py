"""PKCE (RFC 7636, https://www.rfc-editor.org/rfc/rfc7636): the S256 method only.

A code challenge and a code verifier are both 43 to 128 characters of the unreserved alphabet
(§4.1, §4.2): a shorter verifier is guessable, and a value outside the alphabet is a client bug
that must not silently work here and fail elsewhere. The ``plain`` method is refused at
``/authorize`` (OAuth 2.1 requires S256), so a verifier equal to its challenge never matches.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

PKCE_VALUE = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
FORMAT_RULE = "43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~' (RFC 7636)"


def well_formed(value: str) -> bool:
    """Whether ``value`` is a possible code challenge or code verifier."""
    return PKCE_VALUE.fullmatch(value) is not None


def pkce_matches(verifier: str, challenge: str) -> bool:
    """Whether ``verifier`` is well formed and its S256 digest is ``challenge``."""
    if not well_formed(verifier):
        return False
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return hmac.compare_digest(computed, challenge)
