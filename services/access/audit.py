"""The audit trail as the pages read it. Writes happen in the services that change things, in the
same transaction as the change (every store write takes its audit events)."""

from __future__ import annotations

from services.domain.records import AuditEvent
from services.ports import AuditStore


class AuditService:
    def __init__(self, store: AuditStore) -> None:
        self._store = store

    def audit_events(
        self,
        *,
        actor_id: str | None = None,
        model_id: str | None = None,
        action: str | None = None,
        limit: int = 10_000,
    ) -> list[AuditEvent]:
        """Newest first."""
        return self._store.audit_events(actor_id=actor_id, model_id=model_id, action=action, limit=limit)
