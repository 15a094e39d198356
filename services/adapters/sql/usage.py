"""Calls per model and day (UsageStore): one row per model and day, summed on conflict so every
replica adds to the same row."""

from __future__ import annotations

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite

from services.adapters.sql.engine import SqlBase
from services.adapters.sql_tables import model_calls
from services.domain.calls import CALL_SUMS, CallCount


class SqlUsage(SqlBase):
    """UsageStore on SQL."""

    def count_call(self, count: CallCount) -> None:
        values = count.model_dump()
        dialect = self._engine.dialect.name
        make = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = make(model_calls).values(**values)
        later = case(
            (model_calls.c.last_at.is_(None), statement.excluded.last_at),
            (statement.excluded.last_at > model_calls.c.last_at, statement.excluded.last_at),
            else_=model_calls.c.last_at,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["model_id", "day"],
            set_={name: model_calls.c[name] + statement.excluded[name] for name in CALL_SUMS} | {"last_at": later},
        )
        with self._engine.begin() as conn:
            conn.execute(statement)

    def call_counts(self, model_id: str | None = None, since_day: str = "") -> list[CallCount]:
        query = select(model_calls).where(model_calls.c.day >= since_day)
        if model_id is not None:
            query = query.where(model_calls.c.model_id == model_id)
        with self._engine.connect() as conn:
            rows = conn.execute(query.order_by(model_calls.c.day, model_calls.c.model_id))
            return [CallCount.model_validate(r._asdict()) for r in rows]
