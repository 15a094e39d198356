"""The local control plane's Provisioned Throughput rules, as Bedrock applies them: no-commitment throughput for a
custom model is 1 model unit, at most 2 per account; a throughput with a commitment term cannot be deleted before
the term ends (https://docs.aws.amazon.com/bedrock/latest/userguide/prov-thru-delete.html)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from services.domain.custom import commitment_ends

NO_COMMIT_MAX_UNITS = 1
NO_COMMIT_MAX_PER_ACCOUNT = 2


def throughput_refusal(commitment: str | None, model_units: int, others: list[dict[str, Any]]) -> str | None:
    """Why Bedrock refuses a new throughput (``others``: the account's throughputs), or None."""
    if commitment is not None:
        return None
    if model_units > NO_COMMIT_MAX_UNITS:
        return (
            "ValidationException: no-commitment throughput for a custom model is limited to "
            f"{NO_COMMIT_MAX_UNITS} model unit."
        )
    if sum(1 for t in others if not t.get("commitment")) >= NO_COMMIT_MAX_PER_ACCOUNT:
        return (
            f"ServiceQuotaExceededException: at most {NO_COMMIT_MAX_PER_ACCOUNT} no-commitment Provisioned "
            "Throughputs per account."
        )
    return None


def committed_until(data: dict[str, Any], now: float) -> datetime | None:
    """When a throughput's commitment term ends, while it runs (None: no term, or it has ended)."""
    if not data.get("commitment"):
        return None
    ends = commitment_ends(datetime.fromtimestamp(data["created_at"], UTC), data["commitment"])
    return ends if datetime.fromtimestamp(now, UTC) < ends else None
