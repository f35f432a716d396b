"""Sampling the server with py-spy while it is under load, and summarising where the time went.

``python -m bench.profiling bench/.work/profiles/<run>.txt`` prints the summary of a recorded
profile (py-spy's collapsed-stack "raw" format, which speedscope.app also opens).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.processes import REPO_ROOT

RATE = 200
OUR_PACKAGES = ("server", "auth", "domain", "bench")
# Ordered: the first matching fragment of a frame's file names its category.
CATEGORIES = (
    ("mcp_types", "sdk (mcp)"),
    ("/mcp/", "sdk (mcp)"),
    ("/pydantic", "pydantic"),
    ("/sqlmodel/", "sqlalchemy/sqlmodel"),
    ("/sqlalchemy/", "sqlalchemy/sqlmodel"),
    ("/starlette/", "starlette"),
    ("/uvicorn/", "uvicorn"),
    ("/anyio/", "anyio"),
    ("/httptools/", "uvicorn"),
    ("/uvloop/", "event loop"),
    ("/asyncio/", "event loop"),
    ("/sqlite3/", "database driver"),
    ("/psycopg", "database driver"),
    ("/json/", "json"),
    ("/threading.py", "threads"),
    ("/concurrent/", "threads"),
)


@contextmanager
def profiled(pid: int | None, label: str, duration: int, work: Path) -> Iterator[Path | None]:
    """Record ``pid`` with py-spy for ``duration`` seconds while the body runs (no-op for None)."""
    if pid is None:
        yield None
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = work / "profiles" / f"{label}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [spy, "record", "--pid", str(pid), "--duration", str(duration), "--rate", str(RATE)]
    command += ["--format", "raw", "--output", str(out), "--nonblocking"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        yield out
    finally:
        try:
            _, stderr = process.communicate(timeout=duration + 30)
        except subprocess.TimeoutExpired:
            process.kill()
            _, stderr = process.communicate()
        if process.returncode != 0:
            print(f"    py-spy failed: {stderr.decode(errors='replace').strip()[-300:]}")
        else:
            print(f"    profile: {out}")


def category(frame: str) -> str:
    """``function (file:line)`` → who owns that code."""
    file = frame.rsplit("(", 1)[-1]
    root = str(REPO_ROOT)
    if root in file:
        package = file.split(root, 1)[1].lstrip("/").split("/", 1)[0]
        if package in OUR_PACKAGES:
            return f"ours: {package}"
    for fragment, name in CATEGORIES:
        if fragment in file:
            return name
    return "other (stdlib, ...)"


def _short(frame: str) -> str:
    function, _, where = frame.partition(" (")
    where = where.rstrip(")")
    for marker in ("site-packages/", str(REPO_ROOT) + "/", "/lib/python3.11/"):
        if marker in where:
            where = where.split(marker, 1)[1]
    return f"{function} ({where})"


def summarise(path: Path, top: int = 25) -> str:
    samples: list[tuple[list[str], int]] = []
    for line in path.read_text().splitlines():
        stack, _, number = line.rpartition(" ")
        if stack and number.isdigit():
            samples.append((stack.split(";"), int(number)))
    total = sum(count for _, count in samples) or 1
    self_by_category: Counter[str] = Counter()
    self_by_function: Counter[str] = Counter()
    inclusive_ours: Counter[str] = Counter()
    under_ours: Counter[str] = Counter()
    for frames, count in samples:
        leaf = frames[-1]
        self_by_category[category(leaf)] += count
        self_by_function[_short(leaf)] += count
        seen: set[str] = set()
        for frame in frames:
            if category(frame).startswith("ours") and frame not in seen:
                seen.add(frame)
                inclusive_ours[_short(frame)] += count
        outermost_ours = next((frame for frame in frames if category(frame).startswith("ours")), None)
        under_ours[category(outermost_ours) if outermost_ours else "not under our code"] += count

    def pct(count: int) -> str:
        return f"{100 * count / total:5.1f}%"

    lines = [f"{path.name}: {total} samples"]
    lines.append("\nself time by owner of the code:")
    lines += [f"  {pct(count)}  {name}" for name, count in self_by_category.most_common()]
    lines.append("\nsamples whose stack passes through our code (outermost package):")
    lines += [f"  {pct(count)}  {name}" for name, count in under_ours.most_common()]
    lines.append(f"\ntop {top} functions by self time:")
    lines += [f"  {pct(count)}  {name}" for name, count in self_by_function.most_common(top)]
    lines.append(f"\ntop {top} of our functions by inclusive time:")
    lines += [f"  {pct(count)}  {name}" for name, count in inclusive_ours.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    for argument in sys.argv[1:]:
        print(summarise(Path(argument)))
        print()
