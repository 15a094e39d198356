"""What every route depends on: the services, and who is calling (decided in services/access/signin.py), with
the scopes of their API token checked (services/access/api_tokens.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.model_calls import ModelCalls
from api.rendered import Rendered
from services.access.api_tokens import require_scope, scope_for
from services.bootstrap import Services
from services.domain.generations import TOKENS, Generations
from services.domain.identity import Actor


async def _services(request: Request) -> Services:  # async: no thread hop for a lookup
    return request.app.state.get_services()  # type: ignore[no-any-return]


async def _generations(request: Request) -> Generations:  # async: one small query, no thread hop
    """Every area's generation, read once per request: the token, the model's light and its prices are then
    answered from memory as of them (services/domain/generations.py)."""
    services: Services = request.app.state.get_services()
    return services.catalog.generations()


async def _actor(request: Request, generations: Annotated[Generations, Depends(_generations)]) -> Actor:
    """The caller, once their token's scopes allow this route (403 naming the missing scope): every
    route depends on it, so no route can skip the check."""
    services: Services = request.app.state.get_services()
    actor = services.identities.for_api(
        request.headers.get("authorization", ""),
        request.client.host if request.client else "",
        request.headers.get("x-request-id") or None,
        generations[TOKENS],
    )
    route = request.scope.get("route")
    require_scope(actor, scope_for(request.method, getattr(route, "path", request.url.path)))
    return actor


async def _calls(request: Request) -> ModelCalls:
    """This process's pool for model calls (api/model_calls.py), made on first use."""
    state = request.app.state
    calls: ModelCalls | None = getattr(state, "model_calls", None)
    if calls is None:
        settings = state.get_services().settings
        calls = state.model_calls = ModelCalls(settings.model_call_concurrency, settings.model_call_queue)
    return calls


async def _rendered(request: Request) -> Rendered:
    """This process's answers of the busiest reads, kept per catalog revision (api/rendered.py)."""
    state = request.app.state
    rendered: Rendered | None = getattr(state, "rendered", None)
    if rendered is None:
        rendered = state.rendered = Rendered()
    return rendered


Svc = Annotated[Services, Depends(_services)]
Kept = Annotated[Rendered, Depends(_rendered)]
Gens = Annotated[Generations, Depends(_generations)]
Calls = Annotated[ModelCalls, Depends(_calls)]
Who = Annotated[Actor, Depends(_actor)]
