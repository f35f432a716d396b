"""The identity generation moves with every committed identity write, and only then."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session

import schema  # noqa: F401 - every table, so ORM relationships resolve
from domain import freshness, migrate
from domain.db import make_engine, session_scope
from domain.freshness import LOCAL_CHANGES, READ_GENERATION, UNCHANGED_IDENTITY, Freshness
from domain.people.models import Agent
from tests.utils.databases import own_database_url
from tests.utils.factories import make_agent, make_ticket, make_workspace


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(own_database_url(tmp_path_factory.mktemp("freshness"), "freshness"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _generation(engine: Engine) -> tuple[int, int]:
    with Session(engine) as session:
        return LOCAL_CHANGES.value, int(session.execute(READ_GENERATION).scalar_one())


def test_a_committed_identity_write_moves_the_row_and_this_process(engine: Engine) -> None:
    before = _generation(engine)
    with session_scope(engine) as session:
        make_agent(session)
    after = _generation(engine)
    assert after[0] == before[0] + 1 and after[1] == before[1] + 1


def test_a_rolled_back_or_unrelated_write_moves_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        agent_id = make_agent(session).id
    before = _generation(engine)
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        session.execute(update(Agent).where(Agent.id == agent_id).values(active=False))  # type: ignore[arg-type]
        raise RuntimeError("abort")
    with session_scope(engine) as session:
        make_ticket(session, workspace=make_workspace(session))
    assert _generation(engine) == before


def test_a_write_marked_unchanged_moves_nothing(engine: Engine) -> None:
    with session_scope(engine) as session:
        agent_id = make_agent(session).id
    before = _generation(engine)
    with session_scope(engine) as session:
        statement = update(Agent).where(Agent.id == agent_id).values(job_title="x")  # type: ignore[arg-type]
        session.execute(statement, execution_options=UNCHANGED_IDENTITY)
    assert _generation(engine) == before


def test_a_core_update_in_another_process_is_seen_after_the_interval(engine: Engine) -> None:
    now = [0.0]
    reader = Freshness(interval=0.5, clock=lambda: now[0])
    with Session(engine) as session:
        first = reader.current(session)
    # Another process's write moves the row but not this process's local count.
    with engine.begin() as connection:
        connection.exec_driver_sql(freshness._BUMP_SQL)
    with Session(engine) as session:
        assert reader.current(session) == first
        now[0] = 0.5
        assert reader.current(session) == (first[0], (first[1] or 0) + 1)


def test_the_row_exists_in_a_database_made_with_create_all(tmp_path: Path) -> None:
    from schema import metadata

    scratch = make_engine(f"sqlite:///{tmp_path / 'all.db'}")
    metadata.create_all(scratch)
    with session_scope(scratch) as session:
        make_agent(session)
    assert _generation(scratch)[1] == 1
    scratch.dispose()
