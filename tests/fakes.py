"""Fakes of the ports, honest enough to pass the same contract tests as the real adapters."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta

from services.errors import ConcurrentUpdate, ProviderError
from services.models import (
    Lifecycle,
    ModelRecord,
    ModelType,
    Provider,
    ProviderModel,
    SyncRun,
)


class InMemoryCatalogStore:
    def __init__(self) -> None:
        self.models: dict[str, ModelRecord] = {}
        self.runs: list[SyncRun] = []
        self._revision = 0
        self._changed_rev: dict[str, int] = {}

    def list_models(self) -> list[ModelRecord]:
        return list(self.models.values())

    def changed_since(self, revision: int) -> tuple[list[ModelRecord], int]:
        changed = [r for i, r in self.models.items() if self._changed_rev.get(i, 0) > revision]
        return changed, len(self.models)

    def _touch(self, model_ids: Iterable[str]) -> None:
        for model_id in model_ids:
            self._changed_rev[model_id] = self._revision

    def get_model(self, model_id: str) -> ModelRecord | None:
        return self.models.get(model_id)

    def get_models(self, model_ids: Iterable[str]) -> list[ModelRecord]:
        return [self.models[i] for i in model_ids if i in self.models]

    def base_models(self, provider: Provider) -> dict[str, ModelRecord]:
        return {i: r for i, r in self.models.items() if r.provider is provider and r.model_type is ModelType.BASE}

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
        for m in inserts:
            self.models[m.key] = ModelRecord(**m.model_dump(), id=m.key, first_seen=now, updated_at=now)
        for m in updates:
            old = self.models[m.key]
            self.models[m.key] = old.model_copy(
                update=m.model_dump()
                | {
                    "available": True,
                    "unavailable_since": None,
                    "updated_at": now,
                    "version": old.version + 1,
                }
            )
        for model_id in gone:
            old = self.models[model_id]
            self.models[model_id] = old.model_copy(
                update={
                    "available": False,
                    "enabled": False,
                    "unavailable_since": now,
                    "updated_at": now,
                    "version": old.version + 1,
                }
            )
        self.runs.append(run)
        if inserts or updates or gone:
            self._revision += 1
            self._touch([m.key for m in (*inserts, *updates)] + list(gone))

    def record_sync_run(self, run: SyncRun) -> None:
        self.runs.append(run)

    def last_sync_runs(self) -> dict[Provider, SyncRun]:
        return {run.provider: run for run in self.runs}

    def set_enabled(self, changes: Sequence[tuple[str, int]], enabled: bool) -> list[str]:
        if not changes:
            return []
        for model_id, version in changes:
            rec = self.models.get(model_id)
            if rec is None or rec.version != version:
                raise ConcurrentUpdate("changed meanwhile; nothing was changed")
        for model_id, _ in changes:
            rec = self.models[model_id]
            self.models[model_id] = rec.model_copy(update={"enabled": enabled, "version": rec.version + 1})
        self._revision += 1
        self._touch(model_id for model_id, _ in changes)
        return [model_id for model_id, _ in changes]

    def revision(self) -> int:
        return self._revision


class FakeCatalogSource:
    """Returns what the test put in ``models``, or raises ``error``."""

    def __init__(self, provider: Provider, models: Iterable[ProviderModel] = ()) -> None:
        self.provider = provider
        self.models = list(models)
        self.error: ProviderError | None = None
        self.calls = 0

    def fetch(self) -> list[ProviderModel]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return list(self.models)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


def bedrock_model(model_id: str, **overrides: object) -> ProviderModel:
    values: dict[str, object] = {
        "provider": Provider.BEDROCK,
        "model_id": model_id,
        "name": model_id.split(".")[-1],
        "vendor": "Amazon",
        "arn": f"arn:aws:bedrock:us-east-1::foundation-model/{model_id}",
        "input_modalities": ("TEXT",),
        "output_modalities": ("TEXT",),
        "customizations": ("FINE_TUNING",),
        "inference_types": ("PROVISIONED",),
        "streaming": True,
        "chat": False,
        "lifecycle": Lifecycle.ACTIVE,
        "regions": ("us-east-1",),
    }
    values.update(overrides)
    return ProviderModel.model_validate(values)


def openai_model(model_id: str, **overrides: object) -> ProviderModel:
    values: dict[str, object] = {
        "provider": Provider.OPENAI,
        "model_id": model_id,
        "name": model_id,
        "vendor": "OpenAI",
        "input_modalities": ("TEXT",),
        "output_modalities": ("TEXT",),
        "inference_types": ("ON_DEMAND",),
        "streaming": True,
        "chat": True,
        "provider_created": datetime(2024, 5, 1, tzinfo=UTC),
    }
    values.update(overrides)
    return ProviderModel.model_validate(values)
