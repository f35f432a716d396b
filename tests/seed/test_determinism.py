"""Same options, same content: testers can write ids, emails and timestamps down."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

from domain import migrate
from domain.db import make_engine
from domain.people.models import Agent
from domain.tickets.models import Ticket
from seed import SeedError, is_seeded, seed_database
from seed.load import INDEXES
from tests.seed.conftest import MakeDatabase
from tests.utils.dump import canonical_dump

SMALL = 0.1
REPO_ROOT = Path(__file__).resolve().parents[2]


def test_two_fresh_databases_get_identical_content(make_database: MakeDatabase) -> None:
    first, second = make_database("first"), make_database("second")

    summary = seed_database(first, scale=SMALL)
    seed_database(second, scale=SMALL)

    one, two = canonical_dump(first), canonical_dump(second)
    assert one == two
    assert all(one[table] for table in summary.counts), "every seeded table has rows"
    assert '"password_hash": "$argon2id$' in one["agent"][0]


def test_sqlite_and_the_test_backend_get_identical_content(
    make_database: MakeDatabase, tmp_path: Path
) -> None:
    backend = make_database("backend")
    sqlite = make_engine(f"sqlite:///{tmp_path / 'reference.db'}")
    migrate.upgrade(sqlite)

    seed_database(backend, scale=SMALL)
    seed_database(sqlite, scale=SMALL)

    try:
        assert canonical_dump(backend) == canonical_dump(sqlite)
    finally:
        sqlite.dispose()


def test_reset_replaces_the_content_with_the_same_dataset(make_database: MakeDatabase) -> None:
    engine = make_database("reset")
    seed_database(engine, scale=SMALL)
    before = canonical_dump(engine)

    seed_database(engine, scale=SMALL, reset=True)

    assert canonical_dump(engine) == before


def test_a_different_scale_gives_different_content(make_database: MakeDatabase) -> None:
    engine = make_database("scales")
    seed_database(engine, scale=SMALL)
    small = canonical_dump(engine)

    seed_database(engine, scale=SMALL * 2, reset=True)

    assert len(canonical_dump(engine)["ticket"]) == 2 * len(small["ticket"])


def test_seeding_a_database_that_holds_data_is_refused(make_database: MakeDatabase) -> None:
    engine = make_database("refuse")
    assert not is_seeded(engine)
    seed_database(engine, scale=SMALL)
    assert is_seeded(engine)
    before = canonical_dump(engine)

    try:
        seed_database(engine, scale=SMALL)
    except SeedError as error:
        assert "reset" in str(error)
    else:
        raise AssertionError("a second seed without reset must be refused")
    assert canonical_dump(engine) == before


def test_reset_also_clears_rows_that_point_at_the_seeded_people(make_database: MakeDatabase) -> None:
    engine = make_database("dependents")
    seed_database(engine, scale=SMALL)
    # A table outside the domain that refers to agents, as API keys or OAuth grants will.
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE key_probe (id INTEGER PRIMARY KEY, agent_id INTEGER REFERENCES agent(id))")
        )
        connection.execute(text("INSERT INTO key_probe (id, agent_id) VALUES (1, 1)"))

    seed_database(engine, scale=SMALL, reset=True)

    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM key_probe")).scalar() == 0


def test_seeding_an_unmigrated_database_says_to_migrate_first(make_database: MakeDatabase) -> None:
    engine = make_database("unmigrated", migrated=False)

    try:
        seed_database(engine, scale=SMALL)
    except SeedError as error:
        assert "migrat" in str(error)
    else:
        raise AssertionError("seeding without the schema must be refused")


def test_new_rows_after_seeding_get_fresh_ids(make_database: MakeDatabase) -> None:
    engine = make_database("sequences")
    summary = seed_database(engine, scale=SMALL)

    with Session(engine) as session:
        template = session.exec(select(Ticket).where(Ticket.id == 1)).one()
        ticket = Ticket.model_validate(template.model_dump(exclude={"id"}))
        session.add(ticket)
        session.commit()
        assert ticket.id == summary.counts["ticket"] + 1


def test_progress_reports_every_table_up_to_its_total(make_database: MakeDatabase) -> None:
    engine = make_database("progress")
    reports: list[tuple[str, int, int]] = []

    summary = seed_database(engine, scale=SMALL, progress=lambda *report: reports.append(report))

    last = {table: (done, total) for table, done, total in reports}
    assert last["ticket"] == (summary.counts["ticket"], summary.counts["ticket"])
    assert last["asset"] == (summary.counts["asset"], summary.counts["asset"])
    assert set(last) == set(summary.counts) - {"ticket_note"} | {INDEXES}
    assert last[INDEXES][0] == last[INDEXES][1] > 0  # the deferred indexes, all built again


def test_scale_must_be_positive(make_database: MakeDatabase) -> None:
    engine = make_database("bad_scale")
    for scale in (0, -1, float("nan")):
        try:
            seed_database(engine, scale=scale)
        except ValueError as error:
            assert "scale" in str(error)
        else:
            raise AssertionError(f"scale {scale} must be refused")


_SEED_IN_A_PROCESS = """
import sys
from domain import migrate
from domain.db import make_engine
from seed import seed_database
engine = make_engine("sqlite:///" + sys.argv[1])
migrate.upgrade(engine)
seed_database(engine, scale=0.02)
"""


def test_processes_with_different_hash_seeds_seed_identical_content(tmp_path: Path) -> None:
    """Nothing in the seed may depend on Python's per-process ``hash()`` randomisation."""
    engines = []
    for hash_seed in ("1", "2"):
        path = tmp_path / f"hash-{hash_seed}.db"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        subprocess.run(
            [sys.executable, "-c", _SEED_IN_A_PROCESS, str(path)],
            env=env,
            cwd=REPO_ROOT,
            check=True,
            timeout=300,
        )
        engines.append(make_engine(f"sqlite:///{path}"))
    try:
        first, second = (canonical_dump(engine) for engine in engines)
        assert first == second
        # Values testers write down: they change only when the dataset is meant to change.
        with Session(engines[0]) as session:
            ticket = session.get(Ticket, 1)
            assert ticket is not None
            assert ticket.subject == "Internal sites slow over VPN"
            assert ticket.created_at == datetime(2026, 1, 5, 17, 38, 55, tzinfo=UTC)
            assert ticket.updated_at == datetime(2026, 1, 8, 11, 54, 32, tzinfo=UTC)
            agent = session.get(Agent, 2)
            assert agent is not None and agent.email == "agent@helpdesk.test"
    finally:
        for engine in engines:
            engine.dispose()
