"""Bedrock batch inference for evaluations (CreateModelInvocationJob, Converse type): which model of an evaluation
Bedrock runs in batch and why the others run online, the records a batch job reads and writes, and its price.

Batch costs half the on-demand price ("50% cost savings vs on-demand"; capacity-limits-cost-optimization.html) and
finishes within a 24-hour window; it is "not supported for provisioned models" (batch-inference.html), and custom
models have it only where AWS's list says so (N/A for custom Nova Micro/Lite/Pro; batch-inference-supported.html).
Its modelId pattern (botocore) takes foundation models, custom-model ARNs and inference profiles, not deployments
or imported models."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from services.domain.calls import ChatRequest, Target
from services.domain.models import Provider

BATCH_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/batch-inference.html"
SUPPORT_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/batch-inference-supported.html"
PRICE_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/capacity-limits-cost-optimization.html"
QUOTAS_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/quotas.html"
BATCH_DISCOUNT = 0.5  # the batch price is half the on-demand price
WINDOW_HOURS = 24  # Bedrock's processing window (timeoutDurationInHours: 24 to 168)


# CreateModelInvocationJob's modelId (botocore's ModelId pattern): foundation models, custom models, profiles
BATCH_MODEL_ID = re.compile(
    r"(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:(([0-9]{12}:custom-model/[a-z0-9-]{1,63}[.]{1}[a-z0-9-:]{1,63}/"
    r"[a-z0-9]{12}$)|(:foundation-model/([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63})"
    r"{0,2})|(([0-9a-zA-Z][_-]?)+)$)|([0-9]{12}:(inference-profile|application-inference-profile)/[a-zA-Z0-9-:.]+$)))"
    r"|([a-z0-9-]{1,63}[.]{1}[a-z0-9-]{1,63}([.]?[a-z0-9-]{1,63})([:][a-z0-9-]{1,63}){0,2})|(([0-9a-zA-Z][_-]?)+)"
)


class BatchStatus(StrEnum):
    SUBMITTED = "Submitted"
    VALIDATING = "Validating"
    SCHEDULED = "Scheduled"
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    PARTIALLY_COMPLETED = "PartiallyCompleted"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    EXPIRED = "Expired"

    @property
    def ended(self) -> bool:
        return self in (
            BatchStatus.COMPLETED, BatchStatus.PARTIALLY_COMPLETED, BatchStatus.FAILED, BatchStatus.STOPPED,
            BatchStatus.EXPIRED,
        )  # fmt: skip

    @property
    def answered(self) -> bool:
        """Its output holds answers (all, or some: a record that failed is said in its own line)."""
        return self in (BatchStatus.COMPLETED, BatchStatus.PARTIALLY_COMPLETED)


@dataclass(frozen=True)
class BatchJob:
    """A batch job as GetModelInvocationJob tells it."""

    arn: str
    status: BatchStatus
    message: str = ""
    processed: int = 0
    total: int = 0
    simulated: bool = False  # the local backend's simulation answered


def online_reason(target: Target) -> str | None:
    """Why this model of an evaluation runs online rather than in Bedrock batch (None: Bedrock batches it)."""
    if target.provider is not Provider.BEDROCK:
        return f"{target.name} is not a Bedrock model: called online"
    custom = target.custom
    if custom is None:
        return None  # a foundation model or an inference profile: batch takes it
    if custom.throughput_status is not None:
        return f"{target.name} is served by provisioned throughput, which batch does not support ({BATCH_URL})"
    if custom.serves_itself:
        return f"{target.name} is an imported model, which batch jobs do not take: called online"
    return f"{target.name} is a custom model AWS lists no batch inference for ({SUPPORT_URL}): called online"


def batch_record(record_id: str, request: ChatRequest) -> dict[str, Any]:
    """One line of a batch job's input (Converse type): the record's id and the Converse request body."""
    body: dict[str, Any] = {
        "messages": [{"role": m.role, "content": [{"text": m.content}]} for m in request.messages],
        "inferenceConfig": {"maxTokens": request.max_tokens, "temperature": request.temperature},
    }
    if request.system:
        body["system"] = [{"text": request.system}]
    return {"recordId": record_id, "modelInput": body}


def batch_answer(line: dict[str, Any]) -> tuple[str, str, int, int, str | None]:
    """(recordId, text, input tokens, output tokens, error) of one line of a batch job's output."""
    record_id = str(line.get("recordId", ""))
    error = line.get("error")
    if error:
        said = error.get("errorMessage") if isinstance(error, dict) else str(error)
        return record_id, "", 0, 0, str(said or "the record failed")
    output = line.get("modelOutput") or {}
    blocks = ((output.get("output") or {}).get("message") or {}).get("content") or []
    usage = output.get("usage") or {}
    text = "".join(str(b.get("text", "")) for b in blocks if isinstance(b, dict))
    return record_id, text, int(usage.get("inputTokens", 0)), int(usage.get("outputTokens", 0)), None
