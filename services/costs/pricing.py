"""Prices and costs of model customization: the price catalog, estimates, costs so far.

Three components per base model (bedrock-facts §5): training per 1,000 tokens (per image for
image models; trained tokens = tokens in the data × epochs), storage per custom model per
month, and no-commitment inference per model unit per hour. A price nobody knows is unknown
(None), never $0, and an estimate that needs it has an unknown total.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.domain.custom import CustomModel, JobStatus
from services.domain.errors import InvalidRequest, ServiceError

PRICES_FILE = Path(__file__).resolve().parents[1] / "data" / "prices.json"
PRICING_PAGE = "https://aws.amazon.com/bedrock/pricing/"
NO_SOURCE = "No source found"  # how the source of a price nobody could find begins
PRICE_LIST_URL = "https://docs.aws.amazon.com/awsaccountbilling/latest/aboutv2/price-changes.html"
DAYS_PER_MONTH = 365.25 / 12
OVERRIDE_SOURCE = "override in STUDIO_PRICE_OVERRIDES"
COMPONENTS = {  # what an admin may set, and what one price is for
    "training": "1,000 tokens (or image)",
    "storage_month": "model-month",
    "inference_no_commit": "model unit-hour, no commitment",
    "inference_1_month": "model unit-hour, 1-month term",
    "inference_6_month": "model unit-hour, 6-month term",
    "on_demand_input": "1,000 input tokens, custom model on demand",
    "on_demand_output": "1,000 output tokens, custom model on demand",
}


class PriceCatalogError(ServiceError):
    code = "InvalidPriceCatalog"


class Price(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    price: float | None = Field(None, ge=0)
    source: str = Field(min_length=1)
    url: str | None = None  # the page it came from (for an unknown price: AWS's pricing page)
    as_of: str | None = None
    confirmed: bool = True
    set_by: str | None = None  # an admin who set it on the Costs page

    @field_validator("price")
    @classmethod
    def _finite(cls, value: float | None) -> float | None:
        if value is not None and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value

    @property
    def known(self) -> bool:
        return self.price is not None

    def describe(self, unit: str) -> str:
        if self.price is None:
            return f"unknown: {self.source}"
        flag = "" if self.confirmed else ", unconfirmed"
        return f"${self.price:g} per {unit} ({self.source}{', ' + self.as_of if self.as_of else ''}{flag})"


class PriceEntry(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    label: str = Field(min_length=1)
    model_id_prefixes: tuple[str, ...] = Field(min_length=1)
    regions: tuple[str, ...] = Field(min_length=1)
    training_unit: Literal["1K tokens", "image"]
    training: Price
    storage_month: Price
    inference_no_commit: Price
    on_demand_input: Price | None = None  # custom-model on-demand deployment, per 1K input tokens
    on_demand_output: Price | None = None  # … per 1K output tokens
    inference_1_month: Price | None = None
    inference_6_month: Price | None = None


class PriceFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(min_length=1)
    currency: Literal["USD"]
    notes: str = ""
    entries: tuple[PriceEntry, ...] = Field(min_length=1)


class PriceOverride(BaseModel):
    """One base model's prices from settings: any of the three components."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    training: float | None = Field(None, ge=0, allow_inf_nan=False)
    storage_month: float | None = Field(None, ge=0, allow_inf_nan=False)
    inference_no_commit: float | None = Field(None, ge=0, allow_inf_nan=False)
    on_demand_input: float | None = Field(None, ge=0, allow_inf_nan=False)
    on_demand_output: float | None = Field(None, ge=0, allow_inf_nan=False)


def _errors(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors()[:5])


def load_price_file(path: Path = PRICES_FILE) -> PriceFile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PriceCatalogError(f"Price catalog {path} does not exist.") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise PriceCatalogError(f"Price catalog {path} is not valid JSON: {exc}") from None
    try:
        return PriceFile.model_validate(data)
    except ValidationError as exc:
        raise PriceCatalogError(f"Price catalog {path} is malformed: {_errors(exc)}") from None


NOT_ON_DEMAND = Price(
    price=None,
    source="No on-demand price: Bedrock serves custom models of this base by provisioned throughput only",
    url=PRICING_PAGE,
)


