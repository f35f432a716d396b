"""The benchmark's database: created, migrated and seeded once per scale, and an API key to call it.

A SQLite file per scale lives in ``bench/.work/`` and is reused by later runs (seeding 100k
tickets takes a while); ``--reseed`` starts over. PostgreSQL databases are created when missing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine, make_url

from auth.apikeys import create_api_key
from domain import migrate
from domain.db import make_engine, session_scope
from domain.tickets.models import Ticket
from seed import is_seeded, seed_database
from seed.demo import ADMIN_EMAIL
from seed.progress import console_progress

WORK_DIR = Path(__file__).resolve().parent / ".work"


@dataclass(frozen=True, slots=True)
class Dataset:
    """What the load generator needs to know to send only requests that should succeed."""

    database_url: str
    scale: float
    admin_email: str
    tickets: int
    min_ticket_id: int
    max_ticket_id: int
    open_tickets: int

    @property
    def ids_are_contiguous(self) -> bool:
        return self.max_ticket_id - self.min_ticket_id + 1 == self.tickets


def default_database_url(scale: float) -> str:
    return f"sqlite:///{WORK_DIR / f'bench-s{scale:g}.db'}"


def ensure_postgres_database(url: str) -> None:
    """Create the database named in ``url`` if the server does not have it yet."""
    target = make_url(url)
    name = target.database
    if not name:
        raise ValueError(f"{url} names no database")
    admin = make_engine(target.set(database="postgres").render_as_string(hide_password=False), pool_size=1)
    try:
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
            ).first()
            if exists is None:
                quoted = connection.dialect.identifier_preparer.quote(name)
                connection.execute(text(f"CREATE DATABASE {quoted}"))
                print(f"created PostgreSQL database {name}")
    finally:
        admin.dispose()


def _wipe(url: str, engine: Engine) -> None:
    if url.startswith("sqlite"):
        engine.dispose()
        path = Path(make_url(url).database or "")
        for extra in ("", "-wal", "-shm"):
            Path(f"{path}{extra}").unlink(missing_ok=True)
        return
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))


def prepare(database_url: str, *, scale: float, reseed: bool = False) -> Dataset:
    """Migrate and (if empty) seed the database; describe what is in it."""
    if database_url.startswith("sqlite"):
        WORK_DIR.mkdir(parents=True, exist_ok=True)
    else:
        ensure_postgres_database(database_url)
    engine = make_engine(database_url)
    try:
        if reseed:
            _wipe(database_url, engine)
            engine = make_engine(database_url)
        migrate.upgrade(engine)
        if not is_seeded(engine):
            print(f"seeding {_redacted(database_url)} at scale {scale:g} …", flush=True)
            started = time.perf_counter()
            with console_progress(Console(stderr=True)) as progress:
                seed_database(engine, scale=scale, progress=progress)
            print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
        if not database_url.startswith("sqlite"):
            _vacuum(engine)
        return _describe(engine, database_url, scale)
    finally:
        engine.dispose()


def _vacuum(engine: Engine) -> None:
    """Bring PostgreSQL to the steady state autovacuum keeps a live database in.

    Right after a bulk load the visibility map is empty, so counts cannot use index-only scans
    and the planner has no statistics: the first runs would measure a database nobody serves.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def _describe(engine: Engine, url: str, scale: float) -> Dataset:
    ticket: Any = Ticket.__table__  # type: ignore[attr-defined]
    with engine.connect() as connection:
        count, low, high = connection.execute(
            select(func.count(), func.min(ticket.c.id), func.max(ticket.c.id))
        ).one()
        open_count = connection.execute(
            select(func.count()).select_from(ticket).where(ticket.c.status == "open")
        ).scalar_one()
    return Dataset(
        database_url=url,
        scale=scale,
        admin_email=ADMIN_EMAIL,
        tickets=count,
        min_ticket_id=low or 0,
        max_ticket_id=high or 0,
        open_tickets=open_count,
    )


def create_bench_key(database_url: str, email: str) -> str:
    """A fresh API key (both scopes) for ``email``; the server authenticates every request with it."""
    engine = make_engine(database_url)
    try:
        with session_scope(engine) as session:
            _, key = create_api_key(session, email=email, name="bench")
        return key
    finally:
        engine.dispose()


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
