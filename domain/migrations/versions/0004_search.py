"""full-text search over solution articles and catalog items

SQLite: an FTS5 table per searchable table, with external content (the table itself, so the text
is stored once) and triggers that keep the index in step on insert, update and delete.
PostgreSQL: a generated, stored ``tsvector`` column per searchable table (weighted: the title or
name counts most) with a GIN index.

Neither is in the SQLModel metadata (they are dialect-specific); ``migrations/env.py`` hides them
from autogenerate. ``domain/search.py`` is the code that queries them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 12:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# table -> (searchable columns, most important first; PostgreSQL weight of each)
SEARCHABLE = {
    'solution_article': (('title', 'A'), ('tags', 'B'), ('body', 'D')),
    'catalog_item': (('name', 'A'), ('short_description', 'B'), ('description', 'D')),
}


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table, columns in SEARCHABLE.items():
        names = [name for name, _weight in columns]
        if dialect == 'sqlite':
            _create_fts5(table, names)
        elif dialect == 'postgresql':
            _create_tsvector(table, columns)
        else:
            raise NotImplementedError(f'full-text search is not implemented for {dialect}')


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in SEARCHABLE:
        if dialect == 'sqlite':
            for suffix in ('ai', 'ad', 'au'):
                op.execute(f'DROP TRIGGER IF EXISTS {table}_fts_{suffix}')
            op.execute(f'DROP TABLE IF EXISTS {table}_fts')
        elif dialect == 'postgresql':
            op.execute(f'DROP INDEX IF EXISTS ix_{table}_search_vector')
            op.execute(f'ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector')


def _create_fts5(table: str, names: list[str]) -> None:
    fts = f'{table}_fts'
    cols = ', '.join(names)
    new = ', '.join(f'new.{name}' for name in names)
    old = ', '.join(f'old.{name}' for name in names)
    # porter: "resetting" finds "reset"; remove_diacritics: "cafe" finds "café".
    op.execute(
        f"CREATE VIRTUAL TABLE {fts} USING fts5({cols}, content='{table}', content_rowid='id', "
        f"tokenize='porter unicode61 remove_diacritics 2')"
    )
    # An external-content index must be told the old text to forget it, hence 'delete' with old.*.
    op.execute(
        f'CREATE TRIGGER {fts}_ai AFTER INSERT ON {table} BEGIN '
        f'INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END'
    )
    op.execute(
        f'CREATE TRIGGER {fts}_ad AFTER DELETE ON {table} BEGIN '
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END"
    )
    # Only on changes to the indexed text: bumping a view counter must not reindex the row.
    op.execute(
        f'CREATE TRIGGER {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN '
        f"INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); "
        f'INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END'
    )
    # Index the rows that existed before this revision.
    op.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def _create_tsvector(table: str, columns: tuple[tuple[str, str], ...]) -> None:
    # An explicit regconfig makes to_tsvector immutable, which a generated column requires;
    # json::text lets the tags array be indexed as words. Adding a STORED generated column
    # rewrites the table, which computes the vector for the rows that already exist.
    vector = ' || '.join(
        f"setweight(to_tsvector('english'::regconfig, coalesce({name}::text, '')), '{weight}')"
        for name, weight in columns
    )
    op.execute(f'ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({vector}) STORED')
    op.execute(f'CREATE INDEX ix_{table}_search_vector ON {table} USING gin (search_vector)')
