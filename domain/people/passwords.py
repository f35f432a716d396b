"""Password hashing: Argon2id (salted, slow, memory-hard) through argon2-cffi."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()

# Verified against when the email is unknown, so that a login for a missing account costs the
# same time as one for an existing account (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Hash ``password``. ``salt`` is for the deterministic seed only; never pass one elsewhere."""
    return _hasher.hash(password, salt=salt)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-effort check; a missing hash (no password set) never matches."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
