"""Signed values and the CSRF double-submit check."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request

from auth.web.csrf import CSRF_COOKIE, CsrfProtection
from auth.web.signing import Signer
from domain.types import utcnow


def test_signed_values_expire_and_are_bound_to_their_purpose() -> None:
    signer = Signer(lambda: b"k" * 32)
    now = utcnow()
    value = signer.sign("session", {"sub": "7"}, expires_at=now + timedelta(minutes=5))
    assert signer.unsign("session", value, now=now) == {
        "sub": "7",
        "aud": "session",
        "exp": int((now + timedelta(minutes=5)).timestamp()),
    }
    assert signer.unsign("authorization-request", value, now=now) is None
    assert signer.unsign("session", value, now=now + timedelta(minutes=6)) is None
    assert Signer(lambda: b"x" * 32).unsign("session", value, now=now) is None
    assert signer.unsign("session", value + "x", now=now) is None


def _request(cookie: str | None) -> Request:
    headers = [(b"cookie", f"{CSRF_COOKIE}={cookie}".encode())] if cookie else []
    return Request({"type": "http", "method": "POST", "headers": headers, "path": "/"})


def test_csrf_token_matches_only_its_cookie() -> None:
    csrf = CsrfProtection(key=lambda: b"k" * 32, secure=False)
    token, nonce = csrf.token(_request(None))
    assert nonce is not None
    assert csrf.is_valid(_request(nonce), token)
    assert not csrf.is_valid(_request("another-nonce"), token)
    assert not csrf.is_valid(_request(None), token)
    assert not csrf.is_valid(_request(nonce), "")
    assert csrf.token(_request(nonce)) == (token, None)
