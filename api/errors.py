"""Errors as the contract has them: {Message, Code} (and Problems for 422s), never a stack trace."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.schemas import MAX_PROBLEMS, Error, pascal
from services.errors import (
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


def _error_response(exc: ServiceError) -> JSONResponse:
    status = next((code for kind, code in _STATUS_CODES if isinstance(exc, kind)), 400)
    body: dict[str, Any] = {"Message": str(exc), "Code": exc.code}
    if isinstance(exc, InvalidRequest):
        body["Problems"] = exc.problems
    if isinstance(exc, InvalidData) and exc.summary is not None:
        body["DataSummary"] = pascal(exc.summary)
    headers = {}
    if isinstance(exc, NotInvocable):
        body["Status"], body["NextAction"] = exc.status, exc.next_action
    if isinstance(exc, ProviderThrottled):
        body["RetryAfterSeconds"] = exc.retry_after
        headers["Retry-After"] = str(exc.retry_after)
    return JSONResponse(body, status_code=status, headers=headers)


def _openai_shaped(request: Request, response: JSONResponse) -> JSONResponse:
    """The OpenAI-compatible routes (/api/v1) answer errors as OpenAI does, so its SDKs read them."""
    if not request.url.path.startswith(OPENAI_PREFIXES):
        return response
    body = orjson.loads(response.body)
    error = {"message": body.pop("Message"), "type": body["Code"], "code": body.pop("Code"), "param": None}
    error |= dict(body.items())
    headers = {k: v for k, v in response.headers.items() if k.lower() == "retry-after"}
    return JSONResponse({"error": error}, status_code=response.status_code, headers=headers)


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
        return _openai_shaped(request, _error_response(exc))

    @api.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        problems = [f"{'.'.join(str(p)[:64] for p in e['loc'])}: {e['msg']}" for e in errors[:MAX_PROBLEMS]]
        if len(errors) > MAX_PROBLEMS:
            problems.append(f"… and {len(errors) - MAX_PROBLEMS:,} more")
        response = JSONResponse(
            {
                "Message": "The request is not valid: " + "; ".join(problems[:5]),
                "Code": "ValidationError",
                "Problems": problems,
            },
            status_code=422,
        )
        return _openai_shaped(request, response)

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:  # never a stack trace
        return JSONResponse({"Message": f"Internal error ({type(exc).__name__}).", "Code": "InternalError"}, 500)
