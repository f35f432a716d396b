"""The values the auth layer takes from the server's settings, as one small frozen object.

``auth/`` sits below ``server/``: it never imports the server's ``Settings``. The server builds
this from its settings (``Settings.auth``) and hands it down; tests build it directly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AuthConfig:
    """The issuer, token lifetimes and the sign-in/OAuth rate limits. (The protected resources,
    one per MCP URL, come as a ``ResourceCatalog``: they depend on the server's toolsets.)

    Rate limits are ``limits`` strings ("10 per 15 minutes"); an empty one disables that limit.
    ``redis_url`` shares the rate-limit counters between workers; without it they are per process.
    """

    base_url: str
    access_token_ttl_seconds: int = 3600
    refresh_token_ttl_days: int = 30
    redis_url: str | None = None
    login_rate_limit_per_account: str = ""
    login_rate_limit_per_account_ip: str = ""
    login_rate_limit_per_ip: str = ""
    registration_rate_limit_per_ip: str = ""
    token_rate_limit_per_client: str = ""
