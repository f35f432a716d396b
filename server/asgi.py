"""Entry point for uvicorn workers: ``uvicorn --factory server.asgi:create`` builds the app from env."""

from __future__ import annotations

import logging
import os

from starlette.applications import Starlette

from server.settings import load_settings

NO_AUTH_ENV = "HELPDESK_INTERNAL_NO_AUTH"


def create() -> Starlette:
    from server.app import create_app  # here, not at import: `serve` reads NO_AUTH_ENV from this module

    settings = load_settings()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    if settings.log_level != "debug":
        # The SDK logs every stateless request at INFO; keep the operator's log readable.
        logging.getLogger("mcp").setLevel(logging.WARNING)
    return create_app(settings, no_auth=os.environ.get(NO_AUTH_ENV) == "1")
