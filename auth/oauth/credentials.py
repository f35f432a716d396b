"""Random credentials, the hashes we keep of them, and the sealed pair of a rotated refresh token.

Every secret we hand out (client secrets, codes, tokens) is 256 random bits behind a short prefix
that tells a human, a log scrubber or a secret scanner what it is. Only its SHA-256 is stored:
the value has full entropy, so a fast unsalted hash cannot be reversed, and lookups stay a single
indexed equality.

Refresh token rotation (OAuth 2.1 §4.3.1) with a grace window needs to hand the *same* new pair
to a client that replays the old refresh token a few seconds later (concurrent refreshes, a lost
response). We cannot store the new tokens in clear, so the pair is encrypted (AES-256-GCM) under
a key derived from the *old* refresh token, which the database does not hold either: reading the
pair back requires presenting the old token, exactly the condition under which we return it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ACCESS_TOKEN_PREFIX = "hdo_"  # noqa: S105 - a prefix, not a secret
REFRESH_TOKEN_PREFIX = "hdr_"  # noqa: S105
CODE_PREFIX = "hdc_"
CLIENT_ID_PREFIX = "hdcl_"
CLIENT_SECRET_PREFIX = "hdcs_"  # noqa: S105


def new_credential(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def hash_credential(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def credential_matches(presented: str, stored_hash: str | None) -> bool:
    """Constant-time comparison of a presented secret with a stored hash."""
    if stored_hash is None:
        return False
    return hmac.compare_digest(hash_credential(presented), stored_hash)


def _successor_key(old_refresh_token: str) -> bytes:
    # Domain-separated from the stored hash, so the stored hash is not the key.
    return hashlib.sha256(b"helpdesk-mcp refresh successor\x00" + old_refresh_token.encode()).digest()


def seal_successor(old_refresh_token: str, pair: dict[str, str | int]) -> str:
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(_successor_key(old_refresh_token)).encrypt(nonce, json.dumps(pair).encode(), None)
    return base64.urlsafe_b64encode(nonce + sealed).decode()


def open_successor(old_refresh_token: str, blob: str) -> dict[str, str | int] | None:
    try:
        raw = base64.urlsafe_b64decode(blob.encode())
        plain = AESGCM(_successor_key(old_refresh_token)).decrypt(raw[:12], raw[12:], None)
    except (InvalidTag, ValueError):
        return None
    value = json.loads(plain)
    return value if isinstance(value, dict) else None
