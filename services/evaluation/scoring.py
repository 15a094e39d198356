"""One record of an evaluation: the custom model and its base answer as the engineer who started the
run, each answer is scored against the reference, and the judge (if any) decides, asked in both orders.
Calls are retried with backoff while the provider throttles; a refusal by the rules never is."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from services.domain.actions import Action
from services.domain.calls import ChatMessage, ChatRequest
from services.domain.errors import (
    ModelNotFound,
    NotInvocable,
    ProviderUnavailable,
    ServiceError,
)
from services.domain.evaluations import Evaluation, EvaluationResult
from services.domain.identity import Actor, Role
from services.evaluation.metrics import (
    JUDGE_SYSTEM,
    SCORERS,
    judge_prompt,
    parse_choice,
    verdict,
)
from services.evaluation.records import Item
from services.inference.service import Answer, InferenceService


def runs_as(evaluation: Evaluation) -> tuple[Actor, Action]:
    """Who a run calls models as (the engineer who started it, with the role they had), and the
    rule its custom model is called under (enabled at start: INVOKE; tried before enabling: TRY)."""
    role = Role(evaluation.created_role) if evaluation.created_role else Role.MEMBER
    who = Actor(id=evaluation.created_by, name=evaluation.created_by, role=role, via="evaluation")
    return who.for_request(evaluation.id), Action.TRY if evaluation.tried in (True, None) else Action.INVOKE


class Scorer:
    """Scores records by calling models through InferenceService (the rules decide at every call)."""

    def __init__(self, inference: InferenceService, *, retry_seconds: float = 1.0, attempts: int = 6) -> None:
        self._inference = inference
        self._retry_seconds = retry_seconds
        self._attempts = attempts

    def _call(self, model_id: str, request: ChatRequest, actor: Actor, via: Action) -> Answer:
        """One call, retried with exponential backoff and jitter while the provider throttles or is
        briefly unavailable; a refusal by the rules is never retried."""
        retrying = Retrying(
            retry=retry_if_exception_type(ProviderUnavailable),
            wait=wait_exponential_jitter(
                multiplier=self._retry_seconds, max=60 * self._retry_seconds, jitter=self._retry_seconds
            ),
            stop=stop_after_attempt(self._attempts),
            reraise=True,
        )
        return retrying(self._inference.chat, model_id, request, actor, via)

    def evaluate(
        self, evaluation: Evaluation, item: Item, given: Mapping[str, Answer | str] | None = None
    ) -> EvaluationResult:
        """One record: both models answer, each answer is scored, and the judge (if any) decides.
        A model that may no longer be called (or no longer exists) ends the run: it is raised. ``given``: the
        answers a batch job already gave ("custom", "base"), or why it gave none for this record."""
        actor, via = runs_as(evaluation)
        request = ChatRequest(
            messages=item.messages,
            system=item.system,
            max_tokens=evaluation.max_tokens,
            temperature=evaluation.temperature,
        )
        result = EvaluationResult(
            evaluation_id=evaluation.id, index=item.index, prompt=item.prompt, reference=item.reference
        )
        given = given or {}
        failed = next((said for said in given.values() if isinstance(said, str)), None)
        if failed is not None:
            return result.model_copy(update={"error": failed})
        try:
            custom = given.get("custom") or self._call(evaluation.custom_model_id, request, actor, via)
            base = given.get("base") or self._call(evaluation.base_model_id, request, actor, Action.INVOKE)
        except (NotInvocable, ModelNotFound):
            raise
        except ServiceError as exc:
            return result.model_copy(update={"error": str(exc)})
        assert isinstance(custom, Answer) and isinstance(base, Answer)
        answers = [custom, base]
        scores = {
            m: (SCORERS[m](custom.output, item.reference), SCORERS[m](base.output, item.reference))
            for m in evaluation.metrics
        }
        update: dict[str, Any] = {
            "custom_output": custom.output,
            "base_output": base.output,
            "custom_tokens": (custom.input_tokens, custom.output_tokens),
            "base_tokens": (base.input_tokens, base.output_tokens),
            "custom_latency_ms": custom.latency_ms,
            "base_latency_ms": base.latency_ms,
            "scores": scores,
            "simulated": custom.simulated or base.simulated,
        }
        if evaluation.judge_model_id is not None:
            try:
                judged, note, calls = self._judge(evaluation, item, custom.output, base.output, actor)
            except (NotInvocable, ModelNotFound):
                raise
            except ServiceError as exc:
                update["error"] = f"the judge could not answer: {exc}"
            else:
                answers += calls
                update |= {"verdict": judged, "judge_note": note}
        costs = [a.cost for a in answers]
        update["cost"] = None if any(c is None for c in costs) else sum(c for c in costs if c is not None)
        return result.model_copy(update=update)

    def _judge(
        self, evaluation: Evaluation, item: Item, custom: str, base: str, actor: Actor
    ) -> tuple[Any, str, list[Answer]]:
        """Both orders, the first chosen at random (the same on a resumed run: seeded per record)."""
        assert evaluation.judge_model_id is not None
        custom_first = random.Random(f"{evaluation.seed}:{item.index}").random() < 0.5
        orders = [True, False] if custom_first else [False, True]  # True: the custom answer is A
        choices: dict[bool, Any] = {}
        calls = []
        for custom_is_a in orders:
            a, b = (custom, base) if custom_is_a else (base, custom)
            asked = ChatRequest(
                messages=(ChatMessage(role="user", content=judge_prompt(item.prompt, item.reference, a, b)),),
                system=JUDGE_SYSTEM,
                max_tokens=8,
                temperature=0.0,
            )
            answer = self._call(evaluation.judge_model_id, asked, actor, Action.INVOKE)
            calls.append(answer)
            choices[custom_is_a] = parse_choice(answer.output)
        judged, note = verdict(choices[True], choices[False])
        return judged, f"{note} (asked {'custom' if custom_first else 'base'} as A first)", calls
