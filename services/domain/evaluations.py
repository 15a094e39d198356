"""An evaluation run and its records."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class EvaluationStatus(StrEnum):
    QUEUED = "Queued"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"

    @property
    def finished(self) -> bool:
        return self in (EvaluationStatus.COMPLETED, EvaluationStatus.FAILED, EvaluationStatus.CANCELLED)


class Evaluation(BaseModel):
    """One evaluation run: what it compares, on which data, how; its state and, once done, its summary."""

    model_config = ConfigDict(frozen=True)

    id: str
    custom_model_id: str
    custom_name: str
    base_model_id: str
    base_name: str
    dataset_uri: str
    dataset_fingerprint: str | None = None  # the data may not change under a run that resumes
    metrics: tuple[str, ...]
    judge_model_id: str | None = None
    max_records: int
    concurrency: int
    max_tokens: int
    temperature: float
    seed: int  # the judge's order per record comes from it: a resumed run asks the same way
    status: EvaluationStatus
    total: int  # records to evaluate
    created_by: str
    created_role: str | None = None  # their role then: the run calls models as them (None: a member)
    tried: bool | None = None  # the custom model was not enabled at start: tried by its owner or an admin
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    estimate: dict[str, Any] = Field(default_factory=dict)
    summary: dict[str, Any] | None = None  # set once, when it completes
    engine: Literal["online", "batch"] = "online"  # batch: the models Bedrock batches answer in batch jobs
    batch_jobs: dict[str, Any] | None = None  # per batched model: {"Arn", "Output", "Region"}
    version: int = 1


class EvaluationResult(BaseModel):
    """One record of an evaluation: both answers beside the reference, their scores, the verdict."""

    model_config = ConfigDict(frozen=True)

    evaluation_id: str
    index: int  # the record's line in the evaluation set (1-based)
    prompt: str
    reference: str
    custom_output: str = ""
    base_output: str = ""
    custom_tokens: tuple[int, int] = (0, 0)  # input, output
    base_tokens: tuple[int, int] = (0, 0)
    custom_latency_ms: float = 0.0
    base_latency_ms: float = 0.0
    cost: float | None = None  # of the calls for this record, when prices are known
    scores: dict[str, tuple[float, float]] = Field(default_factory=dict)  # metric: (custom, base)
    verdict: Literal["win", "tie", "loss"] | None = None  # the judge's, for the custom model
    judge_note: str = ""
    error: str | None = None  # the record could not be evaluated (after retries): left out of the scores
    simulated: bool = False
