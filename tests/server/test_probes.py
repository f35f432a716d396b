"""Health probes as a load balancer or Kubernetes sends them: addressed to the pod's IP (any
``Host``), ``/readyz`` covering the database and Redis, one log line per readiness change."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy.engine import Engine
from starlette.applications import Starlette
from starlette.routing import Route
from starlette.testclient import TestClient

from server.app import create_app
from server.probes import Readiness
from server.settings import load_settings
from tests.utils.live import free_port, live_server

POD_HOST = {"Host": "10.244.3.17:8000"}  # what a kubelet or target-group health check sends


def _serve(engine: Engine, redis_url: str | None) -> Iterator[str]:
    port = free_port()
    settings = load_settings(
        database_url=engine.url.render_as_string(hide_password=False),
        base_url=f"http://127.0.0.1:{port}",
        redis_url=redis_url,
        quota_storage="database",
    )
    with live_server(create_app(settings, engine=engine), port) as url:
        yield url


@pytest.fixture(scope="module")
def base_url(engine: Engine) -> Iterator[str]:
    yield from _serve(engine, None)


@pytest.fixture(scope="module")
def redis_down_url(engine: Engine) -> Iterator[str]:
    closed_port = free_port()  # nothing listens there: connections are refused at once
    yield from _serve(engine, f"redis://127.0.0.1:{closed_port}/0")


def test_probes_answer_any_host_while_other_paths_keep_the_allow_list(base_url: str) -> None:
    health = httpx.get(f"{base_url}/healthz", headers=POD_HOST)
    ready = httpx.get(f"{base_url}/readyz", headers=POD_HOST)

    assert (health.status_code, health.json()) == (200, {"status": "ok"})
    assert (ready.status_code, ready.json()) == (200, {"status": "ready", "database": "ok"})
    assert httpx.post(f"{base_url}/mcp", headers=POD_HOST, json={}).status_code == 421


def test_readyz_is_unavailable_while_redis_is_down_and_says_so_once(
    redis_down_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="server.probes"):
        answers = [httpx.get(f"{redis_down_url}/readyz") for _ in range(3)]

    assert {answer.status_code for answer in answers} == {503}
    assert answers[0].json() == {"status": "unavailable", "database": "ok", "redis": "unreachable"}
    lines = [record.getMessage() for record in caplog.records if record.name == "server.probes"]
    assert len(lines) == 1, lines
    assert lines[0].startswith("not ready: redis: ")
    assert "\n" not in lines[0] and not any(record.exc_info for record in caplog.records)
    assert httpx.get(f"{redis_down_url}/healthz").status_code == 200  # alive, just not ready


def test_readyz_checks_a_working_redis(engine: Engine, redis_url: str) -> None:
    for url in _serve(engine, redis_url):
        ready = httpx.get(f"{url}/readyz")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "database": "ok", "redis": "ok"}


def test_each_readiness_change_is_logged_once(caplog: pytest.LogCaptureFixture) -> None:
    down = {"now": False}

    def flaky() -> None:
        if down["now"]:
            raise ConnectionError("Connection refused\n  (second line of a long driver message)")

    readiness = Readiness({"database": flaky})
    client = TestClient(Starlette(routes=[Route("/readyz", readiness.respond)]))
    with caplog.at_level(logging.INFO, logger="server.probes"):
        statuses = []
        for state in (False, False, True, True, True, False, False):
            down["now"] = state
            statuses.append(client.get("/readyz").status_code)

    assert statuses == [200, 200, 503, 503, 503, 200, 200]
    assert [record.getMessage() for record in caplog.records if record.name == "server.probes"] == [
        "not ready: database: Connection refused (second line of a long driver message)",
        "ready again: database answer",
    ]
