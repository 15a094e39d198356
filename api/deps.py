"""What every route depends on: the services, and who is calling (decided in services/access/signin.py), with
the scopes of their API token checked (services/access/api_tokens.py).

``Call`` is all of it in one dependency (the busiest routes take only it: each dependency costs FastAPI a few
tens of microseconds per request); ``Who`` is its caller, decided by the same function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from api.model_calls import ModelCalls
from api.rendered import Rendered
from services.access.api_tokens import require_scope, scope_for
from services.bootstrap import Services
from services.domain.generations import TOKENS, Generations
from services.domain.identity import Actor


@dataclass(frozen=True, slots=True)
class CallContext:
    """One request's services, every area's generation (read once for it), and its caller, scopes checked."""

    services: Services
    generations: Generations
    actor: Actor
    state: Any  # the app's state: this process's pools, made on first use

    def rendered(self) -> Rendered:
        """This process's answers of the busiest reads, kept per catalog revision (api/rendered.py)."""
        rendered: Rendered | None = getattr(self.state, "rendered", None)
        if rendered is None:
            rendered = self.state.rendered = Rendered()
        return rendered

    def model_calls(self) -> ModelCalls:
        """This process's pool for model calls (api/model_calls.py), made on first use."""
        calls: ModelCalls | None = getattr(self.state, "model_calls", None)
        if calls is None:
            settings = self.services.settings
            calls = self.state.model_calls = ModelCalls(settings.model_call_concurrency, settings.model_call_queue)
        return calls


async def _services(request: Request) -> Services:  # async: no thread hop for a lookup
    return request.app.state.get_services()  # type: ignore[no-any-return]


async def _call(request: Request) -> CallContext:  # async: one small query, no thread hop
    """Every area's generation, read once per request (the token, the model's light and its prices are then
    answered from memory as of them: services/domain/generations.py), and the caller, once their token's
    scopes allow this route (403 naming the missing scope): every route depends on it, so no route can skip
    the check."""
    state = request.app.state
    services: Services = state.get_services()
    generations = services.catalog.generations()
    headers = request.headers
    actor = services.identities.for_api(
        headers.get("authorization", ""),
        request.client.host if request.client else "",
        headers.get("x-request-id") or None,
        generations[TOKENS],
    )
    route = request.scope.get("route")
    require_scope(actor, scope_for(request.method, getattr(route, "path", request.url.path)))
    return CallContext(services, generations, actor, state)


Call = Annotated[CallContext, Depends(_call)]


async def _actor(call: Call) -> Actor:
    return call.actor


Svc = Annotated[Services, Depends(_services)]
Who = Annotated[Actor, Depends(_actor)]
