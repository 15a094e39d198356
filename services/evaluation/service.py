"""Did the fine-tune help? A custom model and its base answer the same evaluation set; each answer is
scored against the reference (services/evaluation/metrics.py), optionally judged by an enabled model.

A run is stored per record as it goes (EvaluationStore): a process that dies mid-run loses at most
the records in flight, and the next runner (this process after a restart, or another replica, once
the run's lease expires) resumes from what is stored. Calls go through InferenceService as the
engineer who started the run, so the rules decide what may be called, at start and at every call:
the base model and the judge as the rest of the platform may (Action.INVOKE: enabled models only);
the custom model likewise when it was enabled at start, or else as its owner or an admin tries a
model before enabling it (Action.TRY). A model disabled, deleted or no longer served mid-run fails
the run with the reason. Every S3 URI passes services/domain/s3uri.py's ``user_uri`` before it is read.
"""

from __future__ import annotations

import concurrent.futures as futures
import logging
import random
import secrets
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson
from pydantic import BaseModel, ConfigDict, Field
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from services.background import Background
from services.customization import CustomizationService, Upload
from services.datasets.records import text_of
from services.datasets.report import DatasetKind
from services.datasets.specs import Family, family_for
from services.datasets.validate import validate_stream
from services.domain.actions import Action
from services.domain.errors import (
    Forbidden,
    InvalidData,
    InvalidRequest,
    ModelNotFound,
    NotInvocable,
    ProviderUnavailable,
    ServiceError,
    TransitionNotAllowed,
)
from services.domain.export import csv_text
from services.domain.identity import Actor, Role
from services.domain.models import (
    AuditEvent,
    ChatMessage,
    ChatRequest,
    CustomModel,
    Evaluation,
    EvaluationResult,
    EvaluationStatus,
    Target,
)
from services.domain.s3uri import safe_key_part, user_uri
from services.evaluation.metrics import (
    JUDGE_SYSTEM,
    METRICS,
    SCORERS,
    judge_prompt,
    paired_difference,
    parse_choice,
    verdict,
)
from services.inference.service import Answer, InferenceService
from services.notices.events import told_by_system
from services.ports import EvaluationStore, ObjectStore

log = logging.getLogger(__name__)
DEFAULT_CALL_SECONDS = 2.0  # assumed per call when a model has not been called yet
CHARS_PER_TOKEN = 4  # for estimates before any call is made
OPEN = (EvaluationStatus.QUEUED, EvaluationStatus.RUNNING)


class NewEvaluation(BaseModel):
    """What the engineer asks for: which data, which metrics, an optional judge, how fast."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    custom_model_id: str
    dataset_uri: str | None = None  # default: the model's validation data
    metrics: tuple[str, ...] = tuple(METRICS)
    judge_model_id: str | None = None
    max_records: int = Field(200, ge=1, le=100_000)
    concurrency: int = Field(4, ge=1, le=32)
    max_tokens: int = Field(512, ge=1, le=4096)
    temperature: float = Field(0.0, ge=0.0, le=1.0)


@dataclass(frozen=True)
class Item:
    """One record of the evaluation set as a chat: the conversation up to the answer, and the answer."""

    index: int  # line number, 1-based
    messages: tuple[ChatMessage, ...]
    system: str
    reference: str

    @property
    def prompt(self) -> str:
        return self.messages[-1].content


class Estimate(BaseModel):
    model_config = ConfigDict(frozen=True)

    records: int
    calls: int
    input_tokens: int
    output_tokens: int
    cost: float | None  # per-token prices of every model called, when all are known
    cost_note: str
    seconds: float
    seconds_note: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "Records": self.records,
            "Calls": self.calls,
            "InputTokens": self.input_tokens,
            "OutputTokens": self.output_tokens,
            "Cost": self.cost,
            "CostNote": self.cost_note,
            "Seconds": round(self.seconds, 1),
            "SecondsNote": self.seconds_note,
        }


def item_of(index: int, record: object) -> Item | None:
    """A record as (conversation, reference): prompt/completion, or a conversation whose last
    assistant turn is the reference. None for a record with no text answer (an image, say)."""
    if not isinstance(record, dict):
        return None
    if isinstance(record.get("prompt"), str) and isinstance(record.get("completion"), str):
        return Item(index, (ChatMessage(role="user", content=record["prompt"]),), "", record["completion"])
    messages = record.get("messages")
    if not isinstance(messages, list) or len(messages) < 2:
        return None
    turns = [(m.get("role"), text_of(m.get("content"))) for m in messages if isinstance(m, dict)]
    if turns[-1][0] != "assistant" or not turns[-1][1]:
        return None
    context = tuple(ChatMessage(role=r, content=t) for r, t in turns[:-1] if r in ("user", "assistant"))
    if not context or context[-1].role != "user":
        return None
    return Item(index, context, text_of(record.get("system")), turns[-1][1])


def outcome(result: EvaluationResult, metrics: tuple[str, ...]) -> str:
    """A record's outcome for the custom model: the judge's verdict, or without a judge the first metric's."""
    if result.verdict is not None:
        return result.verdict
    if result.error is not None or not metrics or metrics[0] not in result.scores:
        return "tie"
    custom, base = result.scores[metrics[0]]
    return "win" if custom > base else "loss" if custom < base else "tie"


