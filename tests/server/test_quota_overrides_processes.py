"""An admin's per-user limit reaches every server process, though each keeps the overrides in memory.

Two real server processes share one SQLite file; this test process sets a user's limit the way
the CLI does (``set_user_limits``, another process writing to the database). The write moves
the identity generation, so each server reads the overrides again: on its next request with
``HELPDESK_REVOCATION_CHECK_SECONDS=0``, within about that interval with the default.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from domain import migrate
from domain.audit.service import CLI_OPERATOR
from domain.db import make_engine, session_scope
from domain.people.models import Agent
from domain.types import utcnow
from domain.usage.user_limits import set_user_limits
from tests.utils.processes import server_processes
from tests.utils.quota_app import NOW_ENV
from tests.utils.quotas import Account, fresh_moment, make_account, post, read_call

DEADLINE_S = 30.0


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'shared.db'}")
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _env(engine: Engine, storage: str, **settings: str) -> dict[str, str]:
    return {
        "HELPDESK_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "HELPDESK_QUOTA_STORAGE": storage,
        "HELPDESK_QUOTA_PER_MINUTE": "0",
        "HELPDESK_QUOTA_PER_MONTH": "0",
        NOW_ENV: fresh_moment().isoformat(),
        **settings,
    }


def _limit(engine: Engine, account: Account, per_month: int | None) -> None:
    with session_scope(engine) as session:
        agent = session.get(Agent, account.agent_id)
        assert agent is not None
        set_user_limits(
            session,
            agent=agent,
            per_minute=None,
            per_month=per_month,
            actor=CLI_OPERATOR,
            now=utcnow(),
        )


def _status(url: str, account: Account) -> int:
    return post(url, account.key, read_call(1)).status_code


@pytest.mark.parametrize("storage", ["database", "memory"])
def test_a_users_limit_set_elsewhere_applies_to_the_next_call_of_every_process(
    engine: Engine, tmp_path: Path, storage: str
) -> None:
    account = make_account(engine)
    env = _env(engine, storage, HELPDESK_REVOCATION_CHECK_SECONDS="0")
    with server_processes("tests.utils.quota_app:create", env, tmp_path) as urls:
        assert [_status(url, account) for url in urls for _ in range(2)] == [200] * 4
        _limit(engine, account, per_month=1)
        refused = [post(url, account.key, read_call(2)) for url in urls]
        assert [r.status_code for r in refused] == [429, 429]
        assert {r.json()["error"]["data"]["quota"] for r in refused} == {"per_user_month"}
        _limit(engine, account, per_month=None)
        assert [_status(url, account) for url in urls] == [200, 200], "back to the default: no limit"


def test_with_the_default_interval_a_users_limit_reaches_every_process(
    engine: Engine, tmp_path: Path
) -> None:
    account = make_account(engine)
    with server_processes("tests.utils.quota_app:create", _env(engine, "memory"), tmp_path) as urls:
        assert [_status(url, account) for url in urls for _ in range(2)] == [200] * 4
        _limit(engine, account, per_month=1)
        limited_at = time.monotonic()
        delays = []
        for url in urls:
            while _status(url, account) == 200:
                assert time.monotonic() - limited_at < DEADLINE_S, "the limit never arrived"
                time.sleep(0.02)
            delays.append(time.monotonic() - limited_at)
    # A figure, not an assertion: ≤ HELPDESK_REVOCATION_CHECK_SECONDS plus one request when quiet.
    print(f"a user's limit seen by both processes after {max(delays) * 1000:.0f} ms")
