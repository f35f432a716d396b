"""OpenTelemetry traces: the HTTP server span of each request and the SDK's own MCP spans
(``tools/call …`` and the like), exported over OTLP/HTTP only when the standard
``OTEL_EXPORTER_OTLP_ENDPOINT`` is set; nothing is set up otherwise.

The packages come with the optional extra: ``pip install 'helpdesk-mcp[otel]'``. The exporter
reads the other standard variables itself (``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_SERVICE_NAME``,
``OTEL_RESOURCE_ATTRIBUTES``, …). The MCP SDK creates its spans through ``opentelemetry-api``
whether or not anything is exported; without a provider they cost next to nothing.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.types import ASGIApp

logger = logging.getLogger(__name__)

ENDPOINT_ENV = "OTEL_EXPORTER_OTLP_ENDPOINT"
SERVICE_NAME = "helpdesk-mcp"


def traced(app: ASGIApp, *, endpoint: str | None, processor: Any = None) -> ASGIApp:
    """``app`` with a server span per request and spans sent to ``endpoint`` (or to ``processor``,
    a span processor, for tests); ``app`` itself when neither is given."""
    if processor is None and not endpoint:
        return app
    try:
        from opentelemetry import trace
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError:
        logger.warning(
            "%s is set but the tracing packages are not installed (pip install 'helpdesk-mcp[otel]'); "
            "not tracing",
            ENDPOINT_ENV,
        )
        return app
    if processor is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor = BatchSpanProcessor(OTLPSpanExporter())
    provider = TracerProvider(resource=Resource.create({"service.name": SERVICE_NAME}))
    provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    # Per-message receive/send spans would triple the span count for no insight.
    return OpenTelemetryMiddleware(app, exclude_spans=["receive", "send"])  # type: ignore[no-any-return]
