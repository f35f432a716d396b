"""A canonical text dump of a database's content, to compare two databases row for row."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.engine import Engine

from domain.freshness import GENERATION
from schema import metadata


def canonical_dump(engine: Engine) -> dict[str, list[str]]:
    """Every domain table, every column (password hashes included), rows ordered by primary key,
    each row as sorted-key JSON: equal dumps mean equal content, whatever the backend."""
    dump: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table is GENERATION:
                continue  # it counts changes (domain.freshness), it holds no content
            statement = select(table).order_by(*table.primary_key.columns)
            dump[table.name] = [
                json.dumps(dict(row._mapping), sort_keys=True, default=str)
                for row in connection.execute(statement)
            ]
    return dump
