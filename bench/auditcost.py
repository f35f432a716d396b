"""CPU cost of writing a batch of audit rows: `python -m bench.auditcost [--database-url URL]`.

Read calls' audit rows are gathered and written in batches (``server.audit_buffer``) by
``domain.audit.service.record_calls``. This writes ``--batches`` batches of ``--rows`` rows the way
it does (``domain.db.append_rows``: COPY on PostgreSQL) and, for contrast, as one executemany of a
SQLAlchemy INSERT (what it did before 2026-12-04), alternating the two, each batch in its own
transaction, and prints this process's CPU time (user + system) per row and the wall time per
batch. The rows go to the database's ``audit_entry`` table and are deleted afterwards.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

from sqlalchemy import delete, insert
from sqlalchemy.engine import Connection

from bench.dataset import WORK_DIR
from domain.audit.models import Outcome
from domain.audit.service import ENTRIES, ToolCallRecord, entry_values
from domain.db import append_rows, make_engine
from domain.migrate import upgrade


def _records(count: int) -> list[ToolCallRecord]:
    now = datetime.now(UTC)
    return [
        ToolCallRecord(
            at=now,
            agent_id=1,
            agent_email="agent@helpdesk.test",
            credential_kind="api_key",
            credential="hdk_bench0000",
            tool="fetchTicket",
            arguments=f'{{"ticket_id": {n}}}',
            outcome=Outcome.ok,
            error=None,
            duration_ms=3,
        )
        for n in range(count)
    ]


def _executemany(connection: Connection, rows: list[dict[str, object]]) -> None:
    connection.execute(insert(ENTRIES), rows)


def _append(connection: Connection, rows: list[dict[str, object]]) -> None:
    append_rows(connection, ENTRIES, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.auditcost", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help=f"default: a SQLite file in {WORK_DIR}")
    parser.add_argument("--rows", type=int, default=250, help="rows per batch (~250 ms of calls at 1,000/s)")
    parser.add_argument("--batches", type=int, default=40, help="batches per way")
    args = parser.parse_args(argv)
    if args.rows < 1 or args.batches < 1:
        parser.error("--rows and --batches must be 1 or more")
    if args.database_url is None:
        WORK_DIR.mkdir(parents=True, exist_ok=True)
    engine = make_engine(args.database_url or f"sqlite:///{WORK_DIR / 'auditcost.db'}")
    upgrade(engine)
    ways: dict[str, Callable[[Connection, list[dict[str, object]]], None]] = {
        "executemany": _executemany,
        "append_rows": _append,
    }
    cpu: dict[str, list[float]] = {name: [] for name in ways}
    wall: dict[str, list[float]] = {name: [] for name in ways}
    try:
        for batch in range(args.batches + 2):  # the first two of each are warm-up
            for name, way in ways.items():
                rows = [entry_values(record) for record in _records(args.rows)]
                cpu_before, wall_before = time.process_time(), time.perf_counter()
                with engine.begin() as connection:
                    way(connection, rows)
                if batch >= 2:
                    cpu[name].append(time.process_time() - cpu_before)
                    wall[name].append(time.perf_counter() - wall_before)
    finally:
        with engine.begin() as connection:
            connection.execute(delete(ENTRIES).where(ENTRIES.c.credential == "hdk_bench0000"))
        engine.dispose()
    print(f"{engine.dialect.name}: {args.batches} batches of {args.rows} audit rows per way (medians)")
    for name in ways:
        per_row = 1e6 * statistics.median(cpu[name]) / args.rows
        per_batch = 1e3 * statistics.median(wall[name])
        print(f"  {name:<12} {per_row:6.1f} µs CPU per row   {per_batch:6.2f} ms per batch")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
