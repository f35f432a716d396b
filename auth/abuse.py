"""Abuse limits on the authorization surface: login attempts, client registrations, token requests.

OAuth 2.0 Security BCP (RFC 9700) and RFC 6749 §10.10 ask an authorization server to make
credential guessing impractical; RFC 7591 §5 warns that open registration can be abused. Each
limit is a fixed window of the server's clock, counted with ``limits``' storage: Redis when
``HELPDESK_REDIS_URL`` is set (shared by every worker and replica), else process memory. Without
Redis each worker counts on its own, so the effective limit is at most the limit times the number
of workers: still far below what password guessing needs. A storage error (Redis down) admits the
request and logs a warning: the limits guard against abuse, and must not take sign-in down with
them.

- Logins count per account (email) **and** per client IP: one account guessed from many
  addresses, or many accounts sprayed from one address, both run out. Every attempt counts, so
  call ``hit_login`` before checking the password (a refused attempt never reaches the hash).
- Registrations count per IP, generously: some clients register anew on every connection.
- Token requests count per ``client_id``.

Each ``hit_*`` returns None when admitted, else the seconds until a retry can succeed (the
``Retry-After`` of a 429; ``too_many_requests`` builds that response).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import ipaddress
import logging
import math
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import unquote_plus

import anyio.to_thread
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.config import AuthConfig
from auth.oauth.authorize import MAX_FORM_FIELDS as LOGIN_FORM_FIELDS
from auth.oauth.pages import message_page
from auth.oauth.token import MAX_FORM_FIELDS as TOKEN_FORM_FIELDS
from domain.types import utcnow

logger = logging.getLogger(__name__)

KEY_PREFIX = "helpdesk/auth/"


def rate_limit(value: str) -> RateLimitItem | None:
    """``"10 per 15 minutes"`` as a ``limits`` item; an empty string disables the limit."""
    return parse(value) if value.strip() else None


def client_address(request: Request) -> str:
    """The caller's IP as counted: IPv4 as is, IPv6 by its /64 (one host usually holds a whole /64).

    It is the peer address: behind a reverse proxy, run uvicorn with ``--proxy-headers`` and
    ``--forwarded-allow-ips`` so that the peer is the real client.
    """
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host or "unknown"
    if address.version == 6:
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


class AuthRateLimits:
    """Fixed-window counters for the authorization surface; a limit of None is off."""

    def __init__(
        self,
        *,
        storage: Storage,
        login_per_account: RateLimitItem | None,
        login_per_ip: RateLimitItem | None,
        registration_per_ip: RateLimitItem | None,
        token_per_client: RateLimitItem | None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.storage = storage
        self.login_per_account = login_per_account
        self.login_per_ip = login_per_ip
        self.registration_per_ip = registration_per_ip
        self.token_per_client = token_per_client
        self.clock = clock
        # MemoryStorage.incr reads its count back outside its own lock; ours makes it one step.
        self._serial: AbstractContextManager[object] = (
            threading.Lock() if isinstance(storage, MemoryStorage) else nullcontext()
        )

    @classmethod
    def from_config(cls, config: AuthConfig, *, clock: Callable[[], datetime] = utcnow) -> AuthRateLimits:
        storage = (
            storage_from_string(
                config.redis_url, wrap_exceptions=True, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            if config.redis_url
            else MemoryStorage()
        )
        assert isinstance(storage, Storage)
        return cls(
            storage=storage,
            login_per_account=rate_limit(config.login_rate_limit_per_account),
            login_per_ip=rate_limit(config.login_rate_limit_per_ip),
            registration_per_ip=rate_limit(config.registration_rate_limit_per_ip),
            token_per_client=rate_limit(config.token_rate_limit_per_client),
            clock=clock,
        )

    def hit_login(self, *, email: str, ip: str) -> int | None:
        """Count a login attempt against the account and the address; both always count."""
        now = self.clock()
        waits = [
            self._hit(self.login_per_account, now, "login-account", email.strip().lower()),
            self._hit(self.login_per_ip, now, "login-ip", ip),
        ]
        refused = [wait for wait in waits if wait is not None]
        return max(refused) if refused else None

    def hit_registration(self, *, ip: str) -> int | None:
        return self._hit(self.registration_per_ip, self.clock(), "register-ip", ip)

    def hit_token(self, *, client_id: str) -> int | None:
        return self._hit(self.token_per_client, self.clock(), "token-client", client_id)

    def _hit(self, item: RateLimitItem | None, now: datetime, kind: str, subject: str) -> int | None:
        if item is None:
            return None
        seconds = item.get_expiry()
        moment = now.timestamp()
        window = int(moment // seconds)
        # The key names the window of our clock (so every process agrees and tests can move it);
        # the storage's expiry only cleans up. Subjects are hashed: emails and client ids are
        # caller-chosen text of any length, and need not sit in Redis in clear.
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        key = f"{KEY_PREFIX}{kind}/{item.amount}-per-{seconds}/{window}/{digest}"
        try:
            with self._serial:
                count = self.storage.incr(key, seconds)
        except StorageError:
            logger.warning("rate-limit storage unavailable; admitting %s", kind, exc_info=True)
            return None
        if count <= item.amount:
            return None
        return max(1, math.ceil((window + 1) * seconds - moment))


def too_many_requests(retry_after: int, description: str) -> JSONResponse:
    """A 429 for an OAuth endpoint: ``temporarily_unavailable`` (RFC 6749 §4.1.2.1) + ``Retry-After``."""
    return JSONResponse(
        {"error": "temporarily_unavailable", "error_description": description},
        status_code=429,
        headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"},
    )


def sign_in_refused(_request: Request, retry_after: int) -> Response:
    """The answer to a refused sign-in: a page like the sign-in form's others, with ``Retry-After``."""
    minutes = max(1, math.ceil(retry_after / 60))
    response = message_page(
        title="Too many sign-in attempts",
        message=f"Too many sign-in attempts. Try again in {minutes} minute{'s' if minutes > 1 else ''}.",
        detail="Sign-ins are limited per account and per network address to stop password guessing.",
        status_code=429,
    )
    response.headers["Retry-After"] = str(retry_after)
    response.headers["Cache-Control"] = "no-store"
    return response


