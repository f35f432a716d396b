"""Audit rows off the request path: reads in batches, a write's row in the write's transaction.

The server runs with its default batching (``HELPDESK_AUDIT_BATCH_MILLISECONDS`` 250; the rest of
the suite writes each row as its call ends).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from domain import migrate
from domain.audit.models import AuditEntry, Outcome
from domain.audit.service import ToolCallRecord
from domain.db import make_engine
from domain.tickets.models import Ticket
from domain.types import utcnow
from server.app import create_app
from server.audit_buffer import AuditBuffer
from server.settings import load_settings
from tests.utils.databases import own_database_url
from tests.utils.live import free_port, live_server
from tests.utils.processes import server_processes
from tests.utils.quotas import READ_TOOL, WRITE_TOOL, Account, call, make_account, post, read_call

BATCHED = {"audit_batch_milliseconds": 250, "quota_per_minute": 0, "quota_per_month": 0}


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_engine(own_database_url(tmp_path_factory.mktemp("audit"), "audit_batches"))
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _rows(engine: Engine, email: str, tool: str) -> list[AuditEntry]:
    with Session(engine) as session:
        statement = select(AuditEntry).where(AuditEntry.agent_email == email, AuditEntry.tool == tool)
        return list(session.exec(statement.order_by(col(AuditEntry.id))))


def _tickets(engine: Engine, subject: str) -> int:
    with Session(engine) as session:
        return session.exec(select(func.count()).select_from(Ticket).where(Ticket.subject == subject)).one()


def _create(account: Account, subject: str, workspace_id: int | None = None) -> dict[str, object]:
    return call(
        1,
        WRITE_TOOL,
        subject=subject,
        email="batches@example.test",
        workspace_id=workspace_id or account.workspace_id,
    )


@pytest.fixture
def server(engine: Engine) -> Iterator[str]:
    port = free_port()
    url = engine.url.render_as_string(hide_password=False)
    settings = load_settings(database_url=url, base_url=f"http://127.0.0.1:{port}", **BATCHED)
    with live_server(create_app(settings, engine=engine), port) as base:
        yield base


def test_a_write_commits_with_its_audit_row_before_it_answers(engine: Engine, server: str) -> None:
    account = make_account(engine)
    response = post(server, account.key, _create(account, "audited with its write"))
    assert response.status_code == 200 and not response.json()["result"].get("isError")
    # No flush has to happen: the row is part of the write's transaction (whose atomicity
    # tests/admin/test_switches_and_audit.py checks).
    assert [row.outcome for row in _rows(engine, account.email, WRITE_TOOL)] == [Outcome.ok]
    assert _tickets(engine, "audited with its write") == 1


def test_reads_and_failed_writes_are_written_by_the_batch_by_shutdown(engine: Engine) -> None:
    account = make_account(engine)
    port = free_port()
    url = engine.url.render_as_string(hide_password=False)
    settings = load_settings(database_url=url, base_url=f"http://127.0.0.1:{port}", **BATCHED)
    with live_server(create_app(settings, engine=engine), port) as base:
        for number in range(5):
            assert post(base, account.key, read_call(number)).status_code == 200
        refused = post(base, account.key, _create(account, "in no workspace", workspace_id=10**9))
        assert refused.json()["result"]["isError"]
    reads = _rows(engine, account.email, READ_TOOL)
    assert [row.outcome for row in reads] == [Outcome.ok] * 5
    assert [row.outcome for row in _rows(engine, account.email, WRITE_TOOL)] == [Outcome.error]


def test_sigterm_writes_the_last_batch_of_a_server_process(engine: Engine, tmp_path: Path) -> None:
    account = make_account(engine)
    env = {
        "HELPDESK_DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "HELPDESK_AUDIT_BATCH_MILLISECONDS": "250",
    }
    with server_processes("server.asgi:create", env, tmp_path, workers=(1,)) as urls:
        for number in range(20):
            assert post(urls[0], account.key, read_call(number)).status_code == 200
    # Stopped with SIGTERM: every answered call has its row, whether or not a batch was due.
    assert len(_rows(engine, account.email, READ_TOOL)) == 20


def test_a_failed_flush_keeps_its_rows_for_the_next(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = AuditBuffer(engine, interval=0.25)
    record = ToolCallRecord(
        at=utcnow(),
        agent_id=None,
        agent_email="buffer@example.test",
        credential_kind="none",
        credential="",
        tool="bufferTest",
        arguments="{}",
        outcome=Outcome.ok,
        error=None,
        duration_ms=1,
    )
    buffer.add(record)
    assert _rows(engine, "buffer@example.test", "bufferTest") == []
    import server.audit_buffer as module

    def broken(**_: object) -> None:
        raise RuntimeError("database unreachable")

    with monkeypatch.context() as patch:
        patch.setattr(module, "record_calls", broken)
        assert buffer.flush() == 0
    buffer.add(record)
    assert buffer.flush() == 2
    assert len(_rows(engine, "buffer@example.test", "bufferTest")) == 2