def csv_name(evaluation: Evaluation) -> str:
    """The export's file name: the model's name and when the run was started (not an internal id)."""
    return f"{safe_key_part(evaluation.custom_name, 60)}-evaluation-{evaluation.created_at:%Y%m%d-%H%M}.csv"


def results_csv(results: list[EvaluationResult], metrics: tuple[str, ...]) -> str:
    """The records as CSV, through the one writer of every export (services/domain/export.py)."""
    header = (
        ["Record", "Prompt", "Reference", "Custom answer", "Base answer", "Verdict"]
        + [f"{METRICS[m]} ({who})" for m in metrics for who in ("custom", "base")]
        + ["Error"]
    )
    return csv_text(
        header,
        (
            [r.index, r.prompt, r.reference, r.custom_output, r.base_output, r.verdict or ""]
            + [f"{r.scores[m][i]:.4f}" if m in r.scores else "" for m in metrics for i in (0, 1)]
            + [r.error or ""]
            for r in results
        ),
    )


def summarize(evaluation: Evaluation, results: list[EvaluationResult]) -> dict[str, Any]:
    """Per metric: both models' means, the mean difference and its 95% bootstrap interval; the judge's
    wins, ties and losses; what the calls cost."""
    scored = [r for r in results if r.error is None]
    metrics: dict[str, Any] = {}
    for name in evaluation.metrics:
        custom = [r.scores[name][0] for r in scored if name in r.scores]
        base = [r.scores[name][1] for r in scored if name in r.scores]
        found = paired_difference(custom, base, seed=evaluation.seed)
        metrics[name] = {
            "Name": METRICS[name],
            "Custom": sum(custom) / len(custom) if custom else None,
            "Base": sum(base) / len(base) if base else None,
            "Difference": found[0] if found else None,
            "Low": found[1] if found else None,
            "High": found[2] if found else None,
            "Records": len(custom),
        }
    judge = None
    if evaluation.judge_model_id is not None:
        verdicts = [r.verdict for r in scored]
        judge = {
            "Wins": verdicts.count("win"),
            "Ties": verdicts.count("tie"),
            "Losses": verdicts.count("loss"),
        }
    costs = [r.cost for r in results if r.cost is not None]
    return {
        "Records": len(results),
        "Scored": len(scored),
        "Failed": len(results) - len(scored),
        "Metrics": metrics,
        "Judge": judge,
        "Cost": sum(costs) if costs else None,
        "Simulated": any(r.simulated for r in results),
    }


