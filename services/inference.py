"""Calling a model: the one enforcement point of "only enabled models may be used".

The rest of the platform calls Model Studio (POST /api/models/{id}/invoke, or the OpenAI-compatible
/api/v1) and reaches a model only through ``InferenceService.chat``, which asks the rules
(services/actions.py: Action.INVOKE) before anything is sent: a model that is not GREEN is refused
with its light and next action, and the provider never sees the call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping

from pydantic import BaseModel, ConfigDict

from services.actions import Action, decide, subject
from services.errors import ModelNotFound, NotInvocable, ProviderUnavailable
from services.identity import Actor
from services.models import (
    MAX_LONG_TEXT,
    MAX_MESSAGES,
    ChatMessage,
    ChatRequest,
    CustomModel,
    ModelType,
    ModelView,
    Provider,
    Reply,
    Target,
)
from services.ports import InferenceBackend

__all__ = [
    "MAX_LONG_TEXT",
    "MAX_MESSAGES",
    "Answer",
    "ChatMessage",
    "ChatRequest",
    "InferenceService",
    "Reply",
    "Target",
]


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_id: str
    output: str
    input_tokens: int
    output_tokens: int
    latency_ms: float
    cost: float | None  # what the call cost, when a per-token price is known (None: not known)
    simulated: bool


class InferenceService:
    def __init__(
        self,
        catalog: Callable[[str], ModelView],
        custom: Callable[[str], CustomModel],
        backends: Mapping[Provider, InferenceBackend],
        token_prices: Callable[[ModelView], tuple[float, float] | None] = lambda view: None,
    ) -> None:
        self._catalog = catalog
        self._custom = custom
        self._backends = backends
        self._token_prices = token_prices

    def invocable(self, views: list[ModelView], via: Action = Action.INVOKE) -> list[ModelView]:
        """The models a caller may use now: GREEN (``Action.INVOKE``), or for the playground also
        servable custom models not yet enabled (``Action.TRY``)."""
        return [v for v in views if decide(via, subject(v))]

    def target(self, model_id: str, actor: Actor, via: Action = Action.INVOKE) -> Target:
        """Where a call to ``model_id`` goes, or why it may not be made (refused before any call)."""
        if via not in (Action.INVOKE, Action.TRY):
            raise ValueError(via)
        view = self._catalog(model_id)
        custom = self._custom(model_id) if view.record.model_type is ModelType.CUSTOM else None
        decision = decide(via, subject(view, custom), actor)
        if not decision:
            raise NotInvocable(decision.reason, view.status.value, view.next_action)
        record = view.record
        if custom is None:
            return Target(
                model_id, record.name, record.provider, record.model_id, token_prices=self._token_prices(view)
            )
        arn = custom.throughput_arn if custom.throughput_status is not None else None
        arn = arn or custom.deployment_arn
        if not arn:  # GREEN implies a way to serve it; a record without its ARN is not callable
            raise ModelNotFound(f"{record.name} has no throughput or deployment ARN to call it with.")
        return Target(model_id, record.name, Provider.BEDROCK, arn, custom.region, custom, self._token_prices(view))

    def _backend(self, target: Target) -> InferenceBackend:
        backend = self._backends.get(target.provider)
        if backend is None:
            raise ProviderUnavailable(
                f"{target.name} is a {target.provider.value} model and no {target.provider.value} access is set "
                "(STUDIO_OPENAI_API_KEY)."
            )
        return backend

    def chat(self, model_id: str, request: ChatRequest, actor: Actor, via: Action = Action.INVOKE) -> Answer:
        request.check()
        target = self.target(model_id, actor, via)
        start = time.perf_counter()
        reply = self._backend(target).chat(target, request)
        return self._answer(target, reply, (time.perf_counter() - start) * 1000)

    def stream(
        self, model_id: str, request: ChatRequest, actor: Actor, via: Action = Action.INVOKE
    ) -> Iterator[str | Answer]:
        """The answer's pieces as they arrive, then the Answer. Refused (raised) before the first."""
        request.check()
        target = self.target(model_id, actor, via)
        self._backend(target)
        return self._stream(target, request)

    def _stream(self, target: Target, request: ChatRequest) -> Iterator[str | Answer]:
        start = time.perf_counter()
        for piece in self._backend(target).stream(target, request):
            if isinstance(piece, Reply):
                yield self._answer(target, piece, (time.perf_counter() - start) * 1000)
            else:
                yield piece

    def _answer(self, target: Target, reply: Reply, latency_ms: float) -> Answer:
        prices = target.token_prices  # looked up with the target: no second catalog read per call
        cost = None
        if prices is not None:
            cost = reply.input_tokens / 1000 * prices[0] + reply.output_tokens / 1000 * prices[1]
        return Answer(
            model_id=target.model_id,
            output=reply.text,
            input_tokens=reply.input_tokens,
            output_tokens=reply.output_tokens,
            latency_ms=round(latency_ms, 3),
            cost=cost,
            simulated=reply.simulated,
        )
