"""What a worker holds in memory: modules it never uses stay unimported, malloc arenas are capped."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from server.serving import limit_malloc_arenas

REPO_ROOT = Path(__file__).resolve().parents[2]
# Loaded on first use only: an HTML-to-text converter (with lxml), and httpx (with rich and
# pygments) for fetching OAuth client metadata documents.
LAZY = ("inscriptis", "lxml", "httpx")
WORKER = """
import json, sys
import server.asgi
server.asgi.create()
before = [name for name in {lazy} if name in sys.modules]
from server.render.text import plain
converted = plain("<p>Restart the <b>laptop</b></p><ul><li>then sign in</li></ul>")
print(json.dumps({{"before": before, "converted": converted, "after": "inscriptis" in sys.modules}}))
"""


def test_a_worker_imports_the_html_converter_and_httpx_only_when_needed(tmp_path: Path) -> None:
    env = {**os.environ, "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'worker.db'}"}
    env.pop("HELPDESK_REDIS_URL", None)
    result = subprocess.run(
        [sys.executable, "-c", WORKER.format(lazy=repr(LAZY))],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["before"] == []
    assert report["converted"].split() == ["Restart", "the", "laptop", "*", "then", "sign", "in"]
    assert report["after"] is True


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt: Linux only")
def test_malloc_arenas_are_capped_unless_the_operator_chose(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    glibc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    assert limit_malloc_arenas() is glibc.startswith("glibc")

    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    assert limit_malloc_arenas() is False
