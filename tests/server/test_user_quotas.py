"""Per-user quotas through HTTP against a live server, beside the account's: exact under
concurrency, a 429 that names the user's quota, the month in the database, and an admin's limit
for one user (``helpdesk-mcp agents quota``) shown by ``helpdesk-mcp usage``.

Like ``test_quotas.py``, each test runs on a month no other test uses, with the quotas counted
in the database, in process memory and (with HELPDESK_TEST_REDIS_URL) in Redis.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from rich.console import Console
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from domain import migrate
from domain.db import make_engine
from server import cli as server_cli
from server.cli import app as cli
from server.quotas import current_usage
from tests.utils.databases import own_database_url
from tests.utils.quotas import (
    SettableClock,
    burst,
    fresh_moment,
    make_account,
    post,
    quota_server,
    read_call,
)

runner = CliRunner()


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(own_database_url(tmp_path_factory.mktemp("user_quotas"), "user_quotas"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["database", "memory", "redis"])
def storage(request: pytest.FixtureRequest) -> str:
    if request.param == "redis":
        request.getfixturevalue("redis_url")
    return str(request.param)


def _refusals(responses: list[httpx.Response]) -> list[str]:
    return [r.json()["error"]["data"]["quota"] for r in responses if r.status_code == 429]


def _admitted(responses: list[httpx.Response]) -> int:
    return sum(r.status_code == 200 for r in responses)


async def test_concurrent_calls_at_a_users_minute_limit_admit_exactly_its_calls_and_spare_others(
    engine: Engine, storage: str
) -> None:
    ann, bob = make_account(engine), make_account(engine)
    clock = SettableClock(fresh_moment())
    with quota_server(engine, storage, clock, per_minute=100, per_month=0, per_user_per_minute=5) as server:
        assert post(server.url, ann.key, read_call(0)).status_code == 200
        responses = await burst([server.url], ann.key, [read_call(i) for i in range(20)])
        assert _admitted(responses) == 4
        assert set(_refusals(responses)) == {"per_user_minute"}
        assert post(server.url, bob.key, read_call(1)).status_code == 200, "another user is not held up"
        admitted = post(server.url, bob.key, read_call(2))
        assert '"user-minute";r=3' in admitted.headers["RateLimit"]


async def test_concurrent_calls_at_a_users_month_limit_admit_exactly_its_calls(
    engine: Engine, storage: str
) -> None:
    ann, bob = make_account(engine), make_account(engine)
    clock = SettableClock(fresh_moment())
    with quota_server(engine, storage, clock, per_minute=0, per_month=1000, per_user_per_month=6) as server:
        responses = await burst([server.url], ann.key, [read_call(i) for i in range(25)])
        assert _admitted(responses) == 6
        refused = next(r for r in responses if r.status_code == 429)
        error = refused.json()["error"]
        assert error["data"]["quota"] == "per_user_month" and error["data"]["limit"] == 6
        assert "your own quota as a user" in error["message"]
        assert refused.headers["Retry-After"] == str(error["data"]["retry_after_seconds"])
        assert post(server.url, bob.key, read_call(1)).status_code == 200
        report = current_usage(server.settings, engine=engine, now=clock(), gate=server.gate)
        mine = {line.email: line for line in report.by_user}
        assert (mine[ann.email].calls, mine[ann.email].month_limit) == (6, 6)
        assert report.month.used == 7, "the account counts both users"


def test_the_accounts_quota_is_named_when_it_runs_out_first(engine: Engine) -> None:
    ann = make_account(engine)
    clock = SettableClock(fresh_moment())
    with quota_server(engine, "database", clock, per_minute=0, per_month=2, per_user_per_month=5) as server:
        assert [post(server.url, ann.key, read_call(i)).status_code for i in range(2)] == [200, 200]
        refused = post(server.url, ann.key, read_call(3))
        assert refused.status_code == 429
        assert refused.json()["error"]["data"]["quota"] == "per_month"
        assert "the account's quota" in refused.json()["error"]["message"]


def _cli(monkeypatch: pytest.MonkeyPatch, engine: Engine, *args: str, stdout_only: bool = False) -> str:
    monkeypatch.setenv("HELPDESK_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setattr(server_cli, "out", Console(width=300))
    result = runner.invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout if stdout_only else result.stdout + result.stderr


def test_an_admin_sets_one_users_limit_and_usage_shows_it(
    engine: Engine, storage: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann, bob = make_account(engine), make_account(engine)
    clock = SettableClock(fresh_moment())
    assert "per month 2" in _cli(monkeypatch, engine, "agents", "quota", ann.email, "--per-month", "2")
    with quota_server(engine, storage, clock, per_minute=0, per_month=0) as server:
        statuses = [post(server.url, ann.key, read_call(i)).status_code for i in range(3)]
        assert statuses == [200, 200, 429], "an override applies even with per-user quotas off"
        assert post(server.url, bob.key, read_call(1)).status_code == 200
        report = current_usage(server.settings, engine=engine, now=clock(), gate=server.gate)
        ann_line = next(line for line in report.by_user if line.email == ann.email)
        assert (ann_line.calls, ann_line.month_limit, ann_line.overridden) == (2, 2, True)
        # The command reads the real month; a user with an admin's limit is listed without calls.
        listed = json.loads(_cli(monkeypatch, engine, "usage", "--json", stdout_only=True))
        ann_now = next(line for line in listed["by_user"] if line["email"] == ann.email)
        assert (ann_now["month_limit"], ann_now["overridden"]) == (2, True)
        assert ann.email in _cli(monkeypatch, engine, "usage")
        assert "unchanged" in _cli(monkeypatch, engine, "agents", "quota", ann.email, "--per-month", "2")
        _cli(monkeypatch, engine, "agents", "quota", ann.email, "--per-month", "default")
        assert post(server.url, ann.key, read_call(4)).status_code == 200, "back to the default: no limit"
