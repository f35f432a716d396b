"""The audit log's services: argument summaries, filters and stable pages, retention and the
per-day counts that outlive it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlmodel import Session

from domain.audit.models import Outcome
from domain.audit.service import (
    Actor,
    ToolCallRecord,
    daily_counts,
    last_call_by_credential,
    list_entries,
    purge_expired,
    record_admin_action,
    record_call,
    record_calls,
)
from domain.audit.summary import MAX_SUMMARY, REDACTED, summarise_arguments
from domain.db import append_rows
from domain.toolswitches.models import ToolSwitch

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
TOKYO = timezone(timedelta(hours=9))


def _record(
    session: Session, *, at: datetime, email: str = "a@x.test", tool: str = "fetchTickets", **extra: object
) -> None:
    fields: dict[str, object] = {
        "at": at,
        "agent_id": 1,
        "agent_email": email,
        "credential_kind": "api_key",
        "credential": "hdk_abc",
        "tool": tool,
        "arguments": "",
        "outcome": Outcome.ok,
        "error": None,
        "duration_ms": 3,
        **extra,
    }
    record_call(session=session, call=ToolCallRecord(**fields))  # type: ignore[arg-type]


def test_summary_hides_secrets_and_cuts_long_text() -> None:
    summary = json.loads(
        summarise_arguments(
            {
                "subject": "Printer on floor 3 jams",
                "description": "x" * 5000,
                "password": "hunter2",
                "custom_fields": {"api_token": "abc", "note": "hdk_0123456789ab_SECRETSECRETSECRET"},
                "tags": list(range(25)),
            }
        )
    )
    assert summary["subject"] == "Printer on floor 3 jams"
    assert summary["description"].startswith("xxxx") and summary["description"].endswith("(5000 chars)")
    assert summary["password"] == REDACTED
    assert summary["custom_fields"] == {"api_token": REDACTED, "note": REDACTED}
    assert summary["tags"][-1] == "… 15 more" and len(summary["tags"]) == 11
    assert summarise_arguments({}) == "" and summarise_arguments(None) == ""
    wide = summarise_arguments({f"field_{i}": "y" * 79 for i in range(10)} | {"nested": [[[["deep"]]]]})
    assert len(wide) <= MAX_SUMMARY


def test_entries_filter_by_user_tool_and_time_newest_first_with_stable_pages(session: Session) -> None:
    for minute in range(7):
        _record(
            session, at=NOW + timedelta(minutes=minute), email="ann@x.test" if minute % 2 else "bob@x.test"
        )
    _record(session, at=NOW + timedelta(minutes=8), email="ann@x.test", tool="createTicket")
    first = list_entries(session=session, agent_email="ANN@x.test", per_page=2)
    assert first.total == 4 and first.next_page == 2
    assert [e.at.minute for e in first.entries] == [8, 5]
    _record(session, at=NOW + timedelta(minutes=9), email="ann@x.test")  # arrives while paging
    second = list_entries(
        session=session, agent_email="ann@x.test", upto_id=first.upto_id, page=2, per_page=2
    )
    assert [e.at.minute for e in second.entries] == [3, 1] and second.next_page is None
    tools = list_entries(session=session, tool="createTicket")
    assert [e.tool for e in tools.entries] == ["createTicket"]
    recent = list_entries(session=session, since=NOW + timedelta(minutes=6))
    assert [e.at.minute for e in recent.entries] == [9, 8, 6]


def test_purge_removes_expired_entries_and_keeps_their_daily_counts(session: Session) -> None:
    month_start = datetime(2026, 11, 1, tzinfo=UTC)
    for day, calls in ((3, 2), (10, 3), (20, 1)):
        for n in range(calls):
            _record(
                session,
                at=month_start + timedelta(days=day - 1, hours=n),
                outcome=Outcome.error if n == 0 else Outcome.ok,
                credential=f"oauth_grant:{day}",
            )
    before = daily_counts(session=session, start=month_start, end=datetime(2026, 12, 1, tzinfo=UTC))
    removed = purge_expired(session=session, now=datetime(2026, 11, 21, tzinfo=UTC), retention_days=7)
    assert removed == 5
    assert list_entries(session=session).total == 1
    after = daily_counts(session=session, start=month_start, end=datetime(2026, 12, 1, tzinfo=UTC))
    assert after == before and len(after) == 30
    by_day = {d.day: (d.calls, d.errors) for d in after}
    assert (
        by_day["2026-11-03"] == (2, 1) and by_day["2026-11-10"] == (3, 1) and by_day["2026-11-20"] == (1, 1)
    )
    assert purge_expired(session=session, now=datetime(2026, 11, 21, tzinfo=UTC), retention_days=7) == 0
    assert set(last_call_by_credential(session=session, credentials=["oauth_grant:20", "oauth_grant:3"])) == {
        "oauth_grant:20"
    }


def test_text_from_outside_with_nul_is_stored_on_every_backend(session: Session) -> None:
    """PostgreSQL's text type refuses NUL: a tool name or an error echoing one must not lose the row."""
    _record(
        session,
        at=NOW,
        email="nul@x.test",
        tool="fetch\x00Tickets",
        arguments='{"fields": {"\\u0000": 1}}',
        outcome=Outcome.error,
        error="Invalid 'fields.\x00': is not a field of this form.",
    )
    session.flush()
    [entry] = list_entries(session=session, agent_email="nul@x.test").entries
    assert entry.tool == "fetch\ufffdTickets"
    assert entry.error == "Invalid 'fields.\ufffd': is not a field of this form."


