"""Issue 9.2 and the transport fuzz: nothing a client sends to an MCP transport crashes a request.

Malformed bodies (not JSON, nested thousands deep, batches, ids of every JSON type, envelopes
of every shape), headers (Accept, Content-Type, protocol version, routing headers, credentials)
and sizes (declared and streamed) go to ``/mcp`` and ``/messages/`` of a live server. Every answer
must be a deliberate one: no HTTP 500, no JSON-RPC -32603, no exception text, and nothing in the
server's log that reports an error.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlmodel import select

from domain.db import session_scope
from domain.tickets.models import Ticket
from server.app import create_app
from server.settings import load_settings
from tests.utils.databases import own_engine
from tests.utils.live import free_port, live_server
from tests.utils.quotas import Account, make_account
from tests.utils.server_log import server_log, tracebacks

MAX_BODY = 65_536
EXCEPTION_TEXT = re.compile(
    r"Traceback|internal error|RecursionError|OverflowError|ValidationError|validation error|"
    r"Exception|File \"|pydantic"
)


@dataclass(frozen=True)
class Target:
    url: str
    key: str
    session_path: str  # /messages/?session_id=… of an open SSE stream
    log: list[logging.LogRecord]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    with own_engine(tmp_path_factory.mktemp("transport_fuzz"), "transport_fuzz") as engine:
        yield engine


@pytest.fixture(scope="module")
def account(engine: Engine) -> Account:
    return make_account(engine)


@pytest.fixture(scope="module")
def target(engine: Engine, account: Account) -> Iterator[Target]:
    port = free_port()
    database_url = engine.url.render_as_string(hide_password=False)
    settings_ = load_settings(
        database_url=database_url, base_url=f"http://127.0.0.1:{port}", max_request_bytes=MAX_BODY
    )
    with (
        server_log() as log,
        live_server(create_app(settings_, engine=engine), port) as url,
        httpx.Client(timeout=30) as sse,
        sse.stream("GET", f"{url}/sse", headers={"Authorization": f"Bearer {account.key}"}) as stream,
    ):
        session_path = ""
        for line in stream.iter_lines():
            if line.startswith("data: "):
                session_path = line.removeprefix("data: ").strip()
                break
        assert session_path.startswith("/messages/?session_id=")
        yield Target(url, account.key, session_path, log)


def _check(response: httpx.Response, target: Target) -> None:
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert not EXCEPTION_TEXT.search(response.text), response.text[:300]
    if response.headers.get("content-type", "").startswith("application/json") and response.content:
        payload = response.json()
        error = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(error, dict):
            assert error.get("code") != -32603, payload
    assert tracebacks(target.log) == []


def _headers(key: str, **extra: str) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {key}",
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        **extra,
    }


@pytest.mark.parametrize("depth", [1_000, 5_000, 8_000])
@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_a_deeply_nested_body_is_a_parse_error_before_and_after_authentication(
    target: Target, depth: int, opener: bytes
) -> None:
    closer = b"]" if opener == b"[" else b"}"
    body = opener * depth + closer * depth
    anonymous = httpx.post(f"{target.url}/mcp", content=body, headers={"Content-Type": "application/json"})
    assert anonymous.status_code == 401
    for path in ("/mcp", target.session_path):
        response = httpx.post(f"{target.url}{path}", content=body, headers=_headers(target.key))
        assert response.status_code == 400, response.text[:200]
        assert response.json()["error"]["code"] == -32700
        _check(response, target)


def test_an_oversized_streamed_body_is_refused_and_creates_nothing(target: Target, engine: Engine) -> None:
    """Issue 9.15: the branch of the size limit for a body sent without ``Content-Length``."""
    subject = "streamed-oversized-ticket"
    message = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "tools/call",
        "params": {
            "name": "createTicket",
            "arguments": {"subject": subject, "email": "x@example.test", "description": "x" * MAX_BODY},
        },
    }
    payload = json.dumps(message).encode()

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 1000):
            yield payload[start : start + 1000]

    response = httpx.post(f"{target.url}/mcp", content=chunks(), headers=_headers(target.key))
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    with session_scope(engine) as session:
        assert session.exec(select(Ticket).where(Ticket.subject == subject)).first() is None


JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=20),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
METHODS = st.sampled_from(
    ["tools/call", "tools/list", "initialize", "ping", "notifications/initialized", "resources/list", "x"]
)
TOOL_NAMES = st.sampled_from(["fetchWorkspaces", "fetchTicket", "createTicket", "noSuchTool", ""])


@st.composite
def envelopes(draw: st.DrawFn) -> Any:
    """JSON-RPC-shaped messages with every part possibly wrong."""
    message: dict[str, Any] = {}
    if draw(st.booleans()):
        message["jsonrpc"] = draw(st.sampled_from(["2.0", "2.0", "1.0", 2]))
    if draw(st.integers(0, 3)):
        message["id"] = draw(JSON_VALUES)
    message["method"] = draw(METHODS | JSON_SCALARS)
    params = draw(
        st.one_of(
            st.fixed_dictionaries(
                {"name": TOOL_NAMES | JSON_SCALARS},
                optional={"arguments": JSON_VALUES, "_meta": JSON_VALUES},
            ),
            JSON_VALUES,
        )
    )
    if draw(st.booleans()):
        message["params"] = params
    return [message, message] if draw(st.integers(0, 9)) == 0 else message


def _nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


BODIES = st.one_of(
    envelopes().map(lambda value: json.dumps(value).encode()),
    JSON_VALUES.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=64),
    st.integers(1, 6000).map(_nested),
    st.integers(MAX_BODY - 64, MAX_BODY + 64).map(lambda size: b" " * size),
)
# httpx refuses to send a value with surrounding whitespace; the edge strips it anyway.
HEADER_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30).map(str.strip)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Accept": st.sampled_from(["application/json", "text/event-stream", "*/*", "text/html", ""]),
        "Content-Type": st.sampled_from(
            ["application/json", "text/plain", "application/json; charset=utf-8"]
        ),
        "Mcp-Protocol-Version": st.sampled_from(["2025-06-18", "2025-11-25", "2026-07-28", "1999-01-01"])
        | HEADER_TEXT,
        "Mcp-Method": METHODS | HEADER_TEXT,
        "Mcp-Name": TOOL_NAMES | HEADER_TEXT,
        "Mcp-Session-Id": HEADER_TEXT,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=BODIES,
    headers=HEADERS,
    credential=st.sampled_from(["key", "key", "key", "none", "garbage"]),
    transport=st.sampled_from(["/mcp", "/mcp", "/messages/"]),
)
def test_malformed_requests_get_deliberate_answers(
    target: Target, body: bytes, headers: dict[str, str], credential: str, transport: str
) -> None:
    sent = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", **headers}
    if credential == "key":
        sent["Authorization"] = f"Bearer {target.key}"
    elif credential == "garbage":
        sent["Authorization"] = "Bearer hdk_" + "x" * 40
    path = target.session_path if transport == "/messages/" else "/mcp"
    response = httpx.post(f"{target.url}{path}", content=body, headers=sent, timeout=30)
    _check(response, target)
