"""CostService: estimates before a job, costs so far after it. Arithmetic is in services.pricing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from services.errors import InvalidRequest, ModelNotFound
from services.models import ModelRecord, ModelType, Provider
from services.ports import CatalogStore, CustomModelStore
from services.pricing import (
    Estimate,
    EstimateInput,
    ModelCosts,
    ModelPrices,
    Price,
    PriceCatalog,
    ThroughputInterval,
    costs_so_far,
    estimate,
)


class CostService:
    def __init__(
        self,
        catalog: CatalogStore,
        store: CustomModelStore,
        prices: PriceCatalog,
        region: str,
        warn_hours: float = 24.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._catalog = catalog
        self._store = store
        self.prices = prices
        self.region = region
        self.warn_hours = warn_hours
        self._clock = clock

    def estimable_models(self) -> list[ModelRecord]:
        """Bedrock base models that can be fine-tuned, whatever their status."""
        return sorted(
            (
                r
                for r in self._catalog.list_models()
                if r.model_type is ModelType.BASE
                and r.provider is Provider.BEDROCK
                and "FINE_TUNING" in r.customizations
            ),
            key=lambda r: (r.name.casefold(), r.id),
        )

    def prices_for(self, base_model_id: str, region: str | None = None) -> ModelPrices:
        base = self._catalog.get_model(base_model_id)
        if base is None or base.provider is not Provider.BEDROCK:
            raise InvalidRequest(f"Base Model: no Amazon Bedrock base model with id {base_model_id!r}.")
        where = region or self.region
        found = self.prices.lookup(base.model_id, where)
        if found is not None:
            return found
        unknown = Price(price=None, source=f"not in price catalog {self.prices.version} for {where}")
        return ModelPrices(
            label=base.name,
            region=where,
            training_unit="1K tokens",
            training=unknown,
            storage_month=unknown,
            inference_no_commit=unknown,
            catalog_version=self.prices.version,
        )

    def estimate(self, request: EstimateInput) -> Estimate:
        return estimate(self.prices_for(request.base_model_id, request.region), request)

    def _intervals(
        self, model_id: str, history: dict[str, list[tuple[int, datetime, datetime]]]
    ) -> list[ThroughputInterval]:
        intervals = [
            ThroughputInterval(model_units=u, started_at=s, ended_at=e) for u, s, e in history.get(model_id, [])
        ]
        model = self._store.get_custom(model_id)
        if model is not None and model.throughput_status is not None and model.throughput_since and model.model_units:
            intervals.append(ThroughputInterval(model_units=model.model_units, started_at=model.throughput_since))
        return intervals

    def costs(self, model_id: str) -> ModelCosts:
        model = self._store.get_custom(model_id)
        if model is None:
            raise ModelNotFound(f"No custom model with id {model_id!r}.")
        prices = self.prices_for(model.base_model_id) if self._catalog.get_model(model.base_model_id) else None
        history = self._store.throughput_history()
        return costs_so_far(model, prices, self._intervals(model_id, history), self._clock(), self.prices.version)

    def all_costs(self) -> list[ModelCosts]:
        """Every custom model's costs so far, the biggest spenders first (unknown totals last)."""
        history = self._store.throughput_history()
        now = self._clock()
        out = []
        for model in self._store.list_custom():
            prices = self.prices_for(model.base_model_id) if self._catalog.get_model(model.base_model_id) else None
            out.append(costs_so_far(model, prices, self._intervals(model.id, history), now, self.prices.version))
        return sorted(out, key=lambda c: (c.total is None, -(c.total or 0.0), c.name))

    def long_running(self, costs: list[ModelCosts] | None = None) -> list[ModelCosts]:
        """Models whose throughput has run longer than the warning threshold."""
        return [
            c
            for c in (costs if costs is not None else self.all_costs())
            if c.throughput_running_hours is not None and c.throughput_running_hours > self.warn_hours
        ]
