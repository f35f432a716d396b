"""What a ``fetchTicket``'s SQL costs, without HTTP: the baseline's way and the server's, one thread.

    python -m bench.sqlcost --database-url postgresql+psycopg://postgres@127.0.0.1/h_bench
    python -m bench.sqlcost                    # the SQLite file of bench.run (scale 20)

For each way, ``--calls`` calls on one pooled connection after a warm-up (ticket ids drawn with a
fixed seed): the client's CPU (this process, one thread), on PostgreSQL the backend's CPU (its
``/proc/<pid>/stat``: PostgreSQL on this machine) and the wall time, per call.

- ``baseline``: ``bench.baseline.Queries.fetch_ticket``, the statements on the DB-API cursor,
  JSON-shaped rows (what ``bench.run``'s baseline does in its worker thread);
- ``server``: a ``Session`` on a pooled connection, ``domain.db.transaction(commit=False)`` and
  ``domain.tickets.service.get_ticket`` (what a ``fetchTicket`` tool call does in its unit of work,
  without authentication, quotas or the MCP layers).

The baseline must not cost more here than the server does: it is the ceiling ``bench.run``'s CPU
ratios divide by (see bench/README.md on the baseline that did, until 2026-12-03).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable, Sequence

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from bench import dataset as datasets
from bench.baseline import Queries, reads_in_autocommit
from bench.processes import cpu_seconds
from domain.caller import Caller
from domain.db import make_engine, transaction
from domain.tickets import service

WARMUP_CALLS = 200


def _way(name: str, engine: Engine) -> Callable[[int], object]:
    if name == "baseline":
        queries = Queries(reads_in_autocommit(engine))
        return lambda ticket_id: queries.fetch_ticket({"ticket_id": ticket_id})
    caller = Caller(agent_id=0, email="bench@example.test", is_admin=True)

    def call(ticket_id: int) -> object:
        with (
            engine.connect() as connection,
            Session(bind=connection) as session,
            transaction(session, commit=False),
        ):
            return service.get_ticket(session=session, caller=caller, ticket_id=ticket_id)

    return call


def measure(database_url: str, name: str, calls: int) -> dict[str, float | None]:
    engine = make_engine(database_url, pool_size=1)
    call = _way(name, engine)
    try:
        with engine.connect() as connection:
            backend = None
            if engine.dialect.name == "postgresql":
                backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
            low, high = connection.execute(text("SELECT min(id), max(id) FROM ticket")).one()
        rng = random.Random(14)
        ticket_ids = [rng.randint(low, high) for _ in range(WARMUP_CALLS + calls)]
        for ticket_id in ticket_ids[:WARMUP_CALLS]:
            call(ticket_id)
        backend_before = cpu_seconds(backend) if backend else 0.0
        cpu_before, wall_before = time.thread_time(), time.perf_counter()
        for ticket_id in ticket_ids[WARMUP_CALLS:]:
            call(ticket_id)
        cpu, wall = time.thread_time() - cpu_before, time.perf_counter() - wall_before
        backend_cpu = cpu_seconds(backend) - backend_before if backend else None
    finally:
        engine.dispose()
    per_call = 1e6 / calls
    return {
        "client_us": cpu * per_call,
        "backend_us": backend_cpu * per_call if backend_cpu is not None else None,
        "wall_us": wall * per_call,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.sqlcost", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: bench.run's SQLite file at --scale")
    parser.add_argument("--scale", type=int, default=20, help="the seeded scale bench.run used")
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2, help="each way this many times, alternating")
    args = parser.parse_args(argv)
    url = args.database_url or datasets.default_database_url(args.scale)
    print(f"fetchTicket's SQL, {args.calls} calls on one connection, {url.split('://')[0]}, µs per call:")
    for round_number in range(1, args.rounds + 1):
        for name in ("baseline", "server"):
            found = measure(url, name, args.calls)
            backend = f"{found['backend_us']:6.0f}" if found["backend_us"] is not None else "     —"
            print(
                f"  round {round_number} {name:<8} client CPU {found['client_us']:6.0f}  "
                f"backend CPU {backend}  wall {found['wall_us']:6.0f}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
