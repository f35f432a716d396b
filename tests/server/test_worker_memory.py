"""What a worker holds in memory: modules it never uses stay unimported, malloc arenas are capped,
and ``serve``'s single worker is a fresh interpreter rather than the CLI that prepared it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from server.serving import limit_malloc_arenas
from tests.utils.served import serve

REPO_ROOT = Path(__file__).resolve().parents[2]
# Loaded on first use only: an HTML-to-text converter (with lxml), and httpx (with rich and
# pygments) for fetching OAuth client metadata documents. Never loaded by a worker on SQLite:
# rich (the SDK's logging setup, skipped) and SQLAlchemy's PostgreSQL dialect (~3 MiB together).
LAZY = ("inscriptis", "lxml", "httpx", "rich", "sqlalchemy.dialects.postgresql")
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


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc; exec needs POSIX")
def test_one_worker_serves_from_a_fresh_interpreter_under_the_same_pid(tmp_path: Path) -> None:
    with serve(tmp_path) as served:
        command = Path(f"/proc/{served.process.pid}/cmdline").read_bytes().split(b"\0")
        assert command[1:3] == [b"-m", b"server.serving"]  # not the CLI any more, same process
        # ... but what the operator typed comes first on its command line, for ps and pkill -f
        typed = f"{Path(sys.executable).parent / 'helpdesk-mcp'} serve --port {served.url.rsplit(':', 1)[1]}"
        assert b" ".join(command[3:7]) == typed.encode()
        found = subprocess.run(["pgrep", "-f", typed], capture_output=True, check=False)
        assert found.stdout.split() == [str(served.process.pid).encode()]
        key = served.api_key()
        headers = {"Authorization": f"Bearer {key}", "Accept": "application/json, text/event-stream"}
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}
        response = httpx.post(
            f"{served.url}/mcp", json=body, headers={**headers, "Mcp-Protocol-Version": "2025-11-25"}
        )
        assert response.status_code == 200, response.text
        assert "fetchTicket" in response.text
    log = served.log.read_text()
    assert "helpdesk-mcp serving" in log and "Finished server process" in log
