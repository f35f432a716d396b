"""Every table of every layer (the helpdesk's and auth's), gathered into one ``metadata``.

It sits above ``domain/`` and ``auth/`` so neither imports the other's tables to see the whole
schema: Alembic's autogenerate, ``create_all`` in tools and the seed loader use it.
"""

from sqlmodel import SQLModel

from auth import apikeys, server_secret
from auth.oauth import models as oauth
from domain import freshness
from domain.assets import models as assets
from domain.audit import models as audit
from domain.catalog import models as catalog
from domain.onboarding import models as onboarding
from domain.people import models as people
from domain.solutions import models as solutions
from domain.tickets import models as tickets
from domain.toolswitches import models as toolswitches
from domain.usage import models as usage
from domain.workspaces import models as workspaces

metadata = SQLModel.metadata

__all__ = [
    "apikeys",
    "assets",
    "audit",
    "catalog",
    "freshness",
    "metadata",
    "oauth",
    "onboarding",
    "people",
    "server_secret",
    "solutions",
    "tickets",
    "toolswitches",
    "usage",
    "workspaces",
]
