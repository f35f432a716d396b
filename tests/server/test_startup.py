"""Start-up stays cheap: every `helpdesk-mcp` command and every uvicorn worker imports the command
line first, and seconds of CPU there got workers killed at start-up on a busy machine.
(`python -m bench.startup` prints the CPU time; here, what is imported, which cannot be flaky.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("seed", "mcp", "sqlmodel", "sqlalchemy", "argon2", "auth.oauth", "server.app", "server.tools")


def _loaded_after(statement: str) -> list[str]:
    probe = f"{statement}; import json, sys; print(json.dumps(sorted(sys.modules)))"
    output = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, check=True, capture_output=True, text=True
    )
    return list(json.loads(output.stdout.splitlines()[-1]))


def test_the_command_line_imports_no_heavy_module_until_a_command_needs_it() -> None:
    loaded = _loaded_after("import server.cli")

    assert [name for name in loaded if any(name == h or name.startswith(f"{h}.") for h in HEAVY)] == []


def test_importing_password_hashing_computes_no_hash() -> None:
    loaded = _loaded_after(
        "from domain.people import passwords; assert passwords._dummy_hash.cache_info().currsize == 0"
    )

    assert "domain.people.passwords" in loaded
