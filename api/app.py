"""The FastAPI app of the seed's REST contract, mounted at /api by server.py. Thin: every rule is
decided by the services the UI uses too. Routers per resource (api/routers/), bodies in
api/schemas.py, errors in api/errors.py, dependencies in api/deps.py."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.routers import (
    custom_models,
    endpoints,
    evaluations,
    inference,
    invocation_logs,
    models,
    notices,
    prices,
    tokens,
)
from services.bootstrap import Services


def create_api(get_services: Callable[[], Services]) -> FastAPI:
    api = FastAPI(
        title="Model Studio API",
        version="1",
        description="Custom models on Amazon Bedrock, and the model catalog. Errors: {Message, Code}.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    api.state.get_services = get_services
    install_error_handlers(api)
    # the gateway and the busiest reads first: a request is matched against the routes in this order (no two
    # routers' paths overlap, so the order changes nothing else)
    api.include_router(inference.router)
    api.include_router(models.router)
    api.include_router(custom_models.router)
    api.include_router(invocation_logs.router)
    api.include_router(endpoints.router)
    api.include_router(evaluations.router)
    api.include_router(notices.router)
    api.include_router(tokens.router)
    api.include_router(prices.router)
    return api
