"""Abuse limits on the authorization surface: login attempts, client registrations, token requests.

OAuth 2.0 Security BCP (RFC 9700) and RFC 6749 §10.10 ask an authorization server to make
credential guessing impractical; RFC 7591 §5 warns that open registration can be abused. Each
limit is a fixed window of the server's clock, counted with ``limits``' storage: Redis when
``HELPDESK_REDIS_URL`` is set (shared by every worker and replica), else process memory. Without
Redis each worker counts on its own, so the effective limit is at most the limit times the number
of workers: still far below what password guessing needs. A storage error (Redis down) admits the
request and logs a warning: the limits guard against abuse, and must not take sign-in down with
them.

- Sign-ins count **failures only** (a wrong password; ``auth.web.login.check_login`` asks
  ``login_wait`` before checking a password and reports ``login_failed`` after): a correct
  password never uses up a limit, so signing in often costs nothing. Three counters:
  - per account **and** address (strict, ``login_rate_limit_per_account_ip``): an address that
    guessed wrong too often for one account is refused for that account;
  - per address (``login_rate_limit_per_ip``): one address spraying many accounts runs out;
  - per account (looser, ``login_rate_limit_per_account``): once an account has had that many
    failures from anywhere, only addresses with no failure on it in the window may still try.
    Guessing from many addresses stays expensive (each new address gets one guess), and nobody
    can lock the owner out: a correct password from an address that has not failed gets in.
  A refused attempt never reaches the password hash and counts nothing.
- Registrations count per IP, generously: some clients register anew on every connection.
- Token requests count per ``client_id``.

Each ``hit_*`` returns None when admitted, else the seconds until a retry can succeed (the
``Retry-After`` of a 429; ``too_many_requests`` builds that response).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import threading
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import unquote_plus

import anyio.to_thread
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.config import AuthConfig
from auth.oauth.token import MAX_FORM_FIELDS as TOKEN_FORM_FIELDS
from auth.web.addresses import client_address as client_address
from domain.outages import outages
from domain.types import utcnow

KEY_PREFIX = "helpdesk/auth/"
# Redis down: sign-ins, registrations and token requests are admitted unlimited (fail open), and
# the outage is logged once when it starts and once when it ends (``domain.outages``).
RATE_LIMIT_STORAGE = "redis (sign-in and OAuth rate limits)"
FAIL_OPEN = "admitting sign-ins, registrations and token requests without rate limits until it is back"


def rate_limit(value: str) -> RateLimitItem | None:
    """``"10 per 15 minutes"`` as a ``limits`` item; an empty string disables the limit."""
    return parse(value) if value.strip() else None


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
        login_per_account_ip: RateLimitItem | None = None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.storage = storage
        self.login_per_account = login_per_account
        self.login_per_account_ip = login_per_account_ip
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
            login_per_account_ip=rate_limit(config.login_rate_limit_per_account_ip),
            login_per_ip=rate_limit(config.login_rate_limit_per_ip),
            registration_per_ip=rate_limit(config.registration_rate_limit_per_ip),
            token_per_client=rate_limit(config.token_rate_limit_per_client),
            clock=clock,
        )

    def login_wait(self, *, email: str, ip: str) -> int | None:
        """Seconds until ``ip`` may try ``email`` again, or None: see the policy above."""
        now = self.clock()
        account = email.strip().lower()
        pair = self._pair_limit()
        pair_failures = self._failures(pair, now, "login-account-ip", f"{account}\n{ip}")
        waits = [
            self._wait(self.login_per_ip, now, self._failures(self.login_per_ip, now, "login-ip", ip)),
            self._wait(self.login_per_account_ip, now, pair_failures),
        ]
        if pair_failures:
            failures = self._failures(self.login_per_account, now, "login-account", account)
            waits.append(self._wait(self.login_per_account, now, failures))
        refused = [wait for wait in waits if wait is not None]
        return max(refused) if refused else None

    def login_failed(self, *, email: str, ip: str) -> None:
        """Count a wrong password against the address, the account, and the two together."""
        now = self.clock()
        account = email.strip().lower()
        self._hit(self.login_per_ip, now, "login-ip", ip)
        self._hit(self.login_per_account, now, "login-account", account)
        self._hit(self._pair_limit(), now, "login-account-ip", f"{account}\n{ip}")

    def _pair_limit(self) -> RateLimitItem | None:
        """The account+address counter's window; counted even when only the account limit is on,
        which needs to know whether an address has failed on the account."""
        return self.login_per_account_ip or self.login_per_account

    def _failures(self, item: RateLimitItem | None, now: datetime, kind: str, subject: str) -> int:
        if item is None:
            return 0
        try:
            with self._serial:
                count = int(self.storage.get(self._key(item, now, kind, subject)))
        except StorageError as exc:
            outages.failed(RATE_LIMIT_STORAGE, exc, consequence=FAIL_OPEN)
            return 0
        outages.recovered(RATE_LIMIT_STORAGE)
        return count

    @staticmethod
    def _wait(item: RateLimitItem | None, now: datetime, count: int) -> int | None:
        if item is None or count < item.amount:
            return None
        return _seconds_left(item, now)

    def hit_registration(self, *, ip: str) -> int | None:
        return self._hit(self.registration_per_ip, self.clock(), "register-ip", ip)

    def hit_token(self, *, client_id: str) -> int | None:
        return self._hit(self.token_per_client, self.clock(), "token-client", client_id)

    def _hit(self, item: RateLimitItem | None, now: datetime, kind: str, subject: str) -> int | None:
        if item is None:
            return None
        try:
            with self._serial:
                count = self.storage.incr(self._key(item, now, kind, subject), item.get_expiry())
        except StorageError as exc:
            outages.failed(RATE_LIMIT_STORAGE, exc, consequence=FAIL_OPEN)
            return None
        outages.recovered(RATE_LIMIT_STORAGE)
        if count <= item.amount:
            return None
        return _seconds_left(item, now)

    @staticmethod
    def _key(item: RateLimitItem, now: datetime, kind: str, subject: str) -> str:
        # The key names the window of our clock (so every process agrees and tests can move it);
        # the storage's expiry only cleans up. Subjects are hashed: emails and client ids are
        # caller-chosen text of any length, and need not sit in Redis in clear.
        seconds = item.get_expiry()
        window = int(now.timestamp() // seconds)
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        return f"{KEY_PREFIX}{kind}/{item.amount}-per-{seconds}/{window}/{digest}"


def _seconds_left(item: RateLimitItem, now: datetime) -> int:
    seconds = item.get_expiry()
    moment = now.timestamp()
    return max(1, math.ceil((int(moment // seconds) + 1) * seconds - moment))


def too_many_requests(retry_after: int, description: str) -> JSONResponse:
    """A 429 for an OAuth endpoint: ``temporarily_unavailable`` (RFC 6749 §4.1.2.1) + ``Retry-After``."""
    return JSONResponse(
        {"error": "temporarily_unavailable", "error_description": description},
        status_code=429,
        headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"},
    )


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
    """The OAuth routes' ``EndpointGuard``: counts registrations and token requests (sign-ins
    are counted by ``check_login``, which knows whether the password was right).

    Called before the endpoint named ``endpoint`` with the same ``Request`` the handler then
    reads, so the form parsed here (with the handlers' own field limits) is the one they see.
    """

    limits: AuthRateLimits

    async def __call__(self, request: Request, endpoint: str) -> Response | None:
        if request.method != "POST":
            return None
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
