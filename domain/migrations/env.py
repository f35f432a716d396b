"""Alembic environment: the URL comes from the caller (``domain.migrate``), never from a file.

The models to compare with (autogenerate only) come from the caller too, as
``target_metadata``: the whole schema spans layers above ``domain`` (``schema.metadata``).
"""

from __future__ import annotations

from alembic import context

from domain.search import include_name

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through domain.migrate.upgrade(), which passes a connection")
    context.configure(
        connection=connection,
        target_metadata=config.attributes.get("target_metadata"),
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
