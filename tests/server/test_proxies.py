"""Behind a reverse proxy: X-Forwarded-For (and the scheme) is believed only from the addresses in
HELPDESK_TRUSTED_PROXIES, so per-IP limits count real clients, not the proxy."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy.engine import Engine

from server.app import create_app
from server.settings import SettingsError, load_settings
from tests.utils.live import free_port, live_server

REGISTRATION = {
    "client_name": "proxy test",
    "redirect_uris": ["http://127.0.0.1/cb"],
    "token_endpoint_auth_method": "none",
}


@contextmanager
def _server(engine: Engine, trusted: str) -> Iterator[str]:
    port = free_port()
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        base_url=f"http://127.0.0.1:{port}",
        registration_rate_limit_per_ip="1 per hour",
        trusted_proxies=trusted,
    )
    with live_server(create_app(settings, engine=engine), port) as url:
        yield url


def _register(url: str, client_ip: str) -> int:
    return httpx.post(
        f"{url}/register", json=REGISTRATION, headers={"X-Forwarded-For": client_ip}
    ).status_code


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(engine: Engine) -> None:
    with _server(engine, "127.0.0.1/32, 10.0.0.0/8") as url:
        assert [_register(url, "198.51.100.7"), _register(url, "198.51.100.7")] == [201, 429]
        assert _register(url, "203.0.113.9") == 201


def test_forwarded_headers_from_anyone_else_are_ignored(engine: Engine) -> None:
    with _server(engine, "10.0.0.1") as url:  # the test client (127.0.0.1) is not the proxy
        assert [_register(url, "198.51.100.8"), _register(url, "203.0.113.10")] == [201, 429]


def test_a_malformed_proxy_address_is_refused_naming_the_setting() -> None:
    with pytest.raises(SettingsError, match="HELPDESK_TRUSTED_PROXIES"):
        load_settings(trusted_proxies="10.0.0.0/8, proxy.internal")
