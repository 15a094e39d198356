"""Errors as the contract has them: {Message, Code} (and Problems for 422s), never a stack trace."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from api.schemas import MAX_PROBLEMS, Error, pascal
from services.domain.errors import (
    ConcurrentUpdate,
    DuplicateName,
    Forbidden,
    InvalidData,
    InvalidRequest,
    ModelCallFailed,
    ModelNotFound,
    NotInvocable,
    ObjectStoreError,
    ProviderRejected,
    ProviderThrottled,
    ProviderUnavailable,
    ServiceError,
    TransitionNotAllowed,
    Unauthenticated,
)

_STATUS_CODES: list[tuple[type[ServiceError], int]] = [
    (Unauthenticated, 401),
    (Forbidden, 403),
    (InvalidData, 422),
    (DuplicateName, 409),
    (InvalidRequest, 422),
    (ModelNotFound, 404),
    (TransitionNotAllowed, 409),
    (ConcurrentUpdate, 409),
    (ProviderRejected, 400),
    (ProviderThrottled, 429),
    (ModelCallFailed, 502),
    (ProviderUnavailable, 503),
    (ObjectStoreError, 400),
]


OPENAI_PREFIXES = ("/api/v1/", "/v1/")  # as mounted by server.py, and the bare API app


def _error_parts(exc: ServiceError) -> tuple[int, dict[str, Any], dict[str, str]]:
    """(status, body, headers) of a service error, in the contract's {Message, Code} shape."""
    status = next((code for kind, code in _STATUS_CODES if isinstance(exc, kind)), 400)
    body: dict[str, Any] = {"Message": str(exc), "Code": exc.code}
    if isinstance(exc, InvalidRequest):
        body["Problems"] = exc.problems
    if isinstance(exc, InvalidData) and exc.summary is not None:
        body["DataSummary"] = pascal(exc.summary)
    headers: dict[str, str] = {}
    if isinstance(exc, NotInvocable):
        body["Status"], body["NextAction"] = exc.status, exc.next_action
    if isinstance(exc, ProviderThrottled):
        body["RetryAfterSeconds"] = exc.retry_after
        headers["Retry-After"] = str(exc.retry_after)
    return status, body, headers


def _respond(
    request: Request, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> JSONResponse:
    """An error as the contract has it; on the OpenAI-compatible routes (/api/v1) as OpenAI has it,
    so its SDKs read it: {"error": {message, type, code, param, ...}}."""
    if request.url.path.startswith(OPENAI_PREFIXES):
        rest = {k: v for k, v in body.items() if k not in ("Message", "Code")}
        body = {"error": {"message": body["Message"], "type": body["Code"], "code": body["Code"], "param": None} | rest}
    return JSONResponse(body, status_code=status, headers=headers)


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error},
    401: {"model": Error},
    403: {"model": Error},
    404: {"model": Error},
    409: {"model": Error},
    422: {"model": Error},
    429: {"model": Error},
    502: {"model": Error},
    503: {"model": Error},
}


def install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return _respond(request, *_error_parts(exc))

    @api.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        problems = [f"{'.'.join(str(p)[:64] for p in e['loc'])}: {e['msg']}" for e in errors[:MAX_PROBLEMS]]
        if len(errors) > MAX_PROBLEMS:
            problems.append(f"… and {len(errors) - MAX_PROBLEMS:,} more")
        body = {
            "Message": "The request is not valid: " + "; ".join(problems[:5]),
            "Code": "ValidationError",
            "Problems": problems,
        }
        return _respond(request, 422, body)

    @api.exception_handler(ValidationError)
    async def _model_error(request: Request, exc: ValidationError) -> JSONResponse:  # a rule a body slipped past
        problems = [f"{'.'.join(str(p)[:64] for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:MAX_PROBLEMS]]
        body = {"Message": "The request is not valid: " + "; ".join(problems[:5]), "Code": "ValidationError"}
        return _respond(request, 422, body | {"Problems": problems})

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:  # never a stack trace
        if getattr(exc, "connection_invalidated", False):  # the database dropped a pooled connection (engine.py)
            body = {"Message": "The database connection was lost; it has been renewed. Try again.", "Code": "Retry"}
            return JSONResponse(body, 503, headers={"Retry-After": "1"})
        return JSONResponse({"Message": f"Internal error ({type(exc).__name__}).", "Code": "InternalError"}, 500)