class EvaluationService:
    def __init__(
        self,
        store: EvaluationStore,
        customization: CustomizationService,
        inference: InferenceService,
        objects: ObjectStore,
        *,
        output_root: str,
        allowed_buckets: frozenset[str] | None = None,
        max_records: int = 2000,
        retry_seconds: float = 1.0,
        attempts: int = 6,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._customization = customization
        self._inference = inference
        self._objects = objects
        self._output_root = output_root.rstrip("/")
        self._allowed_buckets = allowed_buckets
        self._max_records = max_records
        self._retry_seconds = retry_seconds
        self._attempts = attempts
        self._clock = clock

    # ---- reading ----------------------------------------------------------------------------
    def get(self, evaluation_id: str) -> Evaluation:
        found = self._store.get_evaluation(evaluation_id)
        if found is None:
            raise ModelNotFound(f"No evaluation with id {evaluation_id!r}.")
        return found

    def list_for(self, custom_model_id: str | None = None) -> list[Evaluation]:
        return self._store.list_evaluations(custom_model_id)

    def results(self, evaluation_id: str) -> list[EvaluationResult]:
        self.get(evaluation_id)
        return self._store.results(evaluation_id)

    def progress(self, evaluation: Evaluation) -> int:
        """Records done (scored or failed)."""
        return len(self._store.result_indexes(evaluation.id))

    def summary(self, evaluation: Evaluation) -> dict[str, Any]:
        """The stored summary of a completed run; for any other, what its stored records say so far."""
        if evaluation.summary is not None:
            return evaluation.summary
        return summarize(evaluation, self._store.results(evaluation.id))

    # ---- starting -----------------------------------------------------------------------------
    def _family(self, model: CustomModel) -> Family:
        base = model.base_model_id.split(":", 1)[-1]
        family = family_for(base)
        if family is None:
            raise InvalidRequest(f"{model.base_model_name}: Model Studio has no data rules for this base model.")
        return family

    def _check_models(
        self, request: NewEvaluation, model: CustomModel, actor: Actor
    ) -> tuple[dict[str, Target], Action]:
        """Refused before anything is stored when a model may not be called (with its light and why):
        the custom model as the rest of the platform may call it (enabled), or else as its owner or
        an admin may try it; the base and the judge only when enabled, as /invoke. With the targets,
        the rule the custom model is called under for the whole run."""
        via = Action.INVOKE
        try:
            custom = self._inference.target(model.id, actor, via)
        except NotInvocable:
            via = Action.TRY
            custom = self._inference.target(model.id, actor, via)
        targets = {"custom": custom, "base": self._inference.target(model.base_model_id, actor, Action.INVOKE)}
        if request.judge_model_id is not None:
            if request.judge_model_id == model.id:
                raise InvalidRequest("Judge: the model under test cannot judge its own answers; choose another model.")
            targets["judge"] = self._inference.target(request.judge_model_id, actor, Action.INVOKE)
        return targets, via

    def _dataset(self, model: CustomModel, request: NewEvaluation, upload: Upload | None) -> str:
        """The evaluation set's URI: the upload (stored first), the URI given, or the validation data."""
        if upload is not None:
            stored = f"{self._output_root}/evaluations/{uuid.uuid4().hex[:12]}/{upload.name.rsplit('/', 1)[-1]}"
            upload.stream.seek(0)
            self._objects.upload(upload.stream, stored)
            return stored
        uri = request.dataset_uri or model.validation_uri
        if uri is None:
            raise InvalidRequest(
                f"Evaluation data: {model.name} was trained without validation data; give an evaluation set "
                "(an upload or an s3:// URI)."
            )
        user_uri(uri, self._allowed_buckets, what="Evaluation data")
        if self._objects.size(uri) is None:
            raise InvalidRequest(f"Evaluation data: {uri} does not exist (or is not readable by Model Studio).")
        return uri

    def _opener(self, source: Upload | str) -> Callable[[], AbstractContextManager[BinaryIO]]:
        if isinstance(source, str):
            return lambda: self._objects.open(source)

        @contextmanager
        def rewound() -> Iterator[BinaryIO]:
            source.stream.seek(0)
            yield source.stream
            source.stream.seek(0)

        return rewound

    def items(self, source: Upload | str, family: Family, limit: int) -> list[Item]:
        """The first ``limit`` records with a text answer, the whole file checked as Bedrock checks data."""
        where = source if isinstance(source, str) else source.name
        if isinstance(source, Upload) and not source.name.lower().endswith(".jsonl"):
            raise InvalidRequest(f"Evaluation data: {source.name!r} is not a .jsonl file.")
        opener = self._opener(source)
        kind = DatasetKind.VALIDATION if family.validation_supported else DatasetKind.TRAINING
        with opener() as stream:
            report = validate_stream(stream, family, kind, None)
        issues = {k: n for k, n in report.issue_counts.items() if k != "records"}  # a count limit: we cap
        if issues:
            listed = [str(i) for i in report.issues if i.kind != "records"]
            raise InvalidData(
                f"Evaluation data {where}: {sum(issues.values()):,} problem(s) Bedrock would refuse.",
                [f"Evaluation data {p}" for p in listed],
                [report],
                report.summary_dict(),
            )
        found: list[Item] = []
        with opener() as stream:
            for number, line in enumerate(stream, 1):
                if len(found) >= limit:
                    break
                if not line.strip():
                    continue
                item = item_of(number, orjson.loads(line))
                if item is not None:
                    found.append(item)
        if not found:
            raise InvalidRequest(f"Evaluation data {where}: no record has a text answer to compare with.")
        return found

    def estimate(self, request: NewEvaluation, actor: Actor, upload: Upload | None = None) -> Estimate:
        model = self._customization.get(request.custom_model_id)
        targets, _ = self._check_models(request, model, actor)
        source: Upload | str = upload if upload is not None else self._dataset(model, request, None)
        return self._estimate(request, self.items(source, self._family(model), self._limit(request)), targets)

    def _limit(self, request: NewEvaluation) -> int:
        if request.max_records > self._max_records:
            raise InvalidRequest(
                f"Max records: at most {self._max_records:,} per evaluation (STUDIO_EVAL_MAX_RECORDS)."
            )
        return request.max_records

    def _estimate(self, request: NewEvaluation, items: list[Item], targets: dict[str, Target]) -> Estimate:
        asked = sum(len(i.system) + sum(len(m.content) for m in i.messages) for i in items) // CHARS_PER_TOKEN
        answered = sum(min(len(i.reference) // CHARS_PER_TOKEN + 1, request.max_tokens) for i in items)
        n = len(items)
        tokens = {"custom": (asked, answered), "base": (asked, answered)}
        if "judge" in targets:  # twice per record: the question, the reference and both answers, each order
            judge_in = 2 * (asked + 3 * answered + n * len(JUDGE_SYSTEM) // CHARS_PER_TOKEN)
            tokens["judge"] = (judge_in, 2 * n)
        cost: float | None = 0.0
        unknown = []
        for role, (t_in, t_out) in tokens.items():
            prices = targets[role].token_prices
            if prices is None:
                unknown.append(targets[role].name)
            elif cost is not None:
                cost += t_in / 1000 * prices[0] + t_out / 1000 * prices[1]
        if unknown:
            cost = None
            cost_note = (
                f"no per-token price for {', '.join(dict.fromkeys(unknown))} (a custom model on provisioned "
                "throughput is billed by the hour it runs; set others with STUDIO_PRICE_OVERRIDES)"
            )
        else:
            cost_note = "tokens estimated at 4 characters each, answers as long as the references"
        seconds_per_record, assumed = 0.0, []
        for role, target in targets.items():
            mean = self._inference.usage(target.model_id).mean_latency_ms
            if mean is None:
                assumed.append(target.name)
            per_call = mean / 1000 if mean is not None else DEFAULT_CALL_SECONDS
            seconds_per_record += per_call * (2 if role == "judge" else 1)
        seconds = seconds_per_record * -(-n // request.concurrency)
        seconds_note = f"{request.concurrency} record(s) at a time, at each model's mean latency so far"
        if assumed:
            seconds_note += f" ({DEFAULT_CALL_SECONDS:g} s per call assumed for {', '.join(assumed)}: not called yet)"
        calls = n * (2 + (2 if "judge" in targets else 0))
        return Estimate(
            records=n,
            calls=calls,
            input_tokens=sum(t[0] for t in tokens.values()),
            output_tokens=sum(t[1] for t in tokens.values()),
            cost=cost,
            cost_note=cost_note,
            seconds=seconds,
            seconds_note=seconds_note,
        )

    def start(self, request: NewEvaluation, actor: Actor, upload: Upload | None = None) -> Evaluation:
        """Check everything, then store the run as Queued; a runner (EvaluationRunner) does the calls."""
        unknown = [m for m in request.metrics if m not in METRICS]
        if unknown or not request.metrics:
            raise InvalidRequest(f"Metrics: choose from {', '.join(METRICS)} (got {', '.join(unknown) or 'none'}).")
        model = self._customization.get(request.custom_model_id)
        targets, via = self._check_models(request, model, actor)
        family, limit = self._family(model), self._limit(request)
        if upload is not None:  # checked and read before anything is stored, then stored as it was read
            items = self.items(upload, family, limit)
            uri = self._dataset(model, request, upload)
        else:
            uri = self._dataset(model, request, None)
            items = self.items(uri, family, limit)
        estimate = self._estimate(request, items, targets)
        base = targets["base"]
        evaluation = Evaluation(
            id=f"ev-{uuid.uuid4().hex[:16]}",
            custom_model_id=model.id,
            custom_name=model.name,
            base_model_id=model.base_model_id,
            base_name=base.name,
            dataset_uri=uri,
            dataset_fingerprint=self._objects.fingerprint(uri),
            metrics=tuple(dict.fromkeys(request.metrics)),
            judge_model_id=request.judge_model_id,
            max_records=request.max_records,
            concurrency=request.concurrency,
            max_tokens=request.max_tokens,
            temperature=request.temperature,
            seed=secrets.randbelow(2**31),
            status=EvaluationStatus.QUEUED,
            total=len(items),
            created_by=actor.id,
            created_role=actor.role.value,
            tried=via is Action.TRY,
            created_at=self._clock(),
            estimate=estimate.as_dict(),
        )
        self._store.insert_evaluation(evaluation)
        return evaluation

    def cancel(self, evaluation_id: str, actor: Actor) -> Evaluation:
        found = self.get(evaluation_id)
        if not (actor.is_admin or actor.id == found.created_by):
            raise Forbidden(
                f"Only the engineer who started an evaluation ({found.created_by}), or an admin, may cancel it; "
                f"{actor.name} ({actor.id}) is a member."
            )
        cancelled = self._store.update_evaluation(
            evaluation_id, OPEN, status=EvaluationStatus.CANCELLED, finished_at=self._clock()
        )
        if cancelled is None:
            raise TransitionNotAllowed(f"The evaluation is {self.get(evaluation_id).status.value}: nothing to cancel.")
        return cancelled

    # ---- running ------------------------------------------------------------------------------
    def pending(self) -> list[Evaluation]:
        """Open runs (queued or running), oldest first."""
        found = [e for e in self._store.list_evaluations() if e.status in OPEN]
        return sorted(found, key=lambda e: (e.created_at, e.id))

    @staticmethod
    def runs_as(evaluation: Evaluation) -> tuple[Actor, Action]:
        """Who a run calls models as (the engineer who started it, with the role they had), and the
        rule its custom model is called under (enabled at start: INVOKE; tried before enabling: TRY)."""
        role = Role(evaluation.created_role) if evaluation.created_role else Role.MEMBER
        who = Actor(id=evaluation.created_by, name=evaluation.created_by, role=role, via="evaluation")
        return who.for_request(evaluation.id), Action.TRY if evaluation.tried in (True, None) else Action.INVOKE

    def run(self, evaluation_id: str, keep_going: Callable[[], bool] = lambda: True) -> Evaluation:
        """Evaluate every record not yet stored, ``concurrency`` at a time, until done, cancelled, or
        ``keep_going`` says stop (the lease was lost); then complete the run with its summary. A model
        that may no longer be called (disabled, deleted, no longer served) fails the run with why."""
        evaluation = self.get(evaluation_id)
        if evaluation.status is EvaluationStatus.QUEUED:
            started = self._store.update_evaluation(
                evaluation_id, [EvaluationStatus.QUEUED], status=EvaluationStatus.RUNNING, started_at=self._clock()
            )
            evaluation = started or self.get(evaluation_id)
        if evaluation.status is not EvaluationStatus.RUNNING:
            return evaluation
        try:
            items = self._resume_items(evaluation)
            stopped = self._run_items(evaluation, items, keep_going)
        except (NotInvocable, InvalidRequest, ModelNotFound) as exc:
            failed = self._store.update_evaluation(
                evaluation_id, [EvaluationStatus.RUNNING], [self._finished(evaluation, "Failed", None, str(exc))],
                status=EvaluationStatus.FAILED, finished_at=self._clock(), error=str(exc),
            )  # fmt: skip
            return failed or self.get(evaluation_id)
        if stopped:
            return self.get(evaluation_id)
        summary = summarize(evaluation, self._store.results(evaluation_id))
        done = self._store.update_evaluation(
            evaluation_id, [EvaluationStatus.RUNNING], [self._finished(evaluation, "Completed", summary)],
            status=EvaluationStatus.COMPLETED, finished_at=self._clock(), summary=summary,
        )  # fmt: skip
        return done or self.get(evaluation_id)

    def _finished(
        self, evaluation: Evaluation, status: str, summary: dict[str, Any] | None, error: str = ""
    ) -> AuditEvent:
        """The audit event of a finished run, carrying its ``evaluation.finished`` notice."""
        detail = error
        if summary is not None:
            parts = [
                f"{v['Name']} {v['Custom']:.3f} vs {v['Base']:.3f}"
                for v in summary["Metrics"].values()
                if v["Custom"] is not None and v["Base"] is not None
            ]
            detail = f"{evaluation.id}: " + ", ".join(parts)
        return told_by_system(
            self._clock(), "evaluation-finished", "evaluation.finished", detail, request_id=evaluation.id,
            model_id=evaluation.custom_model_id, model_name=evaluation.custom_name, after=f"evaluation {status}",
        )  # fmt: skip

    def _resume_items(self, evaluation: Evaluation) -> list[Item]:
        if self._objects.fingerprint(evaluation.dataset_uri) != evaluation.dataset_fingerprint:
            raise InvalidRequest(
                f"Evaluation data {evaluation.dataset_uri} changed after the run started; start a new evaluation."
            )
        model = self._customization.get(evaluation.custom_model_id)
        done = self._store.result_indexes(evaluation.id)
        items = self.items(evaluation.dataset_uri, self._family(model), evaluation.total)
        return [i for i in items if i.index not in done]

    def _run_items(self, evaluation: Evaluation, items: list[Item], keep_going: Callable[[], bool]) -> bool:
        """True when it stopped before the end (cancelled, or told to stop)."""
        todo: Iterator[Item] = iter(items)
        stop = threading.Event()
        checked = time.monotonic()
        with futures.ThreadPoolExecutor(evaluation.concurrency, thread_name_prefix="evaluation") as pool:
            running: set[futures.Future[EvaluationResult]] = set()

            def fill() -> None:
                while not stop.is_set() and len(running) < evaluation.concurrency:
                    item = next(todo, None)
                    if item is None:
                        return
                    running.add(pool.submit(self._evaluate_and_store, evaluation, item))

            fill()
            while running:
                done, _ = futures.wait(running, return_when=futures.FIRST_COMPLETED)
                for future in done:
                    running.discard(future)
                    try:
                        future.result()
                    except Exception:
                        stop.set()
                        for other in running:
                            other.cancel()
                        raise
                if time.monotonic() - checked > 0.5:  # cancelled, or the lease lost?
                    checked = time.monotonic()
                    if self.get(evaluation.id).status is not EvaluationStatus.RUNNING or not keep_going():
                        stop.set()
                fill()
        return stop.is_set() or self.get(evaluation.id).status is not EvaluationStatus.RUNNING

    def _evaluate_and_store(self, evaluation: Evaluation, item: Item) -> EvaluationResult:
        """In the worker: the record's result is stored as soon as it is known (a second runner's copy
        of the same record is refused by the store)."""
        result = self.evaluate(evaluation, item)
        self._store.save_result(result)
        return result

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

    def evaluate(self, evaluation: Evaluation, item: Item) -> EvaluationResult:
        """One record: both models answer, each answer is scored, and the judge (if any) decides.
        A model that may no longer be called (or no longer exists) ends the run: it is raised."""
        actor, via = self.runs_as(evaluation)
        request = ChatRequest(
            messages=item.messages,
            system=item.system,
            max_tokens=evaluation.max_tokens,
            temperature=evaluation.temperature,
        )
        result = EvaluationResult(
            evaluation_id=evaluation.id, index=item.index, prompt=item.prompt, reference=item.reference
        )
        try:
            custom = self._call(evaluation.custom_model_id, request, actor, via)
            base = self._call(evaluation.base_model_id, request, actor, Action.INVOKE)
        except (NotInvocable, ModelNotFound):
            raise
        except ServiceError as exc:
            return result.model_copy(update={"error": str(exc)})
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


class EvaluationRunner:
    """Runs queued evaluations in the background, oldest first: up to ``max_running`` at a time in
    this process, and no more than ``per_user`` running at once for one engineer across every
    replica (so one member's queue never starves another's). A run is held by a database lease
    renewed as it goes: if this process dies, another (or this one, restarted) takes the run over
    once the lease expires, and resumes from the stored records."""

    def __init__(
        self,
        evaluations: EvaluationService,
        try_lease: Callable[[str, str, float, datetime], bool],
        lease_seconds: float = 30.0,
        poll_seconds: float = 1.0,
        *,
        max_running: int = 4,
        per_user: int = 1,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._evaluations = evaluations
        self._try_lease = try_lease
        self._lease = lease_seconds
        self._max_running = max_running
        self._per_user = per_user
        self._clock = clock
        self.owner = f"evaluations-{uuid.uuid4().hex[:12]}"
        self._active: dict[str, threading.Thread] = {}
        self._finished: list[Evaluation] = []
        self._lock = threading.Lock()
        self._background = Background("model-studio-evaluations", poll_seconds, self.start_due)

    def start_due(self, exclude: frozenset[str] = frozenset()) -> list[str]:
        """Start, oldest first, every open run this process may take now (but those in ``exclude``);
        the ids it started. A queued run waits while its engineer already has ``per_user`` runs going
        (here or in another replica)."""
        pending = self._evaluations.pending()
        running = Counter(e.created_by for e in pending if e.status is EvaluationStatus.RUNNING)
        started: list[str] = []
        for evaluation in pending:
            with self._lock:
                if evaluation.id in self._active or evaluation.id in exclude:
                    continue
                if len(self._active) >= self._max_running or self._background.stopping:
                    break
            queued = evaluation.status is EvaluationStatus.QUEUED
            if queued and running[evaluation.created_by] >= self._per_user:
                continue
            name = f"evaluation:{evaluation.id}"
            if not self._try_lease(name, self.owner, self._lease, self._clock()):
                continue
            thread = threading.Thread(
                target=self._run, args=(evaluation.id, name), name=f"evaluation-{evaluation.id}", daemon=True
            )
            with self._lock:
                self._active[evaluation.id] = thread
            thread.start()
            running[evaluation.created_by] += queued
            started.append(evaluation.id)
        return started

    def _run(self, evaluation_id: str, name: str) -> None:
        renewed = [time.monotonic()]

        def keep_going() -> bool:
            if self._background.stopping:
                return False
            if time.monotonic() - renewed[0] < self._lease / 3:
                return True
            renewed[0] = time.monotonic()
            return self._try_lease(name, self.owner, self._lease, self._clock())

        try:
            done = self._evaluations.run(evaluation_id, keep_going)
            with self._lock:
                self._finished.append(done)
        except Exception:  # the database went away, say: the lease expires and a later round resumes it
            log.exception("evaluation %s: the run stopped", evaluation_id)
        finally:
            with self._lock:
                self._active.pop(evaluation_id, None)

    def run_once(self) -> list[Evaluation]:
        """Run every open evaluation this process can take, under the same limits, until none is left
        that it may start; what each became (the command line and tests use this)."""
        seen: set[str] = set()
        while True:
            seen.update(self.start_due(frozenset(seen)))
            with self._lock:
                threads = list(self._active.values())
            if not threads:
                break
            for thread in threads:
                thread.join()
        with self._lock:
            finished, self._finished = self._finished, []
        return finished

    def start(self) -> None:
        self._background.start()

    def stop(self) -> None:
        self._background.stop()


__all__ = [
    "METRICS",
    "Estimate",
    "EvaluationRunner",
    "EvaluationService",
    "Item",
    "NewEvaluation",
    "csv_name",
    "item_of",
    "outcome",
    "results_csv",
    "summarize",
]
