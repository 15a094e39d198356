"""Reading Bedrock's control-plane answers, for every Bedrock adapter: errors in words (retry later, or refused and
why), timestamps as UTC, statuses as our enums."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from services.domain.errors import ProviderDataError, ProviderRejected, ProviderUnavailable, summarize

StatusT = TypeVar("StatusT", bound=Enum)

RETRYABLE = {
    "ThrottlingException", "InternalServerException", "ServiceUnavailableException", "ServiceUnavailable",
    "RequestTimeout", "RequestTimeoutException",
}  # fmt: skip
NOT_FOUND = {"ResourceNotFoundException", "NotFoundException"}
CONFLICT = {"ConflictException", "ResourceInUseException"}


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """Bedrock's Tag list shape: [{"key": ..., "value": ...}]."""
    return [{"key": k, "value": v} for k, v in tags.items()]


def fail(action: str, exc: Exception) -> Exception:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code, message = error.get("Code", "Error"), summarize(str(error.get("Message", str(exc))))
        if code in RETRYABLE:
            return ProviderUnavailable(f"Bedrock {action}: {code}: {message} Try again shortly.")
        if code == "AccessDeniedException":
            return ProviderRejected(
                f"Bedrock {action}: access denied ({message}). The identity needs the Bedrock permission "
                "for this action (and iam:PassRole on the customization role to create jobs)."
            )
        if code == "ServiceQuotaExceededException":
            return ProviderRejected(f"Bedrock {action}: a service quota is exhausted ({message}).")
        return ProviderRejected(f"Bedrock {action}: {code}: {message}")
    return ProviderUnavailable(f"Bedrock {action}: could not reach the service ({summarize(str(exc))}).")


def aware(value: Any) -> datetime | None:
    """A timestamp as UTC: one without a zone (some endpoints send them) is taken as UTC."""
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def status_of(kind: type[StatusT], answer: dict[str, Any], action: str) -> StatusT:
    raw = answer.get("status")
    try:
        return kind(raw)
    except ValueError:
        raise ProviderDataError(f"Bedrock {action}: the answer has no known status ({raw!r}).") from None


def code_of(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
