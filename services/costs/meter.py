"""What a custom model has cost so far: training, storage by the month, and every hour of throughput,
from its record and its throughput intervals (the ledger reads it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from services.costs.pricing import DAYS_PER_MONTH, ModelPrices, Price
from services.domain.custom import CustomModel, JobStatus


class ThroughputInterval(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_units: int
    started_at: datetime
    ended_at: datetime | None = None  # None: still running
    commitment: str | None = None  # the term it is billed under (OneMonth | SixMonths); None: no commitment


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
    mu_hours = 0.0
    running: float | None = None
    throughput: float | None = 0.0
    for interval in intervals:
        end = min(interval.ended_at or now, now)  # (``now`` may be a moment in the past: spend over time)
        hours = max(0.0, (end - interval.started_at).total_seconds() / 3600)
        mu_hours += interval.model_units * hours
        if interval.ended_at is None:
            running = hours
        price = term_price(prices, interval.commitment).price if prices else None  # each hour at its term's rate
        if hours and throughput is not None:
            throughput = None if price is None else throughput + interval.model_units * hours * price
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


def term_price(prices: ModelPrices, commitment: str | None) -> Price:
    """The price of a model unit-hour under a commitment term (None: no commitment); unknown when not known."""
    if commitment == "OneMonth":
        return prices.inference_1_month or Price(price=None, source="AWS's 1-month term price was not found")
    if commitment == "SixMonths":
        return prices.inference_6_month or Price(price=None, source="AWS's 6-month term price was not found")
    return prices.inference_no_commit
