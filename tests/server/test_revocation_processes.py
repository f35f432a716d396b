"""Revocations reach every server process: identities and tool switches are cached per process.

Two real server processes (``server.asgi:create``, as ``helpdesk-mcp serve`` runs it) share one
SQLite file. Each caches what a credential resolved to and which tools are off
(``server.identity_cache``); this test process changes them the way the CLI does (another
process, writing to the database) and both servers must refuse accordingly.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine

from auth.apikeys import find_api_key, revoke_api_key
from domain import migrate
from domain.db import make_engine, session_scope
from domain.people.models import Agent
from domain.toolswitches.service import disable_tool
from domain.types import utcnow
from tests.utils.processes import server_processes
from tests.utils.quotas import READ_TOOL, Account, make_account, post, read_call

DEADLINE_S = 30.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'shared.db'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _env(engine: Engine, **settings: str) -> dict[str, str]:
    return {"HELPDESK_DATABASE_URL": engine.url.render_as_string(hide_password=False), **settings}


def _outcome(url: str, account: Account) -> str:
    response = post(url, account.key, read_call(1))
    if response.status_code != 200:
        return str(response.status_code)
    return "disabled" if response.json()["result"].get("isError") else "ok"


def _warm(urls: list[str], account: Account) -> None:
    # Twice each: the second answer comes from the cache.
    assert [_outcome(url, account) for url in urls for _ in range(2)] == ["ok"] * 2 * len(urls)


def _revoke_key(engine: Engine, account: Account) -> None:
    with session_scope(engine) as session:
        key = find_api_key(session, account.key)
        assert key is not None
        revoke_api_key(session, key=key)


def _deactivate(engine: Engine, account: Account) -> None:
    with session_scope(engine) as session:
        session.execute(update(Agent).where(Agent.id == account.agent_id).values(active=False))  # type: ignore[arg-type]


def _switch_off(engine: Engine, account: Account) -> None:
    with session_scope(engine) as session:
        disable_tool(session=session, name=READ_TOOL, known={READ_TOOL}, by=account.email, now=utcnow())


@pytest.mark.parametrize(
    ("change", "expected"),
    [(_revoke_key, "401"), (_deactivate, "401"), (_switch_off, "disabled")],
    ids=["api_key_revoked", "agent_deactivated", "tool_switched_off"],
)
def test_a_change_made_elsewhere_applies_to_the_next_request_of_every_process(
    engine: Engine, tmp_path: Path, change: object, expected: str
) -> None:
    account = make_account(engine)
    env = _env(engine, HELPDESK_REVOCATION_CHECK_SECONDS="0")
    with server_processes("server.asgi:create", env, tmp_path) as urls:
        _warm(urls, account)
        change(engine, account)  # type: ignore[operator]
        assert [_outcome(url, account) for url in urls] == [expected, expected]


def test_with_the_default_interval_a_revocation_reaches_every_process(engine: Engine, tmp_path: Path) -> None:
    account = make_account(engine)
    with server_processes("server.asgi:create", _env(engine), tmp_path) as urls:
        _warm(urls, account)
        _revoke_key(engine, account)
        revoked_at = time.monotonic()
        delays = []
        for url in urls:
            while _outcome(url, account) == "ok":
                assert time.monotonic() - revoked_at < DEADLINE_S, "the revocation never arrived"
                time.sleep(0.02)
            delays.append(time.monotonic() - revoked_at)
            assert _outcome(url, account) == "401"
    # A figure, not an assertion (the machine may be loaded): ≤ HELPDESK_REVOCATION_CHECK_SECONDS
    # plus one request on a quiet one.
    print(f"revocation seen by both processes after {max(delays) * 1000:.0f} ms")
