"""The audit trail (AuditStore)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import (
    select,
)

from services.adapters.sql.engine import SqlBase, write_audit
from services.adapters.sql_tables import (
    audit_events,
)
from services.domain.records import AuditEvent


class SqlAudit(SqlBase):
    """AuditStore on SQL."""

    # ---- audit trail -------------------------------------------------------------------------
    def record_audit(self, events: Sequence[AuditEvent]) -> None:
        with self._engine.begin() as conn:
            write_audit(conn, events)

    def audit_events(
        self,
        *,
        actor_id: str | None = None,
        model_id: str | None = None,
        action: str | None = None,
        limit: int = 10_000,
    ) -> list[AuditEvent]:
        query = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
        if actor_id:
            query = query.where(audit_events.c.actor_id == actor_id)
        if model_id:
            query = query.where(audit_events.c.model_id == model_id)
        if action:
            query = query.where(audit_events.c.action == action)
        with self._engine.connect() as conn:
            return [
                AuditEvent.model_validate({k: getattr(r, k) for k in AuditEvent.model_fields if k != "notice"})
                for r in conn.execute(query)
            ]
