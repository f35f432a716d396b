"""``helpdesk-mcp usage``: the account's calls against its quotas, per user and per tool."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from domain import migrate
from domain.db import make_engine, session_scope
from domain.types import utcnow
from domain.usage.service import consume_calls
from server.cli import app
from tests.utils.databases import own_database_url
from tests.utils.quotas import make_account


@pytest.fixture(scope="module")
def cli_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(own_database_url(tmp_path_factory.mktemp("cli"), "quota_cli"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _env(engine: Engine) -> dict[str, str]:
    return {
        "HELPDESK_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "HELPDESK_QUOTA_PER_MINUTE": "20",
        "HELPDESK_QUOTA_PER_MONTH": "500",
        "HELPDESK_REDIS_URL": "",
        "HELPDESK_QUOTA_STORAGE": "database",
    }


def test_usage_reports_this_month_per_user_and_per_tool(cli_engine: Engine) -> None:
    account = make_account(cli_engine)
    agent_id, email = account.agent_id, account.email
    with session_scope(cli_engine) as session:
        consume_calls(
            session=session, now=utcnow(), agent_id=agent_id, tools=["fetchTickets"] * 2, per_month=500
        )
        consume_calls(session=session, now=utcnow(), agent_id=agent_id, tools=["createTicket"], per_month=500)

    result = CliRunner().invoke(app, ["usage", "--json"], env=_env(cli_engine))

    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["month"]["used"] == 3
    assert report["month"]["limit"] == 500 and report["month"]["remaining"] == 497
    assert report["minute"]["limit"] == 20
    assert report["by_user"] == [
        {
            "agent_id": agent_id,
            "email": email,
            "calls": 3,
            "month_limit": None,
            "minute_calls": None,
            "minute_limit": None,
            "overridden": False,
        }
    ]
    assert report["by_tool"] == [{"tool": "fetchTickets", "calls": 2}, {"tool": "createTicket", "calls": 1}]

    table = CliRunner().invoke(app, ["usage"], env={**_env(cli_engine), "COLUMNS": "120"})
    assert table.exit_code == 0, table.output
    assert "fetchTickets" in table.stdout and email in table.stdout
