"""Prices refreshed from the AWS Price List API (PriceStore)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    delete,
    insert,
    select,
)

from services.adapters.sql.engine import SqlBase
from services.adapters.sql_tables import (
    refreshed_prices,
)
from services.models import RefreshedPrice


class SqlPrices(SqlBase):
    """PriceStore on SQL: refreshed prices, replaced as a whole."""

    def refreshed_prices(self) -> list[RefreshedPrice]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(refreshed_prices).order_by(refreshed_prices.c.model_prefix))
            return [RefreshedPrice.model_validate(r._asdict()) for r in rows]

    def save_refreshed_prices(self, rows: Sequence[RefreshedPrice]) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(refreshed_prices))
            if rows:
                conn.execute(insert(refreshed_prices), [row.model_dump() for row in rows])
