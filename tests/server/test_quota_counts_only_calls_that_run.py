"""Issue 9.1: a ``tools/call`` the SDK will not run costs nothing. A batch, an id of a type MCP
forbids, a notification, or a request the transport refuses on its headers is answered without
touching the account's minute or month."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy.engine import Engine

from auth.apikeys import create_api_key
from domain.db import session_scope
from server.quotas import current_usage
from tests.utils.databases import own_engine
from tests.utils.quotas import (
    ACCEPT,
    Account,
    QuotaServer,
    SettableClock,
    fresh_moment,
    make_account,
    post,
    quota_server,
    read_call,
)

MODERN_META = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientCapabilities": {},
}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with own_engine(tmp_path_factory.mktemp("uncounted"), "uncounted") as engine:
        yield engine


@pytest.fixture(scope="module")
def account(engine: Engine) -> Account:
    return make_account(engine)


@pytest.fixture(scope="module")
def read_only_key(engine: Engine, account: Account) -> str:
    with session_scope(engine) as session:
        return create_api_key(session, email=account.email, scopes=["mcp:read"], name="read-only")[1]


@pytest.fixture
def server(engine: Engine) -> Iterator[QuotaServer]:
    with quota_server(engine, "database", SettableClock(fresh_moment()), per_minute=50, per_month=500) as s:
        yield s


def _used(server: QuotaServer) -> tuple[int, int]:
    usage = current_usage(server.settings, engine=server.engine, now=server.clock.now, gate=server.gate)
    return server.minute_used(), usage.month.used


def _with_id(request_id: Any) -> dict[str, Any]:
    return {**read_call(1), "id": request_id}


def test_a_rejected_batch_from_a_read_only_key_costs_nothing(server: QuotaServer, read_only_key: str) -> None:
    response = post(server.url, read_only_key, [read_call(i) for i in range(50)])
    assert response.status_code == 400
    assert response.json()["error"]["code"] == -32600
    assert "Batches are not supported" in response.json()["error"]["message"]
    assert _used(server) == (0, 0)
    assert post(server.url, read_only_key, read_call(1)).status_code == 200
    assert _used(server) == (1, 1)


@pytest.mark.parametrize("bad_id", [None, 1.5, True, {"n": 1}, [1]], ids=repr)
def test_an_id_of_a_forbidden_type_is_an_invalid_request_not_a_silent_202(
    server: QuotaServer, account: Account, bad_id: Any
) -> None:
    response = post(server.url, account.key, _with_id(bad_id))
    assert response.status_code == 400
    assert response.json() == {
        "jsonrpc": "2.0",
        "id": None,
        "error": {
            "code": -32600,
            "message": 'Invalid request: "id" must be a string or an integer '
            "(omit it only for a notification).",
        },
    }
    assert _used(server) == (0, 0)


def test_a_tool_call_without_an_id_is_a_notification_nothing_runs_nothing_counts(
    server: QuotaServer, account: Account
) -> None:
    notification = read_call(1)
    del notification["id"]
    assert post(server.url, account.key, notification).status_code == 202
    assert _used(server) == (0, 0)


def test_calls_the_transport_refuses_on_their_headers_are_not_counted(
    server: QuotaServer, account: Account
) -> None:
    auth = {"Authorization": f"Bearer {account.key}"}
    url = f"{server.url}/mcp"
    not_acceptable = httpx.post(url, json=read_call(1), headers={**auth, "Accept": "text/html"})
    assert not_acceptable.status_code == 406
    form = httpx.post(url, content=b"{}", headers={**ACCEPT, **auth, "Content-Type": "text/plain"})
    assert form.status_code == 400
    modern = {**read_call(2), "params": {**read_call(2)["params"], "_meta": MODERN_META}}
    mismatch = post(
        server.url,
        account.key,
        modern,
        **{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "fetchTickets"},
    )
    assert mismatch.status_code == 400 and mismatch.json()["error"]["code"] == -32020
    assert _used(server) == (0, 0)
    matching = post(
        server.url,
        account.key,
        modern,
        **{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "fetchWorkspaces"},
    )
    assert matching.status_code == 200 and matching.json()["result"]["isError"] is False
    assert _used(server) == (1, 1)
