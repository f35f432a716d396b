"""Issue 9.4 and the argument fuzz: no tool answers with an unexplained internal error.

Arguments are generated from every tool's *served* inputSchema (hypothesis-jsonschema: valid
ones) and around it (the tool's own parameter names with values of any JSON type, and unknown
names: invalid ones), and sent as ``tools/call`` to a live server over its own seeded database
(writes land there, not in the database other tool tests count). Every answer must be HTTP 200
with a result: no JSON-RPC -32603, no exception text, a result that fits the tool's outputSchema,
and nothing in the server log that reports an error. Bounded so the whole file stays well under
a minute.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

from auth.apikeys import create_api_key
from domain.db import session_scope
from seed import seed_database
from seed.demo import ADMIN_EMAIL
from server.app import create_app
from server.settings import load_settings
from tests.utils.databases import own_engine
from tests.utils.live import free_port, live_server
from tests.utils.server_log import server_log, tracebacks

EXAMPLES_PER_TOOL = 8
EXCEPTION_TEXT = re.compile(
    r"Traceback|internal error|OverflowError|RecursionError|IntegrityError|OperationalError|"
    r"sqlalchemy|psycopg|sqlite3|File \""
)
HEADERS = {"Accept": "application/json, text/event-stream", "Mcp-Protocol-Version": "2025-11-25"}


@dataclass(frozen=True)
class Target:
    url: str
    headers: dict[str, str]
    tools: dict[str, dict[str, Any]]
    log: list[logging.LogRecord]


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    with own_engine(tmp_path_factory.mktemp("argument_fuzz"), "argument_fuzz") as engine:
        seed_database(engine, scale=0.01)
        with session_scope(engine) as session:
            _, key = create_api_key(session, email=ADMIN_EMAIL, name="fuzz")
        port = free_port()
        settings_ = load_settings(
            database_url=engine.url.render_as_string(hide_password=False),
            base_url=f"http://127.0.0.1:{port}",
            quota_per_minute=0,
            quota_per_month=0,
        )
        headers = {**HEADERS, "Authorization": f"Bearer {key}"}
        with server_log() as log, live_server(create_app(settings_, engine=engine), port) as url:
            listed = httpx.post(
                f"{url}/mcp", json={"jsonrpc": "2.0", "id": 0, "method": "tools/list"}, headers=headers
            )
            tools = {tool["name"]: tool for tool in listed.json()["result"]["tools"]}
            yield Target(url, headers, tools, log)


_ids = itertools.count(1)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def _invalid(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    names = [*schema.get("properties", {}), "not_a_parameter"]
    return st.dictionaries(st.sampled_from(names), JSON_VALUES, max_size=len(names))


def _tool_names() -> list[str]:
    from server.tools.registry import all_tool_specs

    return [spec.name for spec in all_tool_specs()]


def test_a_huge_id_is_an_argument_error_naming_the_field(target: Target) -> None:
    """Issue 9.4: 2^63 used to reach SQLite, overflow, and answer an opaque "Error executing tool"."""
    for name, arguments in (
        ("fetchTicket", {"ticket_id": 9_223_372_036_854_775_808}),
        ("fetchTickets", {"page": 2**40}),
        ("fetchTickets", {"requester_id": -(2**63) - 1}),
    ):
        result = _call(target, name, arguments)
        text = " ".join(block.get("text", "") for block in result["content"])
        assert result["isError"] is True, text
        assert f"'{next(iter(arguments))}'" in text, text
        assert not EXCEPTION_TEXT.search(text), text


@pytest.mark.parametrize("name", _tool_names())
def test_no_arguments_make_a_tool_fail_unexplained(target: Target, name: str) -> None:
    tool = target.tools[name]
    schema = tool["inputSchema"]

    @settings(
        max_examples=EXAMPLES_PER_TOOL,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(arguments=from_schema(schema) | _invalid(schema))
    def check(arguments: dict[str, Any]) -> None:
        result = _call(target, name, arguments)
        texts = " ".join(block.get("text", "") for block in result.get("content", []))
        assert not EXCEPTION_TEXT.search(texts), texts[:400]
        if not result.get("isError") and "outputSchema" in tool:
            jsonschema.validate(result.get("structuredContent"), tool["outputSchema"])
        assert tracebacks(target.log) == []

    check()


def _call(target: Target, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    body = {
        "jsonrpc": "2.0",
        "id": next(_ids),
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }
    response = httpx.post(f"{target.url}/mcp", json=body, headers=target.headers, timeout=60)
    assert response.status_code == 200, response.text[:400]
    payload = response.json()
    assert "error" not in payload, payload
    result: dict[str, Any] = payload["result"]
    return result


def _text_parameters(schema: dict[str, Any]) -> dict[str, bool]:
    """Parameters that take free text (a string that is not an enum or a date) or a list of it:
    whether each takes a list."""
    found = {}
    for name, spec in schema.get("properties", {}).items():
        for option in spec.get("anyOf", [spec]):
            is_list = option.get("type") == "array"
            item = option.get("items", {}) if is_list else option
            if item.get("type") == "string" and "enum" not in item and "format" not in item:
                found[name] = is_list
                break
    return found


@pytest.mark.parametrize("name", _tool_names())
def test_a_nul_character_in_text_is_refused_naming_the_field(target: Target, name: str) -> None:
    """PostgreSQL's text refuses NUL (the statement fails); SQLite stores it. Either way it is no
    valid text: the call is refused before the tool runs, naming the parameter, on every database."""
    for parameter, is_list in _text_parameters(target.tools[name]["inputSchema"]).items():
        result = _call(target, name, {parameter: ["ok", "a\x00b"] if is_list else "a\x00b"})
        text = " ".join(block.get("text", "") for block in result["content"])
        assert result["isError"] is True, text
        where = f"'{parameter}.1'" if is_list else f"'{parameter}'"
        assert f"{where}: text must not contain the NUL character" in text, text
        assert "\x00" not in text
    assert tracebacks(target.log) == []


def test_a_nul_character_in_a_key_is_named_not_echoed(target: Target) -> None:
    result = _call(target, "createOnboardingRequest", {"fields": {"name": "A", "x\x00y": "B"}})
    text = " ".join(block.get("text", "") for block in result["content"])
    assert result["isError"] is True
    assert "'fields.x\\u0000y': text must not contain the NUL character" in text, text
    assert "\x00" not in text
