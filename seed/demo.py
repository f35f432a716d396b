"""The documented demo logins of the seed dataset: testers, docs and tests import them from here.

All three share one password. The admin sees every workspace; the agent belongs to exactly one
(IT), so it is the account to test workspace visibility with; the requester exists so that a
login by an end user can be shown to be refused.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from domain.people.passwords import hash_password

DEMO_PASSWORD = "helpdesk-demo"  # noqa: S105 - a published demo credential, not a secret

ADMIN_EMAIL = "admin@helpdesk.test"
AGENT_EMAIL = "agent@helpdesk.test"
REQUESTER_EMAIL = "requester@helpdesk.test"

# Fixed ids, so that testers can write them down.
ADMIN_AGENT_ID = 1
DEMO_AGENT_ID = 2
DEMO_REQUESTER_ID = 1

IT_WORKSPACE_ID = 1
HR_WORKSPACE_ID = 2
FACILITIES_WORKSPACE_ID = 3


@dataclass(frozen=True, slots=True)
class DemoLogin:
    email: str
    password: str
    role: str  # "admin", "agent" or "requester"
    table: str  # "agent" or "requester": where the account lives
    id: int
    workspaces: tuple[str, ...]
    note: str


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        ADMIN_EMAIL,
        DEMO_PASSWORD,
        "admin",
        "agent",
        ADMIN_AGENT_ID,
        ("IT", "HR", "Facilities"),
        "sees everything",
    ),
    DemoLogin(
        AGENT_EMAIL, DEMO_PASSWORD, "agent", "agent", DEMO_AGENT_ID, ("IT",), "limited to the IT workspace"
    ),
    DemoLogin(
        REQUESTER_EMAIL,
        DEMO_PASSWORD,
        "requester",
        "requester",
        DEMO_REQUESTER_ID,
        (),
        "cannot sign in: requesters do not connect clients",
    ),
)


def demo_salt(email: str) -> bytes:
    """The salt of a demo account's hash: the first 16 bytes of sha256(email).

    Seed-only. A fixed salt makes the hash, and so the whole dataset, byte-identical from one run
    to the next; it is acceptable only because the password itself is published above. Real
    accounts are hashed with a random salt (``hash_password`` without ``salt``).
    """
    return hashlib.sha256(email.encode()).digest()[:16]


def demo_password_hash(email: str) -> str:
    return hash_password(DEMO_PASSWORD, salt=demo_salt(email))
