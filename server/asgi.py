"""Entry point for uvicorn workers: ``uvicorn --factory server.asgi:create`` builds the app from env."""

from __future__ import annotations

import logging
import os

from starlette.types import ASGIApp

from server import logs
from server.serving import limit_malloc_arenas
from server.settings import load_settings

NO_AUTH_ENV = "HELPDESK_INTERNAL_NO_AUTH"


def create() -> ASGIApp:
    limit_malloc_arenas()  # first: before the app's threads start allocating
    from server.app import create_app  # here, not at import: `serve` reads NO_AUTH_ENV from this module
    from server.tracing import ENDPOINT_ENV, traced

    settings = load_settings()
    if not logging.getLogger().handlers:  # run by plain `uvicorn`; `serve` configured it already
        logs.configure(settings.log_format, settings.log_level)
    app = create_app(settings, no_auth=os.environ.get(NO_AUTH_ENV) == "1")
    return traced(app, endpoint=os.environ.get(ENDPOINT_ENV))
