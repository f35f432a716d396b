"""CPU time of starting the command line, the cost every `helpdesk-mcp` command and every uvicorn
worker pays before doing anything: `python -m bench.startup`.

Runs `helpdesk-mcp --help` and the worker's own import of the app factory module N times each
in fresh processes and prints the median user+system CPU seconds (a figure, not a test).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

BIN = Path(sys.executable).parent


def cpu_seconds(command: list[str]) -> float:
    before = os.times()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    commands = {
        "helpdesk-mcp --help": [str(BIN / "helpdesk-mcp"), "--help"],
        "import server.cli (a worker's __main__)": [sys.executable, "-c", "import server.cli"],
        "python -c pass (interpreter alone)": [sys.executable, "-c", "pass"],
    }
    for label, command in commands.items():
        times = [cpu_seconds(command) for _ in range(args.runs)]
        median = statistics.median(times)
        print(f"{label:<42} median {median:.2f} s CPU  (min {min(times):.2f}, n={args.runs})")


if __name__ == "__main__":
    main()
