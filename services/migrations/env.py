"""Alembic environment: runs on the connection that services.adapters.sql hands it."""

from __future__ import annotations

from alembic import context

from services.adapters.sql_tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - we never run alembic without a connection
    raise RuntimeError("Run migrations through services.adapters.sql.migrate(engine).")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