def test_a_batch_of_rows_is_stored_as_given_on_every_backend(session: Session) -> None:
    """Batches (read calls' rows) go in with COPY on PostgreSQL: what text COPY treats specially
    (tab, newline, backslash, ``\\N``, ``\\.``) arrives intact, NULL stays apart from empty text, and
    times and outcomes are converted as an INSERT converts them."""
    given = [  # seconds after NOW, agent, tool, arguments, outcome, error
        (0, None, "fetchTickets", "", Outcome.ok, None),
        (1, 4, "fetch\x00Ticket", '{"q": "tab\there\\N \\\\ line\nnext", "é": "ü"}', Outcome.error, "\\N"),
        (2, 5, "t", "\\.", Outcome.ok, ""),
    ]
    calls = [
        ToolCallRecord(
            # In Tokyo time, stored as UTC: PostgreSQL drops the offset of a time given as text.
            at=(NOW + timedelta(seconds=seconds)).astimezone(TOKYO),
            agent_id=agent_id,
            agent_email="batch@x.test",
            credential_kind="oauth",
            credential="oauth_grant:7",
            tool=tool,
            arguments=arguments,
            outcome=outcome,
            error=error,
            duration_ms=12,
        )
        for seconds, agent_id, tool, arguments, outcome, error in given
    ]
    record_calls(session=session, calls=calls)
    record_calls(session=session, calls=[])
    session.flush()
    entries = list(reversed(list_entries(session=session, agent_email="batch@x.test").entries))
    assert [(e.at, e.agent_id, e.tool, e.arguments, e.outcome, e.error) for e in entries] == [
        (NOW, None, "fetchTickets", "", Outcome.ok, None),
        (
            NOW + timedelta(seconds=1),
            4,
            "fetch\ufffdTicket",
            '{"q": "tab\there\\N \\\\ line\nnext", "é": "ü"}',
            Outcome.error,
            "\\N",
        ),
        (NOW + timedelta(seconds=2), 5, "t", "\\.", Outcome.ok, None),  # no error is no error text
    ]
    kept = {(e.credential_kind, e.credential, e.duration_ms) for e in entries}
    assert kept == {("oauth", "oauth_grant:7", 12)}


def test_identity_tables_are_not_appended_to_behind_sqlalchemys_back(session: Session) -> None:
    """``append_rows`` runs no engine events, which move the identity generation on such writes."""
    with pytest.raises(ValueError, match="identity"):
        append_rows(session.connection(), ToolSwitch.__table__, [{"tool": "fetchTicket"}])  # type: ignore[attr-defined]


def test_administrative_changes_outlive_tool_calls(session: Session) -> None:
    """The trail of who deactivated whom is kept for its own retention, not the tool calls'."""
    now = datetime(2026, 11, 21, tzinfo=UTC)
    _record(session, at=now - timedelta(days=8), email="admin-trail@x.test", tool="fetchTickets")
    for days in (30, 400):
        record_admin_action(
            session=session,
            actor=Actor(channel="cli"),
            action="agents.deactivate",
            subject=f"leaver{days}@x.test",
            at=now - timedelta(days=days),
        )
    removed = purge_expired(session=session, now=now, retention_days=7, admin_retention_days=365)
    assert removed == 2
    left = list_entries(session=session).entries
    assert [(e.tool, e.credential_kind, json.loads(e.arguments)["subject"]) for e in left] == [
        ("agents.deactivate", "cli", "leaver30@x.test")
    ]
    # Without a retention of their own, they expire with the tool calls.
    assert purge_expired(session=session, now=now, retention_days=7) == 1
