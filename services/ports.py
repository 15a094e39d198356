"""Narrow interfaces the services depend on. Adapters implement them; tests fake them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from services.models import ModelRecord, Provider, ProviderModel, SyncRun


class CatalogSource(Protocol):
    """Lists one provider's base models. Raises ProviderUnavailable / ProviderDataError."""

    provider: Provider

    def fetch(self) -> list[ProviderModel]: ...


class CatalogStore(Protocol):
    """Where model records and sync history live."""

    def list_models(self) -> list[ModelRecord]:
        """Every model, in no particular order."""

    def changed_since(self, revision: int) -> tuple[list[ModelRecord], int]:
        """The models written after ``revision`` (maybe a few more), and how many models exist."""

    def get_model(self, model_id: str) -> ModelRecord | None: ...

    def get_models(self, model_ids: Iterable[str]) -> list[ModelRecord]: ...

    def base_models(self, provider: Provider) -> dict[str, ModelRecord]: ...

    def apply_sync(
        self,
        *,
        provider: Provider,
        inserts: Sequence[ProviderModel],
        updates: Sequence[ProviderModel],
        gone: Sequence[str],
        run: SyncRun,
        now: datetime,
    ) -> None:
        """In one transaction: add new models, refresh changed ones (keeping their
        enabled flag, making them available again), mark gone ones unavailable and
        disabled, and record the run."""

    def record_sync_run(self, run: SyncRun) -> None: ...

    def last_sync_runs(self) -> dict[Provider, SyncRun]: ...

    def set_enabled(self, changes: Sequence[tuple[str, int]], enabled: bool) -> list[str]:
        """Set ``enabled`` on each (model id, expected version) in one transaction.

        Returns the ids changed. If any record's version moved on, nothing is
        changed and ConcurrentUpdate is raised."""

    def revision(self) -> int:
        """A number that grows with every write, so readers can tell their copy is stale."""