class ModelPrices(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    region: str
    training_unit: str
    training: Price
    storage_month: Price
    inference_no_commit: Price
    catalog_version: str
    # on-demand deployment (custom Nova models): per 1,000 input and output tokens
    on_demand_input: Price = Field(default_factory=lambda: NOT_ON_DEMAND)
    on_demand_output: Price = Field(default_factory=lambda: NOT_ON_DEMAND)
    inference_1_month: Price = Field(
        default_factory=lambda: Price(price=None, source="no 1-month term price in the catalog", url=PRICING_PAGE)
    )
    inference_6_month: Price = Field(
        default_factory=lambda: Price(price=None, source="no 6-month term price in the catalog", url=PRICING_PAGE)
    )


SetLayer = Mapping[tuple[str, str], Mapping[str, Price]]  # (model prefix, region) -> component -> price


class PriceCatalog:
    """The price file, then prices refreshed from AWS, then prices admins set on the Costs page, then
    overrides from settings: later wins."""

    def __init__(
        self,
        file: PriceFile,
        overrides: Mapping[str, PriceOverride] | None = None,
        refreshed: SetLayer | None = None,
        set_by_admins: SetLayer | None = None,
    ) -> None:
        self.file = file
        self.overrides = dict(overrides or {})
        self.refreshed = {k: dict(v) for k, v in (refreshed or {}).items()}
        self.set_by_admins = {k: dict(v) for k, v in (set_by_admins or {}).items()}

    def with_refreshed(self, refreshed: SetLayer, set_by_admins: SetLayer | None = None) -> PriceCatalog:
        return PriceCatalog(self.file, self.overrides, refreshed, set_by_admins)

    def entry_prefix(self, model_id: str) -> str:
        """The catalog's key for a base model: its entry's prefix, or the id itself."""
        model_id = model_id.removeprefix("bedrock:")
        for entry in self.file.entries:
            for prefix in entry.model_id_prefixes:
                if model_id.startswith(prefix):
                    return prefix
        return model_id

    @property
    def version(self) -> str:
        return self.file.version

    def lookup(self, model_id: str, region: str) -> ModelPrices | None:
        """The prices for a Bedrock base model id in a region, or None if the catalog has none."""
        model_id = model_id.removeprefix("bedrock:")
        matches = [e for e in self.file.entries if any(model_id.startswith(p) for p in e.model_id_prefixes)]
        entry = next((e for e in matches if region in e.regions), None)
        override_key = next((k for k in sorted(self.overrides, key=len, reverse=True) if model_id.startswith(k)), None)
        admin_set = any(w == region and model_id.startswith(p) for p, w in self.set_by_admins)
        if entry is None and override_key is None and not admin_set:
            return None
        if entry is None:
            unknown = Price(
                price=None,
                source=f"{NO_SOURCE} for {region} (price catalog {self.version}); "
                "an admin can set it on the Costs page",
                url=PRICING_PAGE,
            )
            entry = PriceEntry(
                label=model_id,
                model_id_prefixes=(model_id,),
                regions=(region,),
                training_unit="1K tokens",
                training=unknown,
                storage_month=unknown,
                inference_no_commit=unknown,
            )
        prices = {
            "training": entry.training,
            "storage_month": entry.storage_month,
            "inference_no_commit": entry.inference_no_commit,
        }
        for name in ("on_demand_input", "on_demand_output", "inference_1_month", "inference_6_month"):
            published = getattr(entry, name)
            if published is not None:
                prices[name] = published
        for layers in (self.refreshed, self.set_by_admins):  # AWS's Price List, then what admins set
            for (prefix, where), layer in layers.items():
                if where in (region, "") and model_id.startswith(prefix):
                    prices |= layer
        if override_key is not None:
            for name, value in self.overrides[override_key].model_dump().items():
                if value is not None:
                    prices[name] = Price(price=value, source=OVERRIDE_SOURCE, confirmed=True)
        return ModelPrices(
            label=entry.label,
            region=region,
            training_unit=entry.training_unit,
            catalog_version=self.version,
            **prices,
        )


# ---- estimates ------------------------------------------------------------------------------------
class EstimateInput(BaseModel):
    model_config = ConfigDict(frozen=True)

    base_model_id: str
    region: str
    training_units: int = Field(ge=0, description="tokens in the training data (images for image models)")
    epochs: int = Field(1, ge=1, le=1000)
    months: float = Field(1.0, ge=0, le=120, allow_inf_nan=False)
    model_units: int = Field(0, ge=0, le=100)
    hours_per_day: float = Field(24.0, ge=0, le=24, allow_inf_nan=False)
    days: float = Field(0.0, ge=0, le=3650, allow_inf_nan=False)
    token_method: str = ""
    # serving on demand instead (where Bedrock offers it): expected tokens per month
    on_demand_input_tokens: int = Field(0, ge=0, le=10**13)
    on_demand_output_tokens: int = Field(0, ge=0, le=10**13)


class ServeComparison(BaseModel):
    """Throughput hours against on-demand tokens, per month, and where they cost the same."""

    model_config = ConfigDict(frozen=True)

    throughput_month: float | None  # model units × hours/day × days in a month × price per MU-hour
    on_demand_month: float | None  # input and output tokens per month × prices per 1K tokens
    break_even_tokens: int | None  # tokens per month (in the same input:output mix) where both cost the same
    cheaper: str | None  # "on demand" | "throughput" | None (unknown)


class Component(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    quantity: float
    unit: str  # of the quantity, plural: "trained tokens", "model-months"
    price: Price
    cost: float | None  # None: unknown
    formula: str
    price_unit: str = ""  # what one price is for, singular: "1,000 tokens", "model-month", "model unit-hour"

    def price_text(self) -> str:
        return self.price.describe(self.price_unit)


class Estimate(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str
    components: tuple[Component, ...]
    total: float | None
    unknown: tuple[str, ...]
    catalog_version: str
    token_method: str
    monthly: tuple[tuple[int, float | None], ...]  # (month, cumulative cost at its end)
    comparison: ServeComparison | None = None  # when tokens per month were given


def _component(
    name: str, quantity: float, unit: str, price: Price, scale: float, formula: str, price_unit: str
) -> Component:
    if quantity == 0:
        cost: float | None = 0.0
    elif price.price is None:
        cost = None
    else:
        cost = quantity * scale * price.price
    return Component(
        name=name, quantity=quantity, unit=unit, price=price, cost=cost, formula=formula, price_unit=price_unit
    )


def estimate(prices: ModelPrices, request: EstimateInput) -> Estimate:
    trained = request.training_units * request.epochs
    per_k = prices.training_unit == "1K tokens"
    training = _component(
        "Training",
        trained,
        "trained tokens" if per_k else "images seen",
        prices.training,
        1 / 1000 if per_k else 1.0,
        (
            f"{request.training_units:,} tokens × {request.epochs} epoch(s) ÷ 1,000 × price per 1K tokens"
            if per_k
            else f"{request.training_units:,} images × {request.epochs} epoch(s) × price per image"
        ),
        "1,000 tokens" if per_k else "image",
    )
    storage = _component(
        "Storage",
        request.months,
        "model-months",
        prices.storage_month,
        1.0,
        f"{request.months:g} month(s) × price per model-month",
        "model-month",
    )
    hours = request.model_units * request.hours_per_day * request.days
    inference = _component(
        "Inference (no-commitment throughput)",
        hours,
        "model unit-hours",
        prices.inference_no_commit,
        1.0,
        f"{request.model_units} MU × {request.hours_per_day:g} h/day × {request.days:g} day(s) × price per MU-hour",
        "model unit-hour",
    )
    components = (training, storage, inference)
    unknown = tuple(c.name for c in components if c.cost is None)
    total = None if unknown else sum(c.cost or 0.0 for c in components)
    return Estimate(
        label=prices.label,
        components=components,
        total=total,
        unknown=unknown,
        catalog_version=prices.catalog_version,
        token_method=request.token_method,
        monthly=_monthly(prices, request, training.cost),
        comparison=_compare(prices, request),
    )


def _compare(prices: ModelPrices, request: EstimateInput) -> ServeComparison | None:
    """Serving a model for a month: throughput bills hours whether used or not; on demand bills tokens."""
    tokens_in, tokens_out = request.on_demand_input_tokens, request.on_demand_output_tokens
    if tokens_in + tokens_out == 0:
        return None
    hourly = prices.inference_no_commit.price
    units = max(1, request.model_units)
    throughput = None if hourly is None else units * request.hours_per_day * DAYS_PER_MONTH * hourly
    p_in, p_out = prices.on_demand_input.price, prices.on_demand_output.price
    on_demand = None if p_in is None or p_out is None else tokens_in / 1000 * p_in + tokens_out / 1000 * p_out
    break_even = None
    if throughput is not None and on_demand is not None and on_demand > 0:
        per_token = on_demand / (tokens_in + tokens_out)  # at this input:output mix
        break_even = int(throughput / per_token)
    cheaper = None
    if throughput is not None and on_demand is not None:
        cheaper = "on demand" if on_demand <= throughput else "throughput"
    return ServeComparison(
        throughput_month=throughput, on_demand_month=on_demand, break_even_tokens=break_even, cheaper=cheaper
    )


def _monthly(
    prices: ModelPrices, request: EstimateInput, training_cost: float | None
) -> tuple[tuple[int, float | None], ...]:
    horizon = max(1, math.ceil(max(request.months, request.days / DAYS_PER_MONTH)))
    out = []
    for month in range(horizon + 1):
        storage_q = min(month, request.months)
        hours = request.model_units * request.hours_per_day * min(request.days, month * DAYS_PER_MONTH)
        parts = [
            training_cost,
            0.0
            if storage_q == 0
            else (None if prices.storage_month.price is None else storage_q * prices.storage_month.price),
            0.0
            if hours == 0
            else (None if prices.inference_no_commit.price is None else hours * prices.inference_no_commit.price),
        ]
        out.append((month, None if any(p is None for p in parts) else sum(p or 0.0 for p in parts)))
    return tuple(out)


# ---- costs so far ---------------------------------------------------------------------------------
class ThroughputInterval(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_units: int
    started_at: datetime
    ended_at: datetime | None = None  # None: still running


class ModelCosts(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_id: str
    name: str
    base_model_id: str
    training: float | None
    training_note: str
    storage: float | None
    storage_note: str
    throughput: float | None
    throughput_note: str
    throughput_running_hours: float | None
    total: float | None
    catalog_version: str
    deleted_at: datetime | None = None  # a deleted model, kept in the ledger with what it cost until then


def costs_so_far(
    model: CustomModel,
    prices: ModelPrices | None,
    intervals: Sequence[ThroughputInterval],
    now: datetime,
    catalog_version: str,
) -> ModelCosts:
    """What a custom model has cost until ``now``: its training, its storage since the model
    was made, and every hour of throughput (the current one is a running meter)."""
    unknown = Price(price=None, source="no price for this base model")
    train_price = prices.training if prices else unknown
    per_k = not prices or prices.training_unit == "1K tokens"
    if model.job_status is JobStatus.COMPLETED and (model.job_end_time is None or model.job_end_time <= now):
        trained = model.training_tokens * (model.epochs or 1)
        training = None if train_price.price is None else trained / (1000 if per_k else 1) * train_price.price
        training_note = f"{trained:,} trained tokens (≈{model.training_tokens:,} tokens × {model.epochs or 1} epochs)"
    elif model.job_status.in_flight or model.job_status is JobStatus.COMPLETED:  # (completed after ``now``)
        training, training_note = 0.0, "billed when the job completes"
    else:
        training = None
        training_note = f"the job {model.job_status.lower()}: what AWS bills for the work done is not known here"
    store_price = prices.storage_month if prices else unknown
    if model.job_status is JobStatus.COMPLETED and model.job_end_time is not None and model.job_end_time <= now:
        months = max(0.0, (now - model.job_end_time).total_seconds() / 86_400 / DAYS_PER_MONTH)
        storage = None if store_price.price is None else months * store_price.price
        storage_note = f"{months:.2f} model-months since the model was made"
    else:
        storage, storage_note = 0.0, "no custom model is stored"
    pt_price = prices.inference_no_commit if prices else unknown
    mu_hours = 0.0
    running: float | None = None
    for interval in intervals:
        end = min(interval.ended_at or now, now)  # (``now`` may be a moment in the past: spend over time)
        hours = max(0.0, (end - interval.started_at).total_seconds() / 3600)
        mu_hours += interval.model_units * hours
        if interval.ended_at is None:
            running = hours
    throughput = 0.0 if mu_hours == 0 else (None if pt_price.price is None else mu_hours * pt_price.price)
    throughput_note = f"{mu_hours:,.2f} model unit-hours" + (
        (f"; running for {running:.1f} h" if running >= 0.1 else "; running for under 6 minutes")
        if running is not None
        else ""
    )
    parts = (training, storage, throughput)
    return ModelCosts(
        model_id=model.id,
        name=model.name,
        base_model_id=model.base_model_id,
        training=training,
        training_note=training_note,
        storage=storage,
        storage_note=storage_note,
        throughput=throughput,
        throughput_note=throughput_note,
        throughput_running_hours=running,
        total=None if any(p is None for p in parts) else sum(p or 0.0 for p in parts),
        catalog_version=catalog_version,
    )


def parse_overrides(raw: Mapping[str, object]) -> dict[str, PriceOverride]:
    """STUDIO_PRICE_OVERRIDES, e.g. {"amazon.titan-text-lite-v1": {"training": 0.0005, "storage_month": 1.95,
    "inference_no_commit": 7.1}}: any of the three prices per model id prefix."""
    out = {}
    for key, value in raw.items():
        if not isinstance(value, Mapping):
            raise InvalidRequest(f"price override {key!r}: expected an object of prices, got {value!r}")
        try:
            out[str(key)] = PriceOverride.model_validate(value)
        except ValidationError as exc:
            raise InvalidRequest(f"price override {key!r}: {_errors(exc)}") from None
    return out
