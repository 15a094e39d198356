"""An estimate before a cent is spent: training, storage and throughput (or on demand) from the
prices of services/costs/pricing.py, each component with its formula and the price it used; an
unknown price makes the total unknown, never $0."""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

from services.costs.pricing import DAYS_PER_MONTH, ModelPrices, Price


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
    # how the method bills training: by the data's tokens (fine-tuning, continued pre-training) or by the
    # training hour (reinforcement fine-tuning: services/customization/methods/, Method.billing)
    training_billing: str = Field("tokens", pattern="^(tokens|hours)$")
    # distillation: the teacher answers each prompt at its on-demand price, and the student trains on the
    # prompts and the answers (prices-2026.md); the answers' length is bounded by the longest answer asked for
    teacher_model_id: str | None = Field(None, max_length=400)
    teacher_prompts: int = Field(0, ge=0, le=10**9)
    teacher_answer_tokens: int | None = Field(None, ge=1, le=10**7)  # per prompt; None: not bounded, so unknown
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


RFT_HOURS = Price(
    price=None,
    source=(
        "not published by AWS: reinforcement fine-tuning is billed per training hour (usage type "
        "USE1-Nova2.0Lite-RFT-Training-Hours), and AWS's pricing page gives no hourly rate"
    ),
    url="https://aws.amazon.com/bedrock/pricing/",
    confirmed=False,
)


def estimate(prices: ModelPrices, request: EstimateInput, teacher: ModelPrices | None = None) -> Estimate:
    """``teacher``: the prices of a distillation's teacher, whose answers are billed at its on-demand rate."""
    teaching = _teaching(teacher, request) if teacher is not None else ()
    answers = request.teacher_prompts * (request.teacher_answer_tokens or 0) if teacher is not None else 0
    trained = (request.training_units + answers) * request.epochs
    per_k = prices.training_unit == "1K tokens"
    if request.training_billing == "hours":  # the hours a job takes are not known before it runs
        training = Component(
            name="Training (billed by the hour)",
            quantity=1,
            unit="job",
            price=RFT_HOURS,
            cost=None,
            formula="training hours × price per hour (hours known when the job ends)",
            price_unit="training hour",
        )
    else:
        training = _token_training(prices, request, trained, per_k, answers)
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
    components = (*teaching, training, storage, inference)
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


def _token_training(
    prices: ModelPrices, request: EstimateInput, trained: int, per_k: bool, answers: int = 0
) -> Component:
    data = (
        f"({request.training_units:,} + {answers:,} answer) tokens" if answers else f"{request.training_units:,} tokens"
    )
    return _component(
        "Training",
        trained,
        "trained tokens" if per_k else "images seen",
        prices.training,
        1 / 1000 if per_k else 1.0,
        (
            f"{data} × {request.epochs} epoch(s) ÷ 1,000 × price per 1K tokens"
            if per_k
            else f"{request.training_units:,} images × {request.epochs} epoch(s) × price per image"
        ),
        "1,000 tokens" if per_k else "image",
    )


def _teaching(teacher: ModelPrices, request: EstimateInput) -> tuple[Component, Component]:
    """A distillation's teacher: it reads every prompt and writes an answer to each, at its on-demand prices."""
    reading = _component(
        "Teacher: reading the prompts",
        request.training_units,
        "input tokens",
        teacher.on_demand_input,
        1 / 1000,
        f"{request.training_units:,} prompt tokens ÷ 1,000 × {teacher.label}'s price per 1K input tokens",
        "1,000 input tokens",
    )
    longest = request.teacher_answer_tokens
    if longest is None:
        writing = Component(
            name="Teacher: writing the answers",
            quantity=request.teacher_prompts,
            unit="answers",
            price=teacher.on_demand_output,
            cost=None,
            formula=(
                f"{request.teacher_prompts:,} answers × their length (unknown until written: give the longest "
                "answer, MaxResponseLength, to bound it) ÷ 1,000 × price per 1K output tokens"
            ),
            price_unit="1,000 output tokens",
        )
    else:
        writing = _component(
            "Teacher: writing the answers",
            request.teacher_prompts * longest,
            "output tokens (at most)",
            teacher.on_demand_output,
            1 / 1000,
            f"{request.teacher_prompts:,} prompts × at most {longest:,} tokens ÷ 1,000 × {teacher.label}'s price "
            "per 1K output tokens",
            "1,000 output tokens",
        )
    return reading, writing


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
