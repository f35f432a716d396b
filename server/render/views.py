"""How each kind of item reads in a text answer: its heading, the fields a list line shows, the
free text that lists shorten, and the tool that gives the whole item."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from domain.assets.models import AssetPublic
from domain.catalog.models import CatalogCustomField, CatalogItemPublic
from domain.onboarding.models import (
    OffboardingRequestPublic,
    OnboardingForm,
    OnboardingFormFieldPublic,
    OnboardingRequestPublic,
)
from domain.people.models import AgentPublic, RequesterPublic
from domain.solutions.models import (
    SolutionArticleSearchResult,
    SolutionArticleSummary,
    SolutionCategoryPublic,
    SolutionFolderPublic,
)
from domain.tickets.models import TicketNotePublic, TicketPublic
from domain.workspaces.models import WorkspacePublic


@dataclass(frozen=True, slots=True)
class View:
    noun: str
    plural: str
    heading: tuple[str, ...] = ()  # fields joined into the item's name, e.g. first and last name
    line: tuple[str, ...] = ()  # fields a list line shows (``fields`` replaces them)
    bare: tuple[str, ...] = ()  # of those, enums whose values speak for themselves: shown without the key
    long: tuple[str, ...] = ()  # free text: shortened in lists, whole in a record
    key: str = "id"  # the id a person uses for it
    detail: tuple[str, str] | None = None  # (tool, argument) giving one item in full
    detail_gives: str = ""  # what that tool gives, when it is not "one <noun> in full"
    next_step: str = ""  # what a record's reader can do next
    shorten_to: int = 80  # characters of long text per list line


_TICKET_LINE = ("status", "priority", "type", "requester_id", "agent_id", "group_id", "updated_at")

VIEWS: dict[type[BaseModel], View] = {
    TicketPublic: View(
        noun="ticket",
        plural="tickets",
        heading=("subject",),
        line=_TICKET_LINE,
        bare=("status", "priority", "type"),
        long=("description",),
        detail=("fetchTicket", "ticket_id"),
        next_step="Change it with updateTicket; add a note with createTicketNote.",
    ),
    TicketNotePublic: View(
        noun="note",
        plural="notes",
        line=("private", "agent_id", "requester_id", "created_at"),
        long=("body",),
        detail=("fetchTicket", "ticket_id"),
    ),
    AssetPublic: View(
        noun="asset",
        plural="assets",
        key="display_id",
        heading=("name",),
        line=("asset_type", "state", "assigned_requester_id", "serial_number", "updated_at"),
        bare=("state",),
        long=("description",),
        detail=("fetchAsset", "display_id"),
        next_step="Change it with updateAsset (by display_id).",
    ),
    AgentPublic: View(
        noun="agent",
        plural="agents",
        heading=("first_name", "last_name"),
        line=("email", "job_title", "role", "active", "workspace_ids", "group_ids"),
        detail=("fetchAgent", "agent_id"),
        next_step="fetchTickets with agent_id lists the agent's tickets.",
    ),
    RequesterPublic: View(
        noun="requester",
        plural="requesters",
        heading=("first_name", "last_name"),
        line=("email", "job_title", "department", "location", "active"),
        detail=("fetchRequester", "requester_id"),
        next_step="fetchTickets with requester_id lists their tickets.",
    ),
    OnboardingRequestPublic: View(
        noun="onboarding request",
        plural="onboarding requests",
        line=("status", "requester_id", "workspace_id", "created_at"),
        long=("fields",),
        detail=("fetchOnboardingRequest", "request_id"),
    ),
    OnboardingFormFieldPublic: View(
        noun="form field",
        plural="form fields",
        key="name",
        heading=("label",),
        line=("field_type", "required", "choices"),
        long=("description",),
        shorten_to=200,
    ),
    OffboardingRequestPublic: View(
        noun="offboarding request",
        plural="offboarding requests",
        line=("employee_id", "last_working_day", "status", "requester_id", "workspace_id"),
        long=("reason",),
        detail=("fetchOffboardingRequestTickets", "request_id"),
        detail_gives="the tickets it opened",
        next_step="fetchOffboardingRequestTickets lists the tickets it opened.",
    ),
    CatalogItemPublic: View(
        noun="catalog item",
        plural="catalog items",
        heading=("name",),
        line=("cost", "delivery_time_hours", "category_id", "workspace_id"),
        long=("short_description", "description"),
        detail=("fetchServiceCatalogItem", "item_id"),
        next_step="Order it with placeRequestServiceCatalogItem (item_id and its fields).",
        shorten_to=120,
    ),
    CatalogCustomField: View(
        noun="field",
        plural="fields",
        key="name",
        heading=("label",),
        line=("field_type", "required", "choices"),
    ),
    SolutionCategoryPublic: View(
        noun="category",
        plural="categories",
        heading=("name",),
        line=("workspace_id",),
        long=("description",),
        detail=("fetchSolutionFolders", "category_id"),
        detail_gives="its folders",
        next_step="fetchSolutionFolders with category_id lists its folders.",
    ),
    SolutionFolderPublic: View(
        noun="folder",
        plural="folders",
        heading=("name",),
        line=("category_id", "workspace_id"),
        long=("description",),
        detail=("fetchSolutionArticles", "folder_id"),
        detail_gives="its articles",
        next_step="fetchSolutionArticles with folder_id lists its articles.",
    ),
    SolutionArticleSearchResult: View(
        noun="article",
        plural="articles",
        heading=("title",),
        line=("status", "folder_id", "tags"),
        long=("excerpt",),
        detail=("fetchSolutionArticle", "article_id"),
        shorten_to=160,
    ),
    SolutionArticleSummary: View(
        noun="article",
        plural="articles",
        heading=("title",),
        line=("status", "folder_id", "tags", "updated_at"),
        long=("body",),
        detail=("fetchSolutionArticle", "article_id"),
        next_step="Change it with updateSolutionArticle.",
    ),
    OnboardingForm: View(
        noun="onboarding form",
        plural="onboarding forms",
        key="",
        next_step="createOnboardingRequest takes these fields by name.",
    ),
    WorkspacePublic: View(
        noun="workspace",
        plural="workspaces",
        heading=("name",),
        line=("is_default",),
        long=("description",),
        next_step="Pass workspace_id to list tools to see one workspace.",
    ),
}


def view_of(model: type[BaseModel]) -> View:
    """The view of ``model`` or of its nearest ancestor that has one (a detail reads like its summary)."""
    for cls in model.__mro__:
        view = VIEWS.get(cls)
        if view is not None:
            return view
    return View(noun=model.__name__, plural=model.__name__)
