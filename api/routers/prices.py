"""Prices and estimates (services/costs/ledger.py, services/costs/pricing.py), as the Cost Estimator shows them.

- GET /api/prices?model=&region=: every component's price for the fine-tunable base models (or one),
  in each configured region (or one), each with its source, page and date; an unknown price says
  so in words with AWS's pricing page.
- PUT /api/prices: an admin sets one ({"ModelId", "Region", "Component", "Price", "Source"}), audited.
- POST /api/estimates: the Cost Estimator's inputs -> each component, the total, the prices used.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from api.deps import Svc, Who
from api.errors import ERRORS
from api.schemas import Pascal
from services.costs.estimate import EstimateInput
from services.costs.pricing import COMPONENTS, ModelPrices, Price
from services.customization.methods import METHODS

router = APIRouter(tags=["prices"])
ComponentName = Literal[
    "training", "storage_month", "inference_no_commit", "inference_1_month", "inference_6_month",
    "on_demand_input", "on_demand_output",
]  # fmt: skip
assert set(ComponentName.__args__) == set(COMPONENTS)  # type: ignore[attr-defined]  # one list: services/costs/pricing.py


class PriceOut(BaseModel):
    Price: float | None = Field(description="US dollars; null: no source found (see Source and Url)")
    Per: str
    Source: str
    Url: str | None
    AsOf: str | None
    Confirmed: bool
    SetBy: str | None


class ModelPricesOut(BaseModel):
    ModelId: str
    Label: str
    Region: str
    TrainingUnit: str
    CatalogVersion: str
    Components: dict[str, PriceOut]


class PriceList(BaseModel):
    Prices: list[ModelPricesOut]


class SetPriceIn(Pascal):
    ModelId: str = Field(max_length=400)
    Region: str = Field(max_length=32)
    Component: ComponentName
    Price: float = Field(ge=0, le=1_000_000, allow_inf_nan=False)
    Source: str = Field(min_length=3, max_length=300, description="where the price comes from")


class EstimateIn(Pascal):
    BaseModelId: str = Field(max_length=400)
    Region: str | None = Field(None, max_length=32, description="default: where a job on this base model would run")
    TrainingTokens: int = Field(0, ge=0, le=10**13, description="tokens in the training data (images for image models)")
    Epochs: int = Field(1, ge=1, le=1000)
    StorageMonths: float = Field(1.0, ge=0, le=120, allow_inf_nan=False)
    ModelUnits: int = Field(0, ge=0, le=100)
    HoursPerDay: float = Field(24.0, ge=0, le=24, allow_inf_nan=False)
    Days: float = Field(0.0, ge=0, le=3650, allow_inf_nan=False)
    ModelType: Literal["FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION", "REINFORCEMENT_FINE_TUNING"] = Field(
        "FINE_TUNING", description="The customization method: it decides how training is billed."
    )
    TeacherModelId: str | None = Field(
        None, max_length=400, description="distillation: the teacher, billed at its on-demand prices"
    )
    Prompts: int = Field(0, ge=0, le=10**9, description="distillation: the prompts the teacher answers")
    MaxResponseLength: int | None = Field(
        None, ge=1, le=10**6, description="distillation: the longest answer, in tokens (unset: the cost is unknown)"
    )


class ComponentOut(BaseModel):
    Name: str
    Quantity: float
    Unit: str
    Cost: float | None
    Formula: str
    Price: PriceOut


class EstimateOut(BaseModel):
    BaseModelId: str
    Label: str
    Region: str
    Components: list[ComponentOut]
    Total: float | None
    Unknown: list[str]
    CatalogVersion: str


def _price(p: Price, per: str) -> PriceOut:
    return PriceOut(
        Price=p.price, Per=per, Source=p.source, Url=p.url, AsOf=p.as_of, Confirmed=p.confirmed, SetBy=p.set_by
    )


def _prices(model_id: str, found: ModelPrices) -> ModelPricesOut:
    per = dict(COMPONENTS) | {"training": "1,000 tokens" if found.training_unit == "1K tokens" else "image"}
    return ModelPricesOut(
        ModelId=model_id, Label=found.label, Region=found.region, TrainingUnit=found.training_unit,
        CatalogVersion=found.catalog_version,
        Components={name: _price(getattr(found, name), per[name]) for name in COMPONENTS},
    )  # fmt: skip


@router.get("/prices", response_model=PriceList, responses=ERRORS)
def list_prices(
    s: Svc,
    actor: Who,
    model: Annotated[str | None, Query(max_length=400)] = None,
    region: Annotated[str | None, Query(max_length=32)] = None,
) -> PriceList:
    models = [s.catalog.get_model(model).record] if model else s.costs.estimable_models()
    regions = [region] if region else list(s.costs.regions)
    catalog = s.costs.prices  # read once for every model and region
    return PriceList(Prices=[_prices(m.id, s.costs.prices_for(m.id, r, catalog)) for m in models for r in regions])


@router.put("/prices", response_model=ModelPricesOut, responses=ERRORS)
def set_price(body: SetPriceIn, s: Svc, actor: Who) -> ModelPricesOut:
    found = s.costs.set_price(body.ModelId, body.Region, body.Component, body.Price, body.Source, actor=actor)
    return _prices(body.ModelId, found)


@router.post("/estimates", response_model=EstimateOut, responses=ERRORS)
def create_estimate(body: EstimateIn, s: Svc, actor: Who) -> EstimateOut:
    base = s.catalog.get_model(body.BaseModelId).record
    region = body.Region or s.customization.job_region(base, None)[0] or s.costs.region  # where its job would run
    result = s.costs.estimate(
        EstimateInput(
            base_model_id=body.BaseModelId, region=region, training_units=body.TrainingTokens, epochs=body.Epochs,
            months=body.StorageMonths, model_units=body.ModelUnits, hours_per_day=body.HoursPerDay, days=body.Days,
            token_method="as given (TrainingTokens)", training_billing=METHODS[body.ModelType].billing,
            teacher_model_id=body.TeacherModelId if body.ModelType == "DISTILLATION" else None,
            teacher_prompts=body.Prompts, teacher_answer_tokens=body.MaxResponseLength,
        )
    )  # fmt: skip
    return EstimateOut(
        BaseModelId=body.BaseModelId, Label=result.label, Region=region,
        Components=[
            ComponentOut(
                Name=c.name, Quantity=c.quantity, Unit=c.unit, Cost=c.cost, Formula=c.formula,
                Price=_price(c.price, c.price_unit),
            )
            for c in result.components
        ],
        Total=result.total, Unknown=list(result.unknown), CatalogVersion=result.catalog_version,
    )  # fmt: skip
