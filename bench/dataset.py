"""The benchmark's database: created, migrated and seeded once per scale, and an API key to call it.

A SQLite file per scale lives in ``bench/.work/`` and is reused by later runs (seeding 100k
tickets takes a while); ``--reseed`` starts over. PostgreSQL databases are created when missing.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine, make_url

from auth.apikeys import create_api_key
from bench import mini_seed
from domain import migrate
from domain.db import make_engine, session_scope
from domain.tickets.models import Ticket

WORK_DIR = Path(__file__).resolve().parent / ".work"


@dataclass(frozen=True, slots=True)
class Dataset:
    """What the load generator needs to know to send only requests that should succeed."""

    database_url: str
    scale: float
    seeded_by: str
    admin_email: str
    tickets: int
    min_ticket_id: int
    max_ticket_id: int
    open_tickets: int

    @property
    def ids_are_contiguous(self) -> bool:
        return self.max_ticket_id - self.min_ticket_id + 1 == self.tickets


@dataclass(frozen=True, slots=True)
class Seeder:
    name: str
    admin_email: str
    is_seeded: Callable[[Engine], bool]
    seed: Callable[[Engine, float], object]


def choose_seeder() -> Seeder:
    """The project's seed when it is on this branch, else the bench's minimal stand-in."""
    module: Any = importlib.import_module("seed")
    seed_database = getattr(module, "seed_database", None)
    is_seeded = getattr(module, "is_seeded", None)
    if seed_database is not None and is_seeded is not None:
        demo: Any = importlib.import_module("seed.demo")
        return Seeder(
            name="seed",
            admin_email=demo.ADMIN_EMAIL,
            is_seeded=is_seeded,
            seed=lambda engine, scale: seed_database(engine, scale=scale),
        )
    return Seeder(
        name="bench.mini_seed",
        admin_email=mini_seed.ADMIN_EMAIL,
        is_seeded=mini_seed.is_seeded,
        seed=lambda engine, scale: mini_seed.seed_minimal(engine, scale=scale),
    )


def default_database_url(scale: float, seeder: Seeder) -> str:
    suffix = "" if seeder.name == "seed" else "-mini"
    return f"sqlite:///{WORK_DIR / f'bench-s{scale:g}{suffix}.db'}"


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


def prepare(database_url: str, *, scale: float, seeder: Seeder, reseed: bool = False) -> Dataset:
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
        if not seeder.is_seeded(engine):
            print(f"seeding {_redacted(database_url)} at scale {scale:g} with {seeder.name} …", flush=True)
            started = time.perf_counter()
            seeder.seed(engine, scale)
            print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
        if not database_url.startswith("sqlite"):
            _vacuum(engine)
        return _describe(engine, database_url, scale, seeder)
    finally:
        engine.dispose()


def _vacuum(engine: Engine) -> None:
    """Bring PostgreSQL to the steady state autovacuum keeps a live database in.

    Right after a bulk load the visibility map is empty, so counts cannot use index-only scans
    and the planner has no statistics: the first runs would measure a database nobody serves.
    """
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))


def _describe(engine: Engine, url: str, scale: float, seeder: Seeder) -> Dataset:
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
        seeded_by=seeder.name,
        admin_email=seeder.admin_email,
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
