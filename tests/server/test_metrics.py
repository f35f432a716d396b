"""``GET /metrics``: tool calls by tool and outcome, latency, auth failures; correct across
``serve --workers 2`` (prometheus-client's multiprocess mode); optionally behind a token."""

from __future__ import annotations

from pathlib import Path

import httpx
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy.engine import Engine

from server.app import create_app
from server.settings import load_settings
from tests.server.conftest import SeededServer
from tests.utils.live import free_port, live_server
from tests.utils.served import serve

POD_HOST = {"Host": "10.244.3.17:8000"}  # Prometheus scrapes the pod's address
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _samples(
    url: str, headers: dict[str, str] | None = None
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    answer = httpx.get(f"{url}/metrics", headers={**POD_HOST, **(headers or {})})
    assert answer.status_code == 200, answer.text
    return _parsed(answer.text)


def _parsed(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _calls(samples: Samples, tool: str, outcome: str) -> float:
    return samples.get(("helpdesk_tool_calls_total", frozenset({("tool", tool), ("outcome", outcome)})), 0.0)


async def _call(url: str, key: str, times: int) -> None:
    for _ in range(times):  # a new connection each time: with two workers, either may answer
        async with (
            httpx2.AsyncClient(headers={"Authorization": f"Bearer {key}"}, timeout=30) as http,
            Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,  # type: ignore[arg-type]
        ):
            assert not (await client.call_tool("fetchWorkspaces", {})).is_error


async def test_tool_calls_latency_and_auth_failures_are_counted(seeded_server: SeededServer) -> None:
    url = seeded_server.url
    before = _samples(url)

    await _call(url, seeded_server.admin_key, 2)
    async with httpx2.AsyncClient() as http:
        refused = await http.post(f"{url}/mcp", json={}, headers={"Authorization": "Bearer hdk_nope_nope"})

    after = _samples(url)
    assert refused.status_code == 401
    assert _calls(after, "fetchWorkspaces", "ok") - _calls(before, "fetchWorkspaces", "ok") == 2
    latency = ("helpdesk_tool_call_duration_seconds_count", frozenset({("tool", "fetchWorkspaces")}))
    assert after[latency] - before.get(latency, 0.0) == 2
    failures = ("helpdesk_auth_failures_total", frozenset({("kind", "invalid_token")}))
    assert after[failures] - before.get(failures, 0.0) == 1


def test_a_metrics_token_is_required_when_set(engine: Engine) -> None:
    port = free_port()
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        base_url=f"http://127.0.0.1:{port}",
        metrics_token="scrape-secret",
    )
    with live_server(create_app(settings, engine=engine), port) as url:
        assert httpx.get(f"{url}/metrics").status_code == 401
        assert httpx.get(f"{url}/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert _samples(url, {"Authorization": "Bearer scrape-secret"}) is not None


async def test_with_two_workers_every_scrape_counts_all_calls(tmp_path: Path) -> None:
    with serve(tmp_path, "--workers", "2") as served:
        key = served.api_key()

        await _call(served.url, key, 6)

        scrapes = [_calls(_samples(served.url), "fetchWorkspaces", "ok") for _ in range(4)]
    assert scrapes == [6.0] * 4


async def test_a_tool_name_a_client_makes_up_is_counted_as_unknown_not_as_a_series_of_its_own(
    seeded_server: SeededServer,
) -> None:
    """Refused calls are counted before any credential is checked: labelled by the name sent, any
    client could add a series (memory, and bytes on every scrape) per request."""
    url = seeded_server.url
    names = [f"madeUp{number}" + "x" * 5_000 for number in range(20)]
    headers = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}
    signed = {**headers, "Authorization": f"Bearer {seeded_server.admin_key}"}
    async with httpx2.AsyncClient(timeout=30) as http:
        before = (await http.get(f"{url}/metrics", headers=POD_HOST)).text
        for number, name in enumerate(names):
            call = {"jsonrpc": "2.0", "id": number, "method": "tools/call", "params": {"name": name}}
            refused = await http.post(f"{url}/mcp", json=call, headers=headers)  # no credential
            assert refused.status_code == 401
            called = await http.post(f"{url}/mcp", json=call, headers=signed)
            assert called.status_code == 200 and called.json()["result"]["isError"], called.text
        after = (await http.get(f"{url}/metrics", headers=POD_HOST)).text

    assert not any(name[:8] in after for name in names)
    counted, was = _parsed(after), _parsed(before)
    assert _calls(counted, "unknown", "refused_auth") - _calls(was, "unknown", "refused_auth") == 20
    assert _calls(counted, "unknown", "tool_error") - _calls(was, "unknown", "tool_error") == 20
    assert len(after) - len(before) < 4_000  # the two new series, not forty
