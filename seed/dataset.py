"""``seed_database``: write the whole deterministic dataset in one transaction."""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from seed.assets import asset_rows
from seed.catalog import build_catalog
from seed.demo import DEMO_LOGINS, DemoLogin
from seed.knowledge import build_knowledge_base
from seed.load import (
    Loader,
    Progress,
    advance_sequences,
    bulk_load_settings,
    delete_all_rows,
    indexes_built_after,
    require_empty,
    require_schema,
)
from seed.org import build_org
from seed.plan import sizes_for
from seed.requests import build_offboarding, build_onboarding
from seed.tickets import TicketWriter

# The tables that grow with the scale: their indexes are built once, after the rows are in.
BULK_TABLES = ("ticket", "ticket_note", "asset")


@dataclass(frozen=True, slots=True)
class SeedSummary:
    scale: float
    counts: dict[str, int]  # rows written per table
    logins: tuple[DemoLogin, ...]
    seconds: float


def seed_database(
    engine: Engine, *, scale: float = 1, reset: bool = False, progress: Progress | None = None
) -> SeedSummary:
    """Write the seed dataset into a migrated database (``domain.migrate.upgrade`` first).

    The same ``scale`` gives the same rows, ids and timestamps on every run. ``reset`` first
    deletes every row of the helpdesk tables, and of any other table whose rows point at them
    (API keys and grants of the old agents); without it a database that holds any helpdesk row
    is refused with ``SeedError``. Everything happens in one transaction: a failure leaves the
    database as it was. ``progress(table, rows_written, rows_expected)`` is called as rows go in.
    """
    sizes = sizes_for(scale)
    started = time.perf_counter()
    with engine.connect() as connection, bulk_load_settings(connection), connection.begin():
        require_schema(connection)
        if reset:
            delete_all_rows(connection)
        else:
            require_empty(connection)
        org = build_org(sizes)
        catalog_rows, items = build_catalog(org)
        knowledge_rows = build_knowledge_base(org)
        onboarding_rows = build_onboarding(org, sizes)
        offboarding_rows, offboarding = build_offboarding(org, sizes)  # marks leavers inactive
        small = {
            **org.rows,
            **catalog_rows,
            **knowledge_rows,
            "onboarding_request": onboarding_rows,
            "offboarding_request": offboarding_rows,
        }
        loader = Loader(connection, progress)
        with indexes_built_after(connection, BULK_TABLES, progress):
            # Parents before children: the order of the tables in the schema's metadata.
            for table in loader.counts:
                if table in small:
                    loader.insert(table, small[table], len(small[table]))
                elif table == "asset":
                    loader.insert(table, asset_rows(org, sizes), sizes.assets)
            tickets = TicketWriter(org, items, offboarding, sizes)
            loader.insert_with_children("ticket", "ticket_note", tickets.rows(), sizes.tickets)
        advance_sequences(connection)
    return SeedSummary(
        scale=scale, counts=dict(loader.counts), logins=DEMO_LOGINS, seconds=time.perf_counter() - started
    )
