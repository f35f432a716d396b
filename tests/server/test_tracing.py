"""Tracing: with a span processor (the OTLP exporter's place; here an in-memory one), a tool call
yields the HTTP server span and the tool call's MCP span; with no endpoint, nothing is set up."""

from __future__ import annotations

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sqlalchemy.engine import Engine

from server.app import create_app
from server.settings import load_settings
from server.tracing import traced
from tests.server.conftest import SeededServer
from tests.utils.live import free_port, live_server


def test_without_an_endpoint_nothing_is_traced(engine: Engine) -> None:
    app = create_app(
        load_settings(database_url=engine.url.render_as_string(hide_password=False)), engine=engine
    )

    assert traced(app, endpoint=None) is app


async def test_a_tool_call_exports_the_http_span_and_the_tool_span(seeded_server: SeededServer) -> None:
    exporter = InMemorySpanExporter()
    port = free_port()
    settings = load_settings(
        database_url=seeded_server.engine.url.render_as_string(hide_password=False),
        base_url=f"http://127.0.0.1:{port}",
    )
    app = traced(
        create_app(settings, engine=seeded_server.engine),
        endpoint=None,
        processor=SimpleSpanProcessor(exporter),
    )
    with live_server(app, port) as url:
        async with (
            httpx2.AsyncClient(
                headers={"Authorization": f"Bearer {seeded_server.admin_key}"}, timeout=30
            ) as http,
            Client(streamable_http_client(f"{url}/mcp", http_client=http)) as client,  # type: ignore[arg-type]
        ):
            assert not (await client.call_tool("fetchWorkspaces", {})).is_error

    spans = exporter.get_finished_spans()
    http_spans = [span for span in spans if span.attributes and span.attributes.get("http.method") == "POST"]
    mcp_spans = [span for span in spans if "fetchWorkspaces" in span.name]
    assert http_spans and mcp_spans, [span.name for span in spans]
    # The server's span of the call (server.tool_calls on the stateless path, named and attributed
    # as the SDK names its own) continues the client's trace: the SDK client in this process sent
    # its span's traceparent in _meta.
    (server_span,) = [span for span in mcp_spans if span.name == "tools/call fetchWorkspaces"]
    (client_span,) = [span for span in mcp_spans if span is not server_span]
    assert server_span.parent is not None and server_span.parent.span_id == client_span.context.span_id
    assert server_span.attributes is not None
    assert server_span.attributes["gen_ai.tool.name"] == "fetchWorkspaces"
