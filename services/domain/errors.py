"""Errors the services raise. Pages and the API catch ServiceError and show its message."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base of every error a user may see. The message says what is wrong and where."""

    code = "ServiceError"


class SettingsError(ServiceError):
    code = "InvalidSettings"


class ModelNotFound(ServiceError):
    code = "NotFound"


class TransitionNotAllowed(ServiceError):
    """The status rules forbid this change."""

    code = "Conflict"


class NotInvocable(TransitionNotAllowed):
    """The model may not be called now: it is not GREEN (its light and next action say why)."""

    def __init__(self, message: str, status: str, next_action: str) -> None:
        super().__init__(message)
        self.status = status
        self.next_action = next_action


class ConcurrentUpdate(ServiceError):
    """Someone else changed the record between read and write; nothing was changed."""

    code = "Conflict"


class ProviderError(ServiceError):
    """A provider (Bedrock, OpenAI) could not give us what we asked for."""

    code = "ProviderError"


class ProviderUnavailable(ProviderError):
    """The provider could not be reached, refused us, or failed."""

    code = "ProviderUnavailable"


class ProviderThrottled(ProviderUnavailable):
    """The provider asks us to slow down (Bedrock's ThrottlingException, OpenAI's 429)."""

    code = "Throttled"

    def __init__(self, message: str, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ModelCallFailed(ProviderError):
    """The provider refused or failed a call to a model (a 502 to our caller: not their mistake)."""

    code = "ModelCallFailed"


class ProviderDataError(ProviderError):
    """The provider answered with data we cannot use (missing or malformed fields)."""

    code = "ProviderDataError"


class InvalidRequest(ServiceError):
    """What the user asked for breaks a rule; ``problems`` lists every one of them."""

    code = "InvalidRequest"

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or [message]


class BucketNotAllowed(InvalidRequest):
    """An s3:// URI in a bucket Model Studio may not read for its users (services/domain/s3uri.py: user_uri)."""

    code = "BucketNotAllowed"


class InvalidData(InvalidRequest):
    """Training or validation data that Bedrock would reject. ``reports`` say where."""

    code = "InvalidData"

    def __init__(
        self, message: str, problems: list[str], reports: list[object], summary: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message, problems)
        self.reports = reports
        self.summary = summary  # what the data holds (DataCheck.summary), returned with the 422


class ObjectStoreError(ServiceError):
    """The object store (S3) refused or could not be reached."""

    code = "ObjectStoreError"


class ProviderRejected(ProviderError):
    """The provider refused the request itself (validation, quota, conflict)."""

    code = "ProviderRejected"


class DuplicateName(InvalidRequest):
    code = "Conflict"


class Forbidden(ServiceError):
    """The actor's role does not allow this."""

    code = "Forbidden"


class NotYours(NotInvocable, Forbidden):
    """The model may be tried before it is enabled, but by its owner or an admin only (403)."""

    code = "Forbidden"


class Unauthenticated(ServiceError):
    """Nobody is signed in (or the API token is missing, unknown or revoked)."""

    code = "Unauthenticated"


def summarize(text: str, limit: int = 300) -> str:
    """A provider's error text fit to show: an HTML page (a proxy's or a gateway's error page) is
    reduced to its title or its text, whitespace collapsed, and the whole cut to ``limit``."""
    import html
    import re

    if re.search(r"<\s*(!doctype|html|head|body|title)\b", text, re.I):
        title = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
        if title and title.group(1).strip():
            text = title.group(1)
        else:
            text = re.sub(r"<(script|style)\b.*?</\1>", " ", text, flags=re.I | re.S)
            text = re.sub(r"<[^>]+>", " ", text)
        text = "(an HTML error page) " + html.unescape(text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


class DeliveryFailed(ServiceError):
    """A receiver did not take a notice (its answer is the message); the dispatcher retries."""

    code = "DeliveryFailed"
