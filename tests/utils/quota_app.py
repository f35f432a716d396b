"""A uvicorn factory for multi-process quota tests: the server on a clock the test freezes.

``uvicorn --factory tests.utils.quota_app:create`` reads the settings from the environment like
``server.asgi:create``, and ``HELPDESK_TEST_NOW`` (ISO 8601, UTC): every worker's clock stands
still at that moment, so the windows of the test never roll over while it runs. Only tests set it.
"""

from __future__ import annotations

import os
from datetime import datetime

from starlette.applications import Starlette

from server.app import create_app
from server.settings import load_settings

NOW_ENV = "HELPDESK_TEST_NOW"


def create() -> Starlette:
    now = datetime.fromisoformat(os.environ[NOW_ENV])
    return create_app(load_settings(), clock=lambda: now)
