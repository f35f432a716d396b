"""Shared fixtures: one database per test session, SQLite unless HELPDESK_TEST_DATABASE_URL is set.

Domain tests get a ``session`` whose work is rolled back at the end of the test (services only
flush; the edges commit), so tests never see each other's rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

import schema  # noqa: F401 - every table, so the ORM resolves foreign keys when one module runs alone
from domain import migrate
from domain.db import make_engine

# The product's default quotas (100 calls a minute) and sign-in limits (10 per account per 15
# minutes) would refuse the later calls of suites that make hundreds: tests run without them
# (calls are still counted) unless they set limits themselves.
os.environ.setdefault("HELPDESK_QUOTA_PER_MINUTE", "0")
os.environ.setdefault("HELPDESK_QUOTA_PER_MONTH", "0")
for limit in (
    "LOGIN_RATE_LIMIT_PER_ACCOUNT",
    "LOGIN_RATE_LIMIT_PER_ACCOUNT_IP",
    "LOGIN_RATE_LIMIT_PER_IP",
    "REGISTRATION_RATE_LIMIT_PER_IP",
):
    os.environ.setdefault(f"HELPDESK_{limit}", "")
os.environ.setdefault("HELPDESK_TOKEN_RATE_LIMIT_PER_CLIENT", "")
# Tests read the audit log right after a call: each row is written as its call ends unless a
# test measures the batching itself (tests/server/test_audit_batches.py).
os.environ.setdefault("HELPDESK_AUDIT_BATCH_MILLISECONDS", "0")

# Fuzz tests explore new inputs on developers' machines; in CI they replay the same examples,
# so a run's verdict does not depend on luck.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


def _reset_postgres(url: str) -> None:
    engine = make_engine(url, pool_size=1)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("HELPDESK_TEST_DATABASE_URL")
    if url:
        _reset_postgres(url)
        return url
    path: Path = tmp_path_factory.mktemp("db") / "test.db"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The test Redis (HELPDESK_TEST_REDIS_URL), emptied once per session; skips the test without it."""
    url = os.environ.get("HELPDESK_TEST_REDIS_URL")
    if not url:
        pytest.skip("HELPDESK_TEST_REDIS_URL is not set")
    import redis

    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()
    return url


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """The run leaves no database behind: those made by ``own_database_url`` are dropped."""
    from tests.utils.databases import drop_own_databases

    drop_own_databases()
