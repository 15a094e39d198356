"""The price catalog of model customization, each price with its source (estimates are in
services/costs/estimate.py, costs so far in services/costs/meter.py).

Three components per base model (bedrock-facts §5): training per 1,000 tokens (per image for
image models; trained tokens = tokens in the data × epochs), storage per custom model per
month, and no-commitment inference per model unit per hour. A price nobody knows is unknown
(None), never $0, and an estimate that needs it has an unknown total.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

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


# ---- costs so far ---------------------------------------------------------------------------------


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
