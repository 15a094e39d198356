"""Prices refreshed from the AWS Price List API (PriceStore)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    delete,
    insert,
    select,
)

from services.adapters.sql.engine import SqlBase, bump, write_audit
from services.adapters.sql_tables import (
    refreshed_prices,
    set_prices,
)
from services.domain.generations import PRICES
from services.domain.records import AuditEvent, RefreshedPrice, SetPrice


class SqlPrices(SqlBase):
    """PriceStore on SQL: refreshed prices, replaced as a whole; prices admins set, one by one."""

    def refreshed_prices(self) -> list[RefreshedPrice]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(refreshed_prices).order_by(refreshed_prices.c.model_prefix))
            return [RefreshedPrice.model_validate(r._asdict()) for r in rows]

    def save_refreshed_prices(self, rows: Sequence[RefreshedPrice]) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(refreshed_prices))
            if rows:
                conn.execute(insert(refreshed_prices), [row.model_dump() for row in rows])
            bump(conn, PRICES)

    def set_prices(self) -> list[SetPrice]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(set_prices).order_by(set_prices.c.model_prefix, set_prices.c.component))
            return [SetPrice.model_validate(r._asdict()) for r in rows]

    def set_price(self, row: SetPrice, audit: Sequence[AuditEvent]) -> None:
        key = (
            (set_prices.c.model_prefix == row.model_prefix)
            & (set_prices.c.region == row.region)
            & (set_prices.c.component == row.component)
        )
        with self._engine.begin() as conn:
            conn.execute(delete(set_prices).where(key))
            conn.execute(insert(set_prices).values(**row.model_dump()))
            bump(conn, PRICES)
            write_audit(conn, audit)
