"""Solution knowledge-base tools: categories, folders and articles."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from domain.solutions import service
from domain.solutions.models import (
    ArticleStatus,
    SolutionArticleCreate,
    SolutionArticlePublic,
    SolutionArticleSearchResults,
    SolutionArticlesPublic,
    SolutionArticleUpdate,
    SolutionCategoriesPublic,
    SolutionCategoryPublic,
    SolutionFolderCreate,
    SolutionFolderPublic,
    SolutionFoldersPublic,
)
from server.context import unit_of_work
from server.tools.base import Toolset, tool
from server.tools.params import MAX_INT, Cursor, Page, PerPage, SearchTerm, ShownFields, given_and_cleared

TOOLS = Toolset("solutions")

CategoryId = Annotated[int, Field(ge=1, le=MAX_INT, description="The solution category's id.")]
FolderId = Annotated[int, Field(ge=1, le=MAX_INT, description="The solution folder's id.")]
ArticleId = Annotated[int, Field(ge=1, le=MAX_INT, description="The article's id.")]
Title = Annotated[str, Field(min_length=1, max_length=255, description="The article's title.")]
Body = Annotated[
    str, Field(min_length=1, max_length=200000, description="The article's body (text or simple HTML).")
]
ArticleTags = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=50)]], Field(max_length=20, description="Keywords.")
]
StatusFilter = Annotated[ArticleStatus | None, Field(description="Only draft or only published articles.")]


@tool(TOOLS, name="fetchSolutionCategories", title="List solution categories")
def fetch_solution_categories(
    fields: ShownFields = None, page: Page = 1, per_page: PerPage = 30, cursor: Cursor = None
) -> SolutionCategoriesPublic:
    """List the knowledge base categories: its top-level sections. Browse down
    with fetchSolutionFolders, or find articles by words with fetchSolutionArticleSearch."""
    with unit_of_work() as uow:
        return service.list_solution_categories(
            session=uow.session, caller=uow.caller, page=page, per_page=per_page, cursor=cursor
        )


@tool(TOOLS, name="fetchSolutionCategory", title="Get a solution category")
def fetch_solution_category(category_id: CategoryId) -> SolutionCategoryPublic:
    """Get one knowledge base category by category_id."""
    with unit_of_work() as uow:
        return service.get_solution_category(session=uow.session, caller=uow.caller, category_id=category_id)


@tool(TOOLS, name="fetchSolutionFolders", title="List a category's folders")
def fetch_solution_folders(
    category_id: CategoryId,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
    cursor: Cursor = None,
) -> SolutionFoldersPublic:
    """List the folders in one knowledge base category (by category_id). For the
    articles of a folder, use fetchSolutionArticles."""
    with unit_of_work() as uow:
        return service.list_solution_folders(
            session=uow.session,
            caller=uow.caller,
            category_id=category_id,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )


@tool(TOOLS, name="fetchSolutionFolder", title="Get a solution folder")
def fetch_solution_folder(folder_id: FolderId) -> SolutionFolderPublic:
    """Get one knowledge base folder by folder_id."""
    with unit_of_work() as uow:
        return service.get_solution_folder(session=uow.session, caller=uow.caller, folder_id=folder_id)


@tool(TOOLS, name="createSolutionFolder", title="Create a solution folder", writes=True)
def create_solution_folder(
    category_id: CategoryId,
    name: Annotated[str, Field(min_length=1, max_length=200, description="The folder's name.")],
    description: Annotated[str, Field(max_length=2000, description="What the folder holds.")] = "",
) -> SolutionFolderPublic:
    """Create a new folder in a knowledge base category, to group articles on one
    subject. To write an article, use createSolutionArticle."""
    folder_in = SolutionFolderCreate(category_id=category_id, name=name, description=description)
    with unit_of_work() as uow:
        return service.create_solution_folder(session=uow.session, caller=uow.caller, folder_in=folder_in)


@tool(TOOLS, name="fetchSolutionArticles", title="List a folder's articles")
def fetch_solution_articles(
    folder_id: FolderId,
    status: StatusFilter = None,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
    cursor: Cursor = None,
) -> SolutionArticlesPublic:
    """List all the articles in one knowledge base folder (by folder_id), optionally
    only drafts or only published ones. For an article's full text, use fetchSolutionArticle; to find
    articles by words, use fetchSolutionArticleSearch."""
    with unit_of_work() as uow:
        return service.list_solution_articles(
            session=uow.session,
            caller=uow.caller,
            folder_id=folder_id,
            status=status,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )


@tool(TOOLS, name="fetchSolutionArticle", title="Get an article")
def fetch_solution_article(article_id: ArticleId) -> SolutionArticlePublic:
    """Get one knowledge base article by article_id with its full text. To find
    articles by words, use fetchSolutionArticleSearch."""
    with unit_of_work() as uow:
        return service.get_solution_article(session=uow.session, caller=uow.caller, article_id=article_id)


@tool(TOOLS, name="createSolutionArticle", title="Create an article", writes=True)
def create_solution_article(
    folder_id: FolderId,
    title: Title,
    body: Body,
    status: Annotated[
        ArticleStatus, Field(description="draft (default) or published.")
    ] = ArticleStatus.draft,
    tags: ArticleTags | None = None,
) -> SolutionArticlePublic:
    """Write a new knowledge base article (a how-to or a known solution) in a folder;
    it starts as a draft unless you pass status. To change an existing article, use
    updateSolutionArticle."""
    article_in = SolutionArticleCreate(
        folder_id=folder_id, title=title, body=body, status=status, tags=tags or []
    )
    with unit_of_work() as uow:
        return service.create_solution_article(session=uow.session, caller=uow.caller, article_in=article_in)


@tool(TOOLS, name="updateSolutionArticle", title="Update an article", writes=True, idempotent=True)
def update_solution_article(
    article_id: ArticleId,
    title: Annotated[str | None, Field(min_length=1, max_length=255, description="New title.")] = None,
    body: Annotated[str | None, Field(min_length=1, max_length=200000, description="New body.")] = None,
    status: Annotated[
        ArticleStatus | None, Field(description="Publish (published) or unpublish (draft).")
    ] = None,
    tags: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=50)]] | None,
        Field(max_length=20, description="Replaces all tags."),
    ] = None,
    folder_id: Annotated[
        int | None, Field(ge=1, le=MAX_INT, description="Move the article to this folder.")
    ] = None,
) -> SolutionArticlePublic:
    """Change an existing knowledge base article: publish or unpublish it, edit its
    title, steps, text or tags, or move it to another folder. Only the fields you pass change."""
    changes = {"title": title, "body": body, "status": status, "tags": tags, "folder_id": folder_id}
    update = SolutionArticleUpdate(**given_and_cleared(changes, ()))
    with unit_of_work() as uow:
        return service.update_solution_article(
            session=uow.session, caller=uow.caller, article_id=article_id, changes=update
        )


@tool(TOOLS, name="fetchSolutionArticleSearch", title="Search the knowledge base")
def fetch_solution_article_search(
    search_term: SearchTerm,
    status: StatusFilter = None,
    fields: ShownFields = None,
    page: Page = 1,
    per_page: PerPage = 30,
    cursor: Cursor = None,
) -> SolutionArticleSearchResults:
    """Search knowledge base articles by words (e.g. 'reset password', 'printer
    offline'), best match first, each with an excerpt. Use it to find a documented fix or how-to; to
    browse a folder, use fetchSolutionArticles."""
    with unit_of_work() as uow:
        return service.search_solution_articles(
            session=uow.session,
            caller=uow.caller,
            search_term=search_term,
            status=status,
            page=page,
            per_page=per_page,
            cursor=cursor,
        )
