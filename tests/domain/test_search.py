"""Relevance search over articles and catalog items, on whichever database the tests run against."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from domain import migrate
from domain.caller import Caller
from domain.catalog.service import search_catalog_items
from domain.db import make_engine
from domain.errors import InvalidField
from domain.search import include_name, search_words
from domain.solutions.models import ArticleStatus, SolutionArticle, SolutionArticleUpdate
from domain.solutions.service import search_solution_articles, update_solution_article
from schema import metadata
from tests.utils.kb_factories import (
    kb_article,
    kb_caller,
    kb_catalog_category,
    kb_catalog_item,
    kb_solution_category,
    kb_solution_folder,
    kb_workspace,
)

ARTICLES = [
    (
        "Reset your password",
        "Forgot your password? Open the self-service portal and choose Forgot password. A reset link "
        "is emailed to you and is valid for one hour.",
        ["password", "account"],
    ),
    (
        "Connect to the VPN from home",
        "Install the GlobalProtect client, sign in with your company account and choose the nearest "
        "gateway. Remote access needs multi-factor authentication.",
        ["vpn", "remote"],
    ),
    (
        "Set up multi-factor authentication",
        "Register the authenticator app on your phone, then approve the sign-in prompt each time you log in.",
        ["mfa", "security"],
    ),
    (
        "Printer shows offline",
        "If the office printer appears offline, check its network cable, then restart the print spooler "
        "service on your computer.",
        ["printer"],
    ),
    (
        "Request a new laptop",
        "Laptops are refreshed every four years. Order a replacement from the service catalog; "
        "your manager approves it.",
        ["hardware"],
    ),
    (
        "Outlook keeps asking for my password",
        "After a password change Outlook may prompt again and again. Remove the cached credentials in "
        "Credential Manager and restart Outlook.",
        ["outlook", "email"],
    ),
    (
        "Share a mailbox with your team",
        "Ask for a shared mailbox in Exchange, then add members; they will see it in Outlook within an hour.",
        ["email"],
    ),
    (
        "Wi-Fi connection drops in meeting rooms",
        "Forget the network and reconnect; if the wireless signal is weak, report the access point to IT.",
        ["wifi", "network"],
    ),
    (
        "Install approved software from the Company Portal",
        "Open Company Portal, search for the application and choose Install. "
        "Unlisted software needs approval.",
        ["software"],
    ),
    (
        "Unlock your account after too many sign-in attempts",
        "Your account is locked out for 15 minutes after five failed attempts. Wait, or reset your password.",
        ["account"],
    ),
    (
        "Book a meeting room",
        "Use the room finder in your calendar to book a meeting room with a display.",
        [],
    ),
    (
        "Working from home checklist",
        "Before working from home, check that you can sign in to the VPN, that your printer at home is "
        "set up and that your laptop charger is packed. Working hours stay the same.",
        ["remote"],
    ),
    (
        "Submit an expense report",
        "Attach receipts in the expenses app and submit before the end of the month.",
        [],
    ),
]

HOSTILE = [
    '"',
    "'",
    "*",
    "AND",
    "OR",
    "NOT",
    "NEAR(",
    "NEAR(password reset, 2)",
    "password AND NOT reset",
    "-",
    "-password",
    ":",
    "title:password",
    "()",
    "(password",
    "^password",
    'password"',
    "pass*word*",
    "\\",
    "%_%",
    "\x00",
    "'; DROP TABLE solution_article; --",
    "{}[]<>@#$&|!~`",
    "😀",
    "🔑 password 🔑",
    "日本語のパスワード",
    "straße café naïve",
    "a" * 1000,
    ('password (reset) "vpn" OR NEAR/3 * - : ' * 30)[:1000],
    " ".join(f"word{i}" for i in range(300)),
]


@pytest.fixture
def kb(session: Session) -> tuple[Caller, dict[str, SolutionArticle]]:
    workspace = kb_workspace(session)
    folder = kb_solution_folder(session, kb_solution_category(session, workspace))
    articles = {title: kb_article(session, folder, title, body, tags=tags) for title, body, tags in ARTICLES}
    return kb_caller(session, workspace), articles


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("password reset", "Reset your password"),
        ("how do I reset my password?", "Reset your password"),
        ("reset passw", "Reset your password"),
        ("vpn", "Connect to the VPN from home"),
        ("VPN not connecting from home", "Connect to the VPN from home"),
        ("printer offline", "Printer shows offline"),
        ("printers", "Printer shows offline"),
        ("printer not working", "Printer shows offline"),
        ("vpn from home not working", "Connect to the VPN from home"),
        ("outlook password prompt", "Outlook keeps asking for my password"),
        ("multi factor authentication", "Set up multi-factor authentication"),
        ("mfa", "Set up multi-factor authentication"),
        ("authenticator app on my phone", "Set up multi-factor authentication"),
        ("wifi", "Wi-Fi connection drops in meeting rooms"),
        ("account locked out", "Unlock your account after too many sign-in attempts"),
        ("install software", "Install approved software from the Company Portal"),
        ("new laptop", "Request a new laptop"),
        ("shared mailbox", "Share a mailbox with your team"),
        ("book meeting room", "Book a meeting room"),
        ("expenses", "Submit an expense report"),
    ],
)
def test_search_puts_the_obviously_right_article_first(
    session: Session, kb: tuple[Caller, dict[str, SolutionArticle]], query: str, expected: str
) -> None:
    caller, _ = kb
    result = search_solution_articles(session=session, caller=caller, search_term=query)
    assert result.articles, query
    assert result.articles[0].title == expected, [a.title for a in result.articles]


def test_search_ranks_articles_matching_every_word_above_partial_matches(
    session: Session, kb: tuple[Caller, dict[str, SolutionArticle]]
) -> None:
    caller, _ = kb
    titles = [
        a.title
        for a in search_solution_articles(
            session=session, caller=caller, search_term="outlook password"
        ).articles
    ]
    assert titles[0] == "Outlook keeps asking for my password"
    assert set(titles[1:]) >= {"Reset your password", "Share a mailbox with your team"}


def test_search_results_carry_status_and_an_excerpt(
    session: Session, kb: tuple[Caller, dict[str, SolutionArticle]]
) -> None:
    caller, _ = kb
    hit = search_solution_articles(session=session, caller=caller, search_term="printer").articles[0]
    assert hit.status == "published"
    assert hit.excerpt.startswith("If the office printer appears offline")


def test_search_pages_walk_every_match_once(
    session: Session, kb: tuple[Caller, dict[str, SolutionArticle]]
) -> None:
    caller, _ = kb
    first = search_solution_articles(
        session=session, caller=caller, search_term="password account", per_page=2
    )
    assert first.total >= 3 and first.next_page == 2
    seen = [a.id for a in first.articles]
    page: int | None = first.next_page
    while page is not None:
        more = search_solution_articles(
            session=session, caller=caller, search_term="password account", page=page, per_page=2
        )
        seen += [a.id for a in more.articles]
        page = more.next_page
    assert len(seen) == len(set(seen)) == first.total


@pytest.mark.parametrize("query", HOSTILE)
def test_search_tolerates_any_text(
    session: Session, kb: tuple[Caller, dict[str, SolutionArticle]], query: str
) -> None:
    caller, _ = kb
    result = search_solution_articles(session=session, caller=caller, search_term=query)
    assert result.total == len(result.articles) or result.next_page is not None
    items = search_catalog_items(session=session, caller=caller, search_term=query)
    assert items.total == 0


@pytest.mark.parametrize("query", ["", " ", "\n\t  "])
def test_empty_search_is_an_invalid_search_term(
    session: Session, kb: tuple[Caller, dict[str, SolutionArticle]], query: str
) -> None:
    caller, _ = kb
    with pytest.raises(InvalidField) as error:
        search_solution_articles(session=session, caller=caller, search_term=query)
    assert error.value.field == "search_term"
    with pytest.raises(InvalidField):
        search_catalog_items(session=session, caller=caller, search_term=query)


def test_search_words_are_plain_words_without_syntax() -> None:
    assert search_words('NEAR("password" reset) AND -vpn*:') == ["near", "password", "reset", "vpn"]
    assert search_words("how do I reset my password") == ["reset", "password"]
    assert search_words("the") == ["the"]
    assert search_words("😀") == []


def test_search_sees_new_and_changed_articles_and_forgets_old_text(
    session: Session, kb: tuple[Caller, dict[str, SolutionArticle]]
) -> None:
    caller, articles = kb
    article = articles["Book a meeting room"]
    assert article.id is not None
    update_solution_article(
        session=session,
        caller=caller,
        article_id=article.id,
        changes=SolutionArticleUpdate(title="Reserve a conference space", body="Use the room finder."),
    )
    assert [
        a.id
        for a in search_solution_articles(session=session, caller=caller, search_term="conference").articles
    ] == [article.id]
    book = search_solution_articles(session=session, caller=caller, search_term="book")
    assert article.id not in [a.id for a in book.articles]
    session.delete(session.get(SolutionArticle, article.id))
    session.flush()
    assert search_solution_articles(session=session, caller=caller, search_term="conference").total == 0


def test_agents_search_only_their_workspaces_and_see_drafts(session: Session) -> None:
    mine, theirs = kb_workspace(session), kb_workspace(session)
    my_folder = kb_solution_folder(session, kb_solution_category(session, mine))
    their_folder = kb_solution_folder(session, kb_solution_category(session, theirs))
    draft = kb_article(session, my_folder, "Printer jam on floor two", status=ArticleStatus.draft)
    kb_article(session, their_folder, "Printer jam in the warehouse")
    agent = kb_caller(session, mine)
    admin = kb_caller(session, admin=True)

    hits = search_solution_articles(session=session, caller=agent, search_term="printer jam").articles
    assert [(a.id, a.status) for a in hits] == [(draft.id, "draft")]
    assert search_solution_articles(session=session, caller=admin, search_term="printer jam").total == 2
    assert search_solution_articles(session=session, caller=agent, search_term="warehouse").total == 0
    published = search_solution_articles(
        session=session, caller=agent, search_term="printer", status="published"
    )
    assert published.total == 0


def test_catalog_search_ranks_by_name_first_and_skips_retired_items(session: Session) -> None:
    workspace = kb_workspace(session)
    category = kb_catalog_category(session, workspace, "Hardware")
    laptop = kb_catalog_item(
        session, category, "Standard laptop", short_description="14-inch business laptop"
    )
    kb_catalog_item(
        session, category, "Laptop bag", short_description="A padded bag", description="Fits any laptop."
    )
    kb_catalog_item(session, category, "Docking station", description="Connects a laptop to two monitors.")
    monitor = kb_catalog_item(session, category, "27-inch monitor", short_description="A second screen")
    kb_catalog_item(session, category, "Old laptop", active=False)
    acrobat = kb_catalog_item(
        session, category, "Adobe Acrobat Pro licence", description="Edit and sign PDFs."
    )
    caller = kb_caller(session, workspace)

    laptops = search_catalog_items(session=session, caller=caller, search_term="business laptop")
    assert laptops.items[0].id == laptop.id
    assert "Old laptop" not in [item.name for item in laptops.items]
    assert laptops.total == 3
    assert (
        search_catalog_items(session=session, caller=caller, search_term="monitor screen").items[0].id
        == monitor.id
    )
    assert search_catalog_items(session=session, caller=caller, search_term="pdf").items[0].id == acrobat.id
    outsider = kb_caller(session, kb_workspace(session))
    assert search_catalog_items(session=session, caller=outsider, search_term="laptop").total == 0


def test_autogenerate_ignores_the_search_objects(engine: Engine) -> None:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"include_name": include_name, "compare_type": True}
        )
        assert compare_metadata(context, metadata) == []


def _migrate(connection: Connection, direction: str, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(migrate.MIGRATIONS))
    config.attributes["connection"] = connection
    getattr(command, direction)(config, revision)


def _index_existing_rows_then_search(connection: Connection) -> None:
    """Below the search revision (0004), add an article; at head, search must find it."""
    _migrate(connection, "downgrade", "0003")
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    folder = kb_solution_folder(session, kb_solution_category(session, kb_workspace(session)))
    kb_article(session, folder, "Legacy printer driver", "Written before search existed.")
    session.commit()  # releases the savepoint; the outer transaction decides what lasts
    session.close()
    _migrate(connection, "upgrade", "head")
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    admin = Caller(agent_id=0, email="admin@example.test", is_admin=True)
    hits = search_solution_articles(session=session, caller=admin, search_term="legacy printer")
    assert [a.title for a in hits.articles] == ["Legacy printer driver"]
    session.close()


def test_the_search_migration_indexes_rows_that_existed_before_it(engine: Engine, tmp_path: Path) -> None:
    if engine.dialect.name == "postgresql":
        # PostgreSQL DDL is transactional: run the round trip inside a transaction, then undo it.
        with engine.connect() as connection:
            transaction = connection.begin()
            _index_existing_rows_then_search(connection)
            transaction.rollback()
        return
    # SQLite commits DDL as it goes, so the round trip gets a database of its own.
    scratch = make_engine(f"sqlite:///{tmp_path / 'migrations.db'}")
    migrate.upgrade(scratch)
    with scratch.begin() as connection:
        _index_existing_rows_then_search(connection)
    scratch.dispose()
