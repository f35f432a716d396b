"""All configuration of the server, in one place.

Every field is read from the environment with the prefix ``HELPDESK_`` (for example
``HELPDESK_DATABASE_URL``) or from a ``.env`` file in the working directory. Components never
read the environment themselves: they receive the values they need as arguments.
"""

from __future__ import annotations

import ipaddress
from functools import cached_property
from typing import Annotated, Literal
from urllib.parse import urlsplit

from limits import parse as parse_rate_limit
from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from auth.config import AuthConfig


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


QuotaStorage = Literal["auto", "redis", "database", "memory"]

# ``threads`` by default. On SQLite a call's queries run on the worker's CPU, so more threads only
# share it, unfairly: at 16 connections on one CPU (bench.run, 2026-12-03, two interleaved rounds),
# p99/p50 of fetchTicket was 4.1 with 8 threads, 3.6-3.8 with 4, 2.9 with 3, 1.8-2.0 with 2, while
# CPU per call rose as threads fell (0.71-0.75, 0.74, 0.76-0.78, 0.83-0.87 ms): 3 is the balance.
# On PostgreSQL calls wait on the network: 8 threads served 20% more calls than 2, at less CPU each.
# (domain.db.POOL_SIZE is the server database's; not imported: the CLI starts without SQLAlchemy.)
SQLITE_THREADS = 3
DATABASE_SERVER_THREADS = 8


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HELPDESK_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="sqlite:///helpdesk.db",
        description="SQLAlchemy URL of the database. SQLite file in the working directory by default; "
        "postgresql+psycopg://user@host/db for production.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL (redis://host:6379/0). Optional: when set, the tool-call quotas and the "
        "sign-in, registration and token limits are counted there, shared by every worker.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The public URL clients use to reach this server (scheme, host, port; no path). "
        "Behind a reverse proxy, set it to the proxy's public URL.",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Host header values accepted, comma-separated (host or host:port, '*' port "
        "wildcard as host:*). Default: the host of base_url plus loopback names.",
    )
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Reverse proxies (IPs or CIDRs, comma-separated) whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed, so per-IP limits and logs see the real client. Empty: "
        "forwarded headers are ignored.",
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Origin header values accepted from browsers, comma-separated. Default: the "
        "origin of base_url plus loopback origins.",
    )
    quota_per_minute: int = Field(
        default=100, ge=0, description="Tool calls per minute per account (0 disables the limit)."
    )
    quota_per_month: int = Field(
        default=5000, ge=0, description="Tool calls per calendar month (UTC) per account (0 disables)."
    )
    quota_per_user_per_minute: int = Field(
        default=0,
        ge=0,
        description="Tool calls per minute for each user, beside the account's (0, the default, disables; "
        "an admin may set another limit for one user).",
    )
    quota_per_user_per_month: int = Field(
        default=0,
        ge=0,
        description="Tool calls per calendar month (UTC) for each user (0, the default, disables; an "
        "admin may set another limit for one user).",
    )
    quota_storage: QuotaStorage = Field(
        default="auto",
        description="Where tool calls are counted against the quotas: redis (one atomic script per "
        "call, shared by every worker and replica), memory (this process only: exact for one server "
        "process), or database (a transaction per call; exact across processes). In redis and memory "
        "the month's counts reach the database in batches at most 1 s apart. auto: redis when "
        "redis_url is set, else memory on SQLite with one worker, else database.",
    )
    quota_minute_storage: QuotaStorage | None = Field(
        default=None,
        description="Former name of quota_storage, still read when quota_storage is not set.",
    )
    workers: int = Field(
        default=1,
        ge=1,
        description="Server processes sharing the database; serve --workers sets it. With "
        "quota_storage auto on SQLite, more than one counts the quotas in the database. Set it (or "
        "quota_storage=database) when several servers share one SQLite file by other means.",
    )
    threads: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="Threads per server process for requests' synchronous work (authentication, "
        "the quotas, tool calls); the database pool keeps as many connections. Default: 3 on "
        "SQLite (its queries run on the worker's own CPU: more threads only share that CPU, and "
        "stretch the slowest calls), 8 on PostgreSQL (calls wait on the network).",
    )
    login_rate_limit_per_account: str = Field(
        default="20 per 15 minutes",
        description="Failed sign-ins per account (email) from anywhere, as 'N per [M] "
        "second|minute|hour|day'; past it only addresses with no failure on the account may try. "
        "Empty disables.",
    )
    login_rate_limit_per_account_ip: str = Field(
        default="5 per 15 minutes",
        description="Failed sign-ins per account from one client IP address; past it that address is "
        "refused for that account.",
    )
    login_rate_limit_per_ip: str = Field(
        default="50 per 15 minutes",
        description="Failed sign-ins per client IP address (IPv6: per /64), across accounts.",
    )
    registration_rate_limit_per_ip: str = Field(
        default="100 per hour",
        description="OAuth dynamic client registrations per client IP address (some clients register on "
        "every connection).",
    )
    token_rate_limit_per_client: str = Field(
        default="120 per minute", description="Requests to the OAuth token endpoint per client_id."
    )
    max_request_bytes: int = Field(
        default=1_048_576, ge=1024, description="Largest request body accepted, in bytes."
    )
    audit_retention_days: int = Field(
        default=7, ge=1, description="Days the audit log of tool calls is kept."
    )
    admin_audit_retention_days: int = Field(
        default=365,
        ge=1,
        description="Days administrative changes (made in the admin console or with the CLI: "
        "people deactivated, keys and grants revoked, tools switched) are kept in the audit log.",
    )
    access_token_ttl_seconds: int = Field(
        default=3600, ge=60, description="Lifetime of OAuth access tokens, in seconds."
    )
    refresh_token_ttl_days: int = Field(
        default=30, ge=1, description="Lifetime of OAuth refresh tokens, in days."
    )
    revocation_check_seconds: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="How often each server process looks for revocations made elsewhere (API keys, "
        "OAuth grants and clients, agents, tool switches changed by another worker, replica or the "
        "CLI): they apply everywhere within this. Changes made by the same process apply at once. "
        "0 looks on every request.",
    )
    audit_batch_milliseconds: int = Field(
        default=250,
        ge=0,
        le=250,
        description="Audit rows of calls that changed nothing (reads, refusals) are written in "
        "batches this often, off the request path; a write's row always commits in the write's own "
        "transaction. SIGTERM flushes the last batch; SIGKILL loses at most this much. 0 writes "
        "each row as its call ends.",
    )
    log_level: str = Field(default="info", description="Log level: debug, info, warning, error.")
    metrics_token: str | None = Field(
        default=None,
        description="When set, GET /metrics requires 'Authorization: Bearer <this token>'. Unset: "
        "/metrics is open (expose it only to your monitoring network).",
    )
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="What serve writes to stderr: text (one line per record) or json (one JSON object "
        "per line, for log collectors), for the app, uvicorn and the start-up lines alike.",
    )
    worker_timeout_seconds: int = Field(
        default=60,
        ge=5,
        le=3600,
        description="With serve --workers N > 1: seconds a worker may take to start, or to answer the "
        "supervisor's health check, before it is killed and replaced.",
    )

    @field_validator("allowed_hosts", "allowed_origins", "trusted_proxies", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("trusted_proxies")
    @classmethod
    def _check_networks(cls, value: list[str]) -> list[str]:
        for entry in value:
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or CIDR such as 10.0.0.0/8") from None
        return value

    @field_validator(
        "login_rate_limit_per_account",
        "login_rate_limit_per_account_ip",
        "login_rate_limit_per_ip",
        "registration_rate_limit_per_ip",
        "token_rate_limit_per_client",
    )
    @classmethod
    def _check_rate_limit(cls, value: str) -> str:
        value = value.strip()
        if value:
            try:
                parse_rate_limit(value)
            except ValueError:
                raise ValueError("must read like '10 per 15 minutes' (or be empty to disable)") from None
        return value

    @field_validator("quota_storage", "quota_minute_storage")
    @classmethod
    def _check_quota_storage(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value == "redis" and not info.data.get("redis_url"):
            raise ValueError("redis needs HELPDESK_REDIS_URL to be set")
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://helpdesk.example.com")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("must have no path, query or fragment")
        return f"{parts.scheme}://{parts.netloc}".lower()

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite", "postgresql", "postgres")):
            raise ValueError("must be a sqlite:/// or postgresql+psycopg:// URL")
        if value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgres://")
        elif value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("log_level")
    @classmethod
    def _check_log_level(cls, value: str) -> str:
        if value.lower() not in ("debug", "info", "warning", "error"):
            raise ValueError("must be one of debug, info, warning, error")
        return value.lower()

    @cached_property
    def resource_url(self) -> str:
        """The MCP endpoint as users paste it; OAuth access tokens are bound to it (RFC 8707)."""
        return f"{self.base_url}/mcp"

    @cached_property
    def auth(self) -> AuthConfig:
        """What the auth layer needs, handed down (``auth/`` never imports these settings)."""
        return AuthConfig(
            base_url=self.base_url,
            access_token_ttl_seconds=self.access_token_ttl_seconds,
            refresh_token_ttl_days=self.refresh_token_ttl_days,
            redis_url=self.redis_url,
            login_rate_limit_per_account=self.login_rate_limit_per_account,
            login_rate_limit_per_account_ip=self.login_rate_limit_per_account_ip,
            login_rate_limit_per_ip=self.login_rate_limit_per_ip,
            registration_rate_limit_per_ip=self.registration_rate_limit_per_ip,
            token_rate_limit_per_client=self.token_rate_limit_per_client,
        )

    @property
    def quota_store(self) -> Literal["redis", "database", "memory"]:
        """Where the quotas are counted (``quota_storage`` with ``auto`` resolved)."""
        choice = self.quota_storage
        if "quota_storage" not in self.model_fields_set and self.quota_minute_storage is not None:
            choice = self.quota_minute_storage
        if choice != "auto":
            return choice
        if self.redis_url:
            return "redis"
        return "memory" if self.is_sqlite and self.workers == 1 else "database"

    @property
    def call_threads(self) -> int:
        """``threads``, or its default for the database."""
        if self.threads is not None:
            return self.threads
        return SQLITE_THREADS if self.is_sqlite else DATABASE_SERVER_THREADS

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


class SettingsError(Exception):
    """A setting has a bad value; the message is one line naming it."""


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation failure into one readable line per bad setting."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "?"
            lines.append(f"HELPDESK_{field.upper()}: {error['msg']}")
        raise SettingsError("; ".join(lines)) from None
