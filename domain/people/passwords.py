"""Password hashing: Argon2id (salted, slow, memory-hard) through argon2-cffi."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so that a login for a missing account costs the
    same time as one for an existing account (no user enumeration by timing). Computed on first
    use, not at import: every process that imports this module (each CLI command, each worker at
    start-up) would otherwise pay an Argon2 hash it may never need."""
    return _hasher.hash("not-a-real-password")


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """Hash ``password``. ``salt`` is for the deterministic seed only; never pass one elsewhere."""
    return _hasher.hash(password, salt=salt)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-effort check; a missing hash (no password set) never matches."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
