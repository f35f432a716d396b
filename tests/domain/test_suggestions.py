"""Suggestions for completions: prefix rules, literal matching, bounds and workspace visibility."""

from __future__ import annotations

from sqlmodel import Session

from domain import suggestions
from tests.utils.factories import make_ticket
from tests.utils.kb_factories import (
    kb_article,
    kb_caller,
    kb_catalog_category,
    kb_catalog_item,
    kb_solution_category,
    kb_solution_folder,
    kb_workspace,
)


def test_ticket_ids_match_their_decimal_prefix_in_the_callers_workspaces(session: Session) -> None:
    mine, theirs = kb_workspace(session), kb_workspace(session)
    caller = kb_caller(session, mine)
    for ticket_id in (7_000_012, 7_000_120, 7_000_129, 7_001_200):
        make_ticket(session, workspace=mine, id=ticket_id)
    make_ticket(session, workspace=theirs, id=7_000_121)
    found = suggestions.ticket_ids(session=session, caller=caller, typed="700012")
    assert found.values == ["7000120", "7000129"] and found.total == 2
    assert suggestions.ticket_ids(session=session, caller=caller, typed="7000012").values == ["7000012"]
    newest_first = suggestions.ticket_ids(session=session, caller=caller, typed="", limit=2)
    assert newest_first.values == ["7001200", "7000129"] and newest_first.has_more
    for odd in ("012", "7x", "%", "1" * 300):
        assert suggestions.ticket_ids(session=session, caller=caller, typed=odd).values == []


def test_names_and_titles_match_literally_prefix_first_and_only_where_visible(session: Session) -> None:
    mine, theirs = kb_workspace(session), kb_workspace(session)
    caller = kb_caller(session, mine)
    category = kb_catalog_category(session, mine)
    for name in ("Standing desk 50%_off", "Desk lamp", "Ergonomic desk"):
        kb_catalog_item(session, category, name)
    kb_catalog_item(session, category, "Desk phone (retired)", active=False)
    kb_catalog_item(session, kb_catalog_category(session, theirs), "Desk fan")
    names = suggestions.catalog_item_names(session=session, caller=caller, typed="DESK")
    assert names.values == ["Desk lamp", "Ergonomic desk", "Standing desk 50%_off"]
    assert suggestions.catalog_item_names(session=session, caller=caller, typed="50%_").values == [
        "Standing desk 50%_off"
    ]
    assert suggestions.catalog_item_names(session=session, caller=caller, typed="5_%").values == []
    folder = kb_solution_folder(session, kb_solution_category(session, mine))
    kb_article(session, folder, "Reset a forgotten password")
    kb_article(session, kb_solution_folder(session, kb_solution_category(session, theirs)), "Password policy")
    titles = suggestions.article_titles(session=session, caller=caller, typed="password")
    assert titles.values == ["Reset a forgotten password"] and titles.total == 1


def test_long_id_prefixes_stay_within_the_integer_column(session: Session) -> None:
    caller = kb_caller(session, kb_workspace(session))
    for typed in ("21474", "2147483647", "3000000000", "99999999999"):
        assert suggestions.ticket_ids(session=session, caller=caller, typed=typed).values == []