def _basic_client_id(request: Request) -> str | None:
    scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    return unquote_plus(decoded.partition(":")[0]) or None


@dataclass
class AbuseGuard:
    """The OAuth routes' ``EndpointGuard``: counts sign-ins, registrations and token requests.

    Called before the endpoint named ``endpoint`` with the same ``Request`` the handler then
    reads, so the form parsed here (with the handlers' own field limits) is the one they see.
    """

    limits: AuthRateLimits
    login_refused: Callable[[Request, int], Response] = field(default=sign_in_refused)

    async def __call__(self, request: Request, endpoint: str) -> Response | None:
        if request.method != "POST":
            return None
        if endpoint == "login":
            form = await request.form(max_files=0, max_fields=LOGIN_FORM_FIELDS)
            email = form.get("email")
            wait = await anyio.to_thread.run_sync(
                lambda: self.limits.hit_login(
                    email=email if isinstance(email, str) else "", ip=client_address(request)
                )
            )
            return None if wait is None else self.login_refused(request, wait)
        if endpoint == "register":
            wait = await anyio.to_thread.run_sync(
                lambda: self.limits.hit_registration(ip=client_address(request))
            )
            return (
                None
                if wait is None
                else too_many_requests(wait, "Too many client registrations from this address.")
            )
        if endpoint == "token":
            client_id = _basic_client_id(request)
            if client_id is None:
                form = await request.form(max_files=0, max_fields=TOKEN_FORM_FIELDS)
                value = form.get("client_id")
                client_id = value if isinstance(value, str) else ""
            wait = await anyio.to_thread.run_sync(lambda: self.limits.hit_token(client_id=client_id))
            return (
                None if wait is None else too_many_requests(wait, "Too many token requests for this client.")
            )
        return None
