"""The knowledge base: categories, folders and articles, and who sees them."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from domain.caller import Caller
from domain.errors import Conflict, InvalidField, NotFound
from domain.solutions.models import (
    ArticleStatus,
    SolutionArticleCreate,
    SolutionArticleUpdate,
    SolutionFolder,
    SolutionFolderCreate,
)
from domain.solutions.service import (
    create_solution_article,
    create_solution_folder,
    get_solution_article,
    get_solution_category,
    get_solution_folder,
    list_solution_articles,
    list_solution_categories,
    list_solution_folders,
    update_solution_article,
)
from domain.types import utcnow
from domain.workspaces.models import Workspace
from tests.utils.kb_factories import (
    kb_article,
    kb_caller,
    kb_solution_category,
    kb_solution_folder,
    kb_workspace,
)


@pytest.fixture
def workspaces(session: Session) -> tuple[Workspace, Workspace]:
    return kb_workspace(session), kb_workspace(session)


@pytest.fixture
def folder(session: Session, workspaces: tuple[Workspace, Workspace]) -> SolutionFolder:
    return kb_solution_folder(session, kb_solution_category(session, workspaces[0], "Accounts"), "Passwords")


@pytest.fixture
def author(session: Session, workspaces: tuple[Workspace, Workspace]) -> Caller:
    return kb_caller(session, *workspaces)


def test_categories_and_folders_are_listed_by_id_within_the_callers_workspaces(session: Session) -> None:
    mine, theirs = kb_workspace(session), kb_workspace(session)
    first, second = kb_solution_category(session, mine), kb_solution_category(session, mine)
    foreign = kb_solution_category(session, theirs)
    folders = [kb_solution_folder(session, first) for _ in range(3)]
    kb_solution_folder(session, second)
    caller = kb_caller(session, mine)

    categories = list_solution_categories(session=session, caller=caller)
    assert [c.id for c in categories.categories] == [first.id, second.id]
    assert first.id is not None and foreign.id is not None
    assert get_solution_category(session=session, caller=caller, category_id=first.id).name == first.name
    with pytest.raises(NotFound):
        get_solution_category(session=session, caller=caller, category_id=foreign.id)
    with pytest.raises(NotFound):
        list_solution_folders(session=session, caller=caller, category_id=foreign.id)

    page = list_solution_folders(session=session, caller=caller, category_id=first.id, per_page=2)
    assert [f.id for f in page.folders] == [f.id for f in folders[:2]] and page.next_page == 2
    assert folders[0].id is not None
    assert (
        get_solution_folder(session=session, caller=caller, folder_id=folders[0].id).category_id == first.id
    )
    admin = kb_caller(session, admin=True)
    assert list_solution_categories(session=session, caller=admin).total >= 3


def test_a_new_folder_takes_its_categorys_workspace_and_a_unique_name(session: Session) -> None:
    workspace = kb_workspace(session)
    category = kb_solution_category(session, workspace)
    assert category.id is not None
    caller = kb_caller(session, workspace)

    folder = create_solution_folder(
        session=session, caller=caller, folder_in=SolutionFolderCreate(category_id=category.id, name=" VPN ")
    )
    assert (folder.name, folder.category_id, folder.workspace_id) == ("VPN", category.id, workspace.id)
    with pytest.raises(Conflict):
        create_solution_folder(
            session=session,
            caller=caller,
            folder_in=SolutionFolderCreate(category_id=category.id, name="vpn"),
        )
    with pytest.raises(InvalidField, match="'name'"):
        create_solution_folder(
            session=session, caller=caller, folder_in=SolutionFolderCreate(category_id=category.id, name="  ")
        )
    foreign = kb_solution_category(session, kb_workspace(session))
    assert foreign.id is not None
    with pytest.raises(NotFound):
        create_solution_folder(
            session=session,
            caller=caller,
            folder_in=SolutionFolderCreate(category_id=foreign.id, name="Mine now"),
        )


def test_a_new_article_is_a_draft_by_the_caller_in_the_folders_workspace(
    session: Session, folder: SolutionFolder, author: Caller
) -> None:
    assert folder.id is not None
    article = create_solution_article(
        session=session,
        caller=author,
        article_in=SolutionArticleCreate(
            folder_id=folder.id,
            title="  Reset your password ",
            body="Open the portal.",
            tags=["password", " Password", ""],
        ),
    )
    assert article.status == ArticleStatus.draft
    assert (article.title, article.tags) == ("Reset your password", ["password"])
    assert (article.agent_id, article.folder_id, article.workspace_id) == (
        author.agent_id,
        folder.id,
        folder.workspace_id,
    )
    assert get_solution_article(session=session, caller=author, article_id=article.id) == article


@pytest.mark.parametrize(
    ("title", "body", "status", "field"),
    [
        ("", "Body.", ArticleStatus.draft, "title"),
        ("x" * 256, "Body.", ArticleStatus.draft, "title"),
        ("Empty", "  ", ArticleStatus.published, "body"),
    ],
)
def test_an_invalid_article_names_the_field(
    session: Session,
    folder: SolutionFolder,
    author: Caller,
    title: str,
    body: str,
    status: ArticleStatus,
    field: str,
) -> None:
    assert folder.id is not None
    article_in = SolutionArticleCreate(folder_id=folder.id, title=title, body=body, status=status)
    with pytest.raises(InvalidField) as error:
        create_solution_article(session=session, caller=author, article_in=article_in)
    assert error.value.field == field


def test_an_empty_draft_is_allowed(session: Session, folder: SolutionFolder, author: Caller) -> None:
    assert folder.id is not None
    article_in = SolutionArticleCreate(folder_id=folder.id, title="To do", body="")
    assert create_solution_article(session=session, caller=author, article_in=article_in).body == ""


def test_an_update_changes_only_the_fields_given(
    session: Session, folder: SolutionFolder, author: Caller
) -> None:
    article = kb_article(session, folder, "Reset your password", "Old steps.", tags=["password"])
    assert article.id is not None
    before = utcnow()
    updated = update_solution_article(
        session=session,
        caller=author,
        article_id=article.id,
        changes=SolutionArticleUpdate(body="New steps."),
    )
    assert (updated.title, updated.body, updated.tags, updated.status) == (
        "Reset your password",
        "New steps.",
        ["password"],
        ArticleStatus.published,
    )
    assert updated.updated_at >= before
    drafted = update_solution_article(
        session=session,
        caller=author,
        article_id=article.id,
        changes=SolutionArticleUpdate(status=ArticleStatus.draft),
    )
    assert drafted.status == ArticleStatus.draft and drafted.body == "New steps."
    with pytest.raises(InvalidField, match="'title'"):
        update_solution_article(
            session=session, caller=author, article_id=article.id, changes=SolutionArticleUpdate(title=None)
        )


def test_moving_an_article_moves_it_to_the_new_folders_workspace(
    session: Session, workspaces: tuple[Workspace, Workspace], folder: SolutionFolder, author: Caller
) -> None:
    article = kb_article(session, folder, "Reset your password")
    assert article.id is not None
    target = kb_solution_folder(session, kb_solution_category(session, workspaces[1]))
    moved = update_solution_article(
        session=session,
        caller=author,
        article_id=article.id,
        changes=SolutionArticleUpdate(folder_id=target.id),
    )
    assert (moved.folder_id, moved.workspace_id) == (target.id, workspaces[1].id)
    hidden = kb_solution_folder(session, kb_solution_category(session, kb_workspace(session)))
    with pytest.raises(NotFound):
        update_solution_article(
            session=session,
            caller=author,
            article_id=article.id,
            changes=SolutionArticleUpdate(folder_id=hidden.id),
        )


def test_articles_of_a_folder_are_listed_by_id_with_drafts_and_a_status_filter(
    session: Session, folder: SolutionFolder, author: Caller
) -> None:
    assert folder.id is not None
    published = kb_article(session, folder, "One")
    draft = kb_article(session, folder, "Two", status=ArticleStatus.draft)
    listed = list_solution_articles(session=session, caller=author, folder_id=folder.id)
    assert [(a.id, a.status) for a in listed.articles] == [(published.id, "published"), (draft.id, "draft")]
    drafts = list_solution_articles(session=session, caller=author, folder_id=folder.id, status="draft")
    assert [a.id for a in drafts.articles] == [draft.id]
    with pytest.raises(InvalidField, match="draft, published"):
        list_solution_articles(session=session, caller=author, folder_id=folder.id, status="archived")
    with pytest.raises(InvalidField, match="page"):
        list_solution_articles(session=session, caller=author, folder_id=folder.id, page=2)


def test_articles_in_a_foreign_workspace_are_not_found(session: Session, folder: SolutionFolder) -> None:
    article = kb_article(session, folder, "Reset your password")
    assert article.id is not None and folder.id is not None
    outsider = kb_caller(session, kb_workspace(session))
    with pytest.raises(NotFound):
        get_solution_article(session=session, caller=outsider, article_id=article.id)
    with pytest.raises(NotFound):
        list_solution_articles(session=session, caller=outsider, folder_id=folder.id)
    with pytest.raises(NotFound):
        update_solution_article(
            session=session,
            caller=outsider,
            article_id=article.id,
            changes=SolutionArticleUpdate(title="Mine"),
        )
    with pytest.raises(NotFound):
        create_solution_article(
            session=session,
            caller=outsider,
            article_in=SolutionArticleCreate(folder_id=folder.id, title="Sneaky", body="No."),
        )
