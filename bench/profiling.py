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

RATE = 200
OUR_PACKAGES = frozenset({"server", "auth", "domain", "bench"})
# py-spy names files relative to their import root: the first path component tells the owner.
OWNERS = {
    "mcp": "sdk (mcp)",
    "mcp_types": "sdk (mcp)",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "sqlalchemy": "sqlalchemy/sqlmodel",
    "sqlmodel": "sqlalchemy/sqlmodel",
    "starlette": "starlette",
    "uvicorn": "uvicorn",
    "anyio": "anyio",
    "asyncio": "asyncio",
    "sqlite3": "database driver",
    "psycopg": "database driver",
    "json": "json",
    "threading.py": "threads",
    "queue.py": "threads",
    "concurrent": "threads",
}
# A leaf in the loop's run call is time inside the native event loop (uvloop, httptools parsing,
# socket I/O, or waiting for it); a worker thread parked on its queue is idle and not counted.
NATIVE_LOOP_LEAF = "Runner.run (asyncio/runners.py"
IDLE_LEAF = "Condition.wait (threading.py"


@contextmanager
def profiled(
    pid: int | None, label: str, duration: int, work: Path, *, gil: bool = False, subprocesses: bool = False
) -> Iterator[Path | None]:
    """Record ``pid`` with py-spy for ``duration`` seconds while the body runs (no-op for None).

    By default every thread is sampled without pausing the process (a thread waiting for the GIL
    shows where it waits); ``gil`` samples only the thread holding the GIL, i.e. Python CPU time.
    ``subprocesses``: the workers of a supervisor too (``serve --workers N``).
    """
    if pid is None:
        yield None
        return
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    out = work / "profiles" / f"{label}{'-gil' if gil else ''}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [spy, "record", "--pid", str(pid), "--duration", str(duration), "--rate", str(RATE)]
    command += ["--format", "raw", "--output", str(out), "--nonblocking", *(["--gil"] if gil else [])]
    command += ["--subprocesses"] if subprocesses else []
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


def _file(frame: str) -> str:
    return frame.rsplit(" (", 1)[-1].rstrip(")")


def category(frame: str) -> str:
    """``function (file:line)`` → who owns that code."""
    top = _file(frame).split("/", 1)[0].split(":", 1)[0]
    if top in OUR_PACKAGES:
        return f"ours: {top}"
    return OWNERS.get(top, "other (stdlib, ...)")


def _is_idle(frames: list[str]) -> bool:
    return frames[-1].startswith(IDLE_LEAF) and any(frame.startswith("Queue.get (") for frame in frames)


def _short(frame: str) -> str:
    """Without the line number: a function's samples add up whatever line it was on."""
    function, _, where = frame.partition(" (")
    return f"{function} ({where.rsplit(':', 1)[0]})"


def summarise(path: Path, top: int = 25) -> str:
    samples: list[tuple[list[str], int]] = []
    idle = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, number = line.rpartition(" ")
        if stack and number.isdigit():
            frames = stack.split(";")
            if _is_idle(frames):
                idle += int(number)
            else:
                samples.append((frames, int(number)))
    total = sum(count for _, count in samples) or 1
    self_by_category: Counter[str] = Counter()
    self_by_function: Counter[str] = Counter()
    inclusive_ours: Counter[str] = Counter()
    under_ours: Counter[str] = Counter()
    for frames, count in samples:
        leaf = frames[-1]
        owner = (
            "event loop (native: uvloop, httptools, I/O)"
            if leaf.startswith(NATIVE_LOOP_LEAF)
            else category(leaf)
        )
        self_by_category[owner] += count
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

    lines = [f"{path.name}: {total} busy samples ({idle} idle worker-thread samples left out)"]
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
