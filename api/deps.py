"""What every route depends on: the services, and who is calling (decided in services/signin.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.bootstrap import Services
from services.identity import Actor


async def _services(request: Request) -> Services:  # async: no thread hop for a lookup
    return request.app.state.get_services()  # type: ignore[no-any-return]


async def _actor(request: Request) -> Actor:  # async: a dict lookup, or one indexed token query
    services: Services = request.app.state.get_services()
    return services.identities.for_api(
        request.headers.get("authorization", ""),
        request.client.host if request.client else "",
        request.headers.get("x-request-id") or None,
    )


Svc = Annotated[Services, Depends(_services)]
Who = Annotated[Actor, Depends(_actor)]
