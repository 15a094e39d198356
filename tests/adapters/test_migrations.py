"""The Alembic migrations build exactly the schema the code uses, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from services.adapters.sql import make_engine, migrate
from services.adapters.sql_tables import metadata


def test_migrations_match_the_tables_and_are_idempotent(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(engine)  # a second start-up applies nothing and breaks nothing
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
        tables = set(inspect(conn).get_table_names())
    assert {"models", "sync_runs", "catalog_meta", "alembic_version"} <= tables
    engine.dispose()
