"""What the figures were measured on: they mean little without it."""

from __future__ import annotations

import importlib.util
import os
import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from typing import Any

PACKAGES = ("mcp", "uvicorn", "starlette", "sqlalchemy", "pydantic")


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "absent"


def resolved_loop(loop: str) -> str:
    """What uvicorn's ``--loop auto`` picks: uvloop when it is importable."""
    if loop != "auto":
        return loop
    return "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"


def resolved_http(http: str) -> str:
    """What uvicorn's ``--http auto`` picks: httptools when it is importable."""
    if http != "auto":
        return http
    return "httptools" if importlib.util.find_spec("httptools") else "h11"


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _wrk_version() -> str:
    try:
        completed = subprocess.run(["wrk", "-v"], capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "absent"
    first = (completed.stdout or completed.stderr).strip().splitlines()
    return first[0].split(" [")[0] if first else "unknown"


def machine_facts(*, loop: str, http: str) -> dict[str, Any]:
    return {
        "nproc": os.cpu_count(),
        "cpu": _cpu_model(),
        "python": platform.python_version(),
        **{package: _version(package) for package in PACKAGES},
        "loop": resolved_loop(loop),
        "http": resolved_http(http),
        "wrk": _wrk_version(),
    }
