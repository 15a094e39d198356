"""Calling a model: the one enforcement point of "only enabled models may be used".

The rest of the platform calls Model Studio (POST /api/models/{id}/invoke, or the OpenAI-compatible
/api/v1) and reaches a model only through ``InferenceService.chat``, which asks the rules
(services/domain/actions.py: Action.INVOKE) before anything is sent: a model that is not GREEN is refused
with its light and next action, and the provider never sees the call.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict

from services.domain.actions import Action, decide, subject
from services.domain.calls import MAX_LONG_TEXT, MAX_MESSAGES, CallCount, ChatMessage, ChatRequest, Reply, Target, Usage
from services.domain.custom import CustomModel
from services.domain.errors import ModelNotFound, NotInvocable, NotYours, ProviderUnavailable, ServiceError
from services.domain.generations import CATALOG, ENDPOINTS, Generations
from services.domain.identity import Actor
from services.domain.models import ModelRecord, ModelType, ModelView, Provider, Status
from services.domain.profiles import profile_for
from services.ports import InferenceBackend, UsageStore

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


_CONTEXT_VARIANT = re.compile(r"(:\d+)?:\d+k$")  # amazon.nova-micro-v1:0:128k, titan-text-lite-v1:0:4k
ON_DEMAND_TYPES = frozenset({"ON_DEMAND", "INFERENCE_PROFILE"})
COUNT_FLUSH_SECONDS = 1.0  # call counts are written at most this often (and at exit)
STREAM_CHECK_SECONDS = 0.0  # a stream asks whether the catalog moved before each piece (one small query)


def runtime_model_id(
    record: ModelRecord,
    region: str,
    lookup: Callable[[str], ModelRecord | None],
    profiles: Callable[[], Mapping[str, Sequence[str]] | None] | None = None,
) -> str:
    """What Bedrock Runtime is called with for a base model. A model served on demand: its id. One
    that Bedrock serves only through an inference profile: the most local profile Bedrock lists for it in the
    region (``profiles``: model id -> profile ids, ListInferenceProfiles; None in the simulation, which takes the
    region's own geography: ``us.`` + id). A fine-tunable variant with a context window (``…:0:128k``) that
    Bedrock serves only by provisioned throughput: the same model's on-demand variant, as the console does."""
    types = set(record.inference_types)
    if "ON_DEMAND" in types:
        return record.model_id
    if "INFERENCE_PROFILE" in types:
        profile = profile_for(record.model_id, region, profiles() if profiles is not None else None)
        if profile is None:
            raise ProviderUnavailable(
                f"{record.name} is served through a cross-Region inference profile, and Bedrock lists none for it "
                f"in {region} (ListInferenceProfiles); call it from a region that has one."
            )
        return profile
    match = _CONTEXT_VARIANT.search(record.model_id)
    if match:
        stem = record.model_id[: match.start()]
        for candidate in (stem + (match.group(1) or ""), stem):
            sibling = lookup(f"{record.provider.slug}:{candidate}")
            if sibling is not None and ON_DEMAND_TYPES & set(sibling.inference_types):
                return runtime_model_id(sibling, region, lookup, profiles)
    raise NotInvocable(
        f"{record.name} is served only through provisioned throughput, and the catalog lists no on-demand "
        "variant of it to call; sync the catalog, or call a custom model of it through its throughput.",
        "GREEN" if record.enabled else "YELLOW",
        "Sync the catalog to find its on-demand variant",
    )


class Answer(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_id: str
    output: str
    input_tokens: int
    output_tokens: int
    latency_ms: float
    cost: float | None  # what the call cost, when a per-token price is known (None: not known)
    simulated: bool


TokenPrices = Callable[[ModelRecord, CustomModel | None, Generations, ModelRecord | None], tuple[float, float] | None]


class InferenceService:
    """Every lookup a call makes (the model and its light, its custom record, the endpoint, the prices) is
    answered from memory as of the generations read once for the call (services/domain/generations.py):
    one query per call, and a change made by any process is seen by the next call."""

    def __init__(
        self,
        catalog: Callable[[str, Generations], ModelView],
        custom: Callable[[str, Generations], CustomModel],
        backends: Mapping[Provider, InferenceBackend],
        token_prices: TokenPrices = lambda record, custom, generations, base: None,
        *,
        generations: Callable[[], Generations],
        region: str = "us-east-1",
        usage: UsageStore | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        profiles: Callable[[str], Mapping[str, Sequence[str]] | None] | None = None,
        endpoint: Callable[[str, Generations], str] | None = None,
    ) -> None:
        self._catalog = catalog
        self._profiles = profiles  # the inference profiles Bedrock lists per region (aws mode; cached there)
        self._endpoint = endpoint  # an endpoint's id -> the custom model it serves now (services/serving)
        self._generations = generations  # read once per call; a stream reads them again as it goes
        self._custom = custom
        self._backends = backends
        self._token_prices = token_prices
        self._region = region  # base models are called in the jobs' region
        self._usage = usage
        self._clock = clock
        self._pending: dict[tuple[str, str], CallCount] = {}
        self._pending_lock = threading.Lock()
        self._flushed = time.monotonic()

    def _listed_profiles(self) -> Mapping[str, Sequence[str]] | None:
        return self._profiles(self._region) if self._profiles is not None else None

    def generations(self) -> Generations:
        return self._generations()

    def _lookup(self, model_id: str, generations: Generations) -> ModelRecord | None:
        try:
            return self._catalog(model_id, generations).record
        except ModelNotFound:
            return None

    def _count(self, model_id: str, answer: Answer | None = None, *, failed: bool = False) -> None:
        """Every call, counted per model and day: answered (with tokens and latency), failed, refused.
        Counts are added up in memory and written at most every COUNT_FLUSH_SECONDS, in one upsert per
        model and day: a write per call serialised concurrent callers on SQLite. A process killed
        outright loses at most that last second of counts; ``flush`` (at exit) writes them."""
        if self._usage is None:
            return
        now = self._clock()
        values: dict[str, Any] = {"model_id": model_id, "day": f"{now:%Y-%m-%d}"}
        if answer is not None:
            values |= {
                "last_at": now,
                "calls": 1,
                "input_tokens": answer.input_tokens,
                "output_tokens": answer.output_tokens,
                "latency_ms": answer.latency_ms,
            }
        else:
            values |= {"failures": 1} if failed else {"refused": 1}
        count = CallCount.model_validate(values)
        key = (model_id, count.day)
        with self._pending_lock:
            old = self._pending.get(key)
            self._pending[key] = old.plus(count) if old is not None else count
            due = time.monotonic() - self._flushed >= COUNT_FLUSH_SECONDS
        if due:
            self.flush()

    def flush(self) -> None:
        """Write the counts held in memory (each as one atomic add to its row)."""
        if self._usage is None:
            return
        with self._pending_lock:
            pending, self._pending = self._pending, {}
            self._flushed = time.monotonic()
        for key, count in pending.items():
            try:
                self._usage.count_call(count)
            except Exception:  # the database is away: keep the counts for the next flush
                with self._pending_lock:
                    old = self._pending.get(key)
                    self._pending[key] = old.plus(count) if old is not None else count
                raise

    def usage(self, model_id: str, days: int = 30) -> Usage:
        """A model's calls over the last ``days`` days (UTC), those not yet written included."""
        since = f"{self._clock() - timedelta(days=days - 1):%Y-%m-%d}"
        self.flush()
        counts = self._usage.call_counts(model_id, since) if self._usage is not None else []
        return Usage(model_id=model_id, days=tuple(counts))

    def invocable(
        self, views: list[ModelView], via: Action = Action.INVOKE, actor: Actor | None = None
    ) -> list[ModelView]:
        """The models ``actor`` may use now: GREEN (``Action.INVOKE``), or for the playground also
        their own servable custom models not yet enabled (every one for an admin: ``Action.TRY``)."""
        if via is Action.TRY and actor is None:
            raise ValueError("who tries a model decides which may be tried")
        generations = self._generations() if via is Action.TRY else {}
        found = []
        for v in views:
            custom = None
            if via is Action.TRY and v.record.model_type is ModelType.CUSTOM and v.status is not Status.GREEN:
                try:
                    custom = self._custom(v.id, generations)  # its owner
                except ModelNotFound:
                    continue
            if decide(via, subject(v, custom), actor):
                found.append(v)
        return found

    def callable_now(self, views: list[ModelView], actor: Actor, via: Action = Action.INVOKE) -> list[ModelView]:
        """Of ``views``, those ``actor`` may call now and that can answer a call: not only allowed by the
        rules, but with a way to reach them (a model Bedrock serves only by provisioned throughput, with no
        on-demand variant, is enabled yet cannot answer)."""
        found = []
        generations = self._generations()
        for view in self.invocable(views, via, actor):
            try:
                self.target(view.id, actor, via, generations)
            except (NotInvocable, ProviderUnavailable, ModelNotFound):
                continue
            found.append(view)
        return found

    def target(
        self, model_id: str, actor: Actor, via: Action = Action.INVOKE, generations: Generations | None = None
    ) -> Target:
        """Where a call to ``model_id`` goes, or why it may not be made (refused before any call): as of
        ``generations`` (read now when not given)."""
        if via not in (Action.INVOKE, Action.TRY):
            raise ValueError(via)
        gens = generations if generations is not None else self._generations()
        if model_id.startswith("endpoint:") and self._endpoint is not None:  # the model behind it now, same rules
            model_id = self._endpoint(model_id, gens)
        view = self._catalog(model_id, gens)
        custom = self._custom(model_id, gens) if view.record.model_type is ModelType.CUSTOM else None
        decision = decide(via, subject(view, custom), actor)
        if not decision:
            refused = NotYours if decision.forbidden else NotInvocable
            raise refused(decision.reason, view.status.value, view.next_action)
        record = view.record
        if custom is None:
            called = record.model_id
            if record.provider is Provider.BEDROCK:
                lookup = lambda other: self._lookup(other, gens)  # noqa: E731 - as of this call's generations
                called = runtime_model_id(record, self._region, lookup, self._listed_profiles)
            prices = self._token_prices(record, None, gens, None)
            return Target(model_id, record.name, record.provider, called, token_prices=prices)
        arn = custom.throughput_arn if custom.throughput_status is not None else None
        arn = arn or custom.deployment_arn or (custom.custom_model_arn if custom.serves_itself else None)
        if not arn:  # GREEN implies a way to serve it; a record without its ARN is not callable
            raise ModelNotFound(f"{record.name} has no throughput or deployment ARN to call it with.")
        prices = self._token_prices(record, custom, gens, self._lookup(custom.base_model_id, gens))
        return Target(model_id, record.name, Provider.BEDROCK, arn, custom.region, custom, prices)

    def _backend(self, target: Target) -> InferenceBackend:
        backend = self._backends.get(target.provider)
        if backend is None:
            raise ProviderUnavailable(
                f"{target.name} is a {target.provider.value} model and no {target.provider.value} access is set "
                "(STUDIO_OPENAI_API_KEY)."
            )
        return backend

    def _target(self, model_id: str, actor: Actor, via: Action, generations: Generations | None) -> Target:
        try:
            return self.target(model_id, actor, via, generations)
        except NotInvocable:
            self._count(model_id)
            raise

    def chat(
        self,
        model_id: str,
        request: ChatRequest,
        actor: Actor,
        via: Action = Action.INVOKE,
        generations: Generations | None = None,
    ) -> Answer:
        """One call, refused before the provider hears of it unless the rules allow it as of ``generations``
        (the API reads them once per request; read here when not given)."""
        request.check()
        target = self._target(model_id, actor, via, generations)
        backend = self._backend(target)
        start = time.perf_counter()
        try:
            reply = backend.chat(target, request)
        except ServiceError:
            self._count(target.model_id, failed=True)
            raise
        answer = self._answer(target, reply, (time.perf_counter() - start) * 1000)
        self._count(target.model_id, answer)  # the model called (behind an endpoint: the one it serves now)
        return answer

    def stream(
        self,
        model_id: str,
        request: ChatRequest,
        actor: Actor,
        via: Action = Action.INVOKE,
        generations: Generations | None = None,
    ) -> Iterator[str | Answer]:
        """The answer's pieces as they arrive, then the Answer. Refused (raised) before the first; and
        at a later piece, once the model may no longer be called (disabled, say, mid-stream): every
        STREAM_CHECK_SECONDS the generations are read again, and the rules asked again if they moved."""
        request.check()
        gens = generations if generations is not None else self._generations()
        target = self._target(model_id, actor, via, gens)
        self._backend(target)
        return self._stream(target, request, actor, via, gens)

    def _moved(self, generations: Generations) -> Generations | None:
        now = self._generations()
        return now if (now[CATALOG], now[ENDPOINTS]) != (generations[CATALOG], generations[ENDPOINTS]) else None

    def _stream(
        self, target: Target, request: ChatRequest, actor: Actor, via: Action, generations: Generations
    ) -> Iterator[str | Answer]:
        start = checked = time.perf_counter()
        try:
            for piece in self._backend(target).stream(target, request):
                if time.perf_counter() - checked >= STREAM_CHECK_SECONDS:
                    checked = time.perf_counter()
                    if (moved := self._moved(generations)) is not None:
                        generations = moved  # NotInvocable or ModelNotFound: it ends here
                        self.target(target.model_id, actor, via, generations)
                if isinstance(piece, Reply):
                    answer = self._answer(target, piece, (time.perf_counter() - start) * 1000)
                    self._count(target.model_id, answer)
                    yield answer
                else:
                    yield piece
        except ServiceError:
            self._count(target.model_id, failed=True)
            raise

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
