"""Endpoints and their history (EndpointStore)."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Row, insert, select, update

from services.adapters.sql.engine import SqlBase, bump
from services.adapters.sql_tables import endpoints
from services.domain.endpoints import Endpoint, EndpointKind
from services.domain.errors import ConcurrentUpdate
from services.domain.generations import ENDPOINTS


def _endpoint_of(row: Row[Any]) -> Endpoint:
    values = row._asdict()
    values["history"] = tuple(orjson.loads(values["history"]))
    values["kind"] = EndpointKind(values["kind"])
    return Endpoint.model_validate(values)


def _values(changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(changes)
    if "history" in out:
        events = [e if isinstance(e, dict) else e.model_dump() for e in out["history"]]
        out["history"] = orjson.dumps(events).decode()
    if "kind" in out:
        out["kind"] = str(out["kind"])
    return out


class SqlEndpoints(SqlBase):
    """EndpointStore on SQL."""

    def insert_endpoint(self, endpoint: Endpoint) -> None:
        with self._engine.begin() as conn:
            conn.execute(insert(endpoints).values(**_values(endpoint.model_dump())))
            bump(conn, ENDPOINTS)

    def get_endpoint(self, endpoint_id: str) -> Endpoint | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(endpoints).where(endpoints.c.id == endpoint_id)).first()
        return _endpoint_of(row) if row else None

    def list_endpoints(self) -> list[Endpoint]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(endpoints).order_by(endpoints.c.created_at, endpoints.c.id))
            return [_endpoint_of(r) for r in rows]

    def update_endpoint(self, endpoint_id: str, version: int, **changes: object) -> Endpoint:
        with self._engine.begin() as conn:
            done = conn.execute(
                update(endpoints)
                .where(endpoints.c.id == endpoint_id, endpoints.c.version == version)
                .values(**_values(dict(changes)), version=version + 1)
            )
            if done.rowcount != 1:
                raise ConcurrentUpdate("This endpoint was changed meanwhile; nothing was written. Reload.")
            bump(conn, ENDPOINTS)
            row = conn.execute(select(endpoints).where(endpoints.c.id == endpoint_id)).one()
        return _endpoint_of(row)
