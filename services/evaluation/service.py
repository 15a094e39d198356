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
With the batch engine, the models Bedrock batches answer in batch jobs first (services/evaluation/batch.py).
"""

from __future__ import annotations

import concurrent.futures as futures
import logging
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any, BinaryIO

import orjson

from services.customization import CustomizationService, Upload
from services.datasets.families import family_for
from services.datasets.report import DatasetKind
from services.datasets.specs import DataFormat, Family
from services.datasets.validate import validate_stream
from services.domain.actions import Action
from services.domain.calls import Target
from services.domain.custom import CustomModel
from services.domain.errors import (
    Forbidden,
    InvalidData,
    InvalidRequest,
    ModelNotFound,
    NotInvocable,
    TransitionNotAllowed,
)
from services.domain.evaluations import Evaluation, EvaluationResult, EvaluationStatus
from services.domain.identity import Actor
from services.domain.s3uri import user_uri
from services.evaluation.batch import BatchRuns, batch_problem, plan
from services.evaluation.metrics import METRICS
from services.evaluation.records import (
    OPEN,
    Estimate,
    Item,
    NewEvaluation,
    estimate_of,
    finished_event,
    item_of,
    reference_of,
    summarize,
)
from services.evaluation.scoring import Scorer, runs_as
from services.inference.service import InferenceService
from services.ports import BatchInference, EvaluationStore, ObjectStore

log = logging.getLogger(__name__)
NO_ANSWER = "no answer for this record in the batch output"


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
        batch: Mapping[str, BatchInference] | None = None,
        batch_min_records: int = 100,
    ) -> None:
        self._batch = BatchRuns(objects, batch or {}, lambda: customization.role_arn, output_root, customization.region)
        self._batch_min = batch_min_records
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
        self._scorer = Scorer(inference, retry_seconds=retry_seconds, attempts=attempts)

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
        family = family_for(base, model.customization_type)  # the data rules of the method it was made by
        if family is None or family.data_format is DataFormat.INPUT_TEXT:  # unlabeled text: no answer to compare
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
        targets = {
            "custom": custom,
            "base": self._inference.target(reference_of(request, model, self._customization.get), actor, Action.INVOKE),
        }
        if request.judge_model_id is not None:
            if request.judge_model_id == model.id:
                raise InvalidRequest("Judge: the model under test cannot judge its own answers; choose another model.")
            targets["judge"] = self._inference.target(request.judge_model_id, actor, Action.INVOKE)
        return targets, via

    def _dataset(self, model: CustomModel, request: NewEvaluation, upload: Upload | None) -> str:
        """The evaluation set's URI: the upload (stored first), the URI given, or the validation data."""
        if upload is not None:
            stored = f"{self._output_root}/evaluations/{uuid.uuid4().hex[:12]}/{upload.name.rsplit('/', 1)[-1]}"
            with upload.reading() as stream:
                self._objects.upload(stream, stored)
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

        return source.reading

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
        items = self.items(source, self._family(model), self._limit(request))
        return estimate_of(request, items, targets, self._mean_latency_ms, plan(targets))

    def _limit(self, request: NewEvaluation) -> int:
        if request.max_records > self._max_records:
            raise InvalidRequest(
                f"Max records: at most {self._max_records:,} per evaluation (STUDIO_EVAL_MAX_RECORDS)."
            )
        return request.max_records

    def _mean_latency_ms(self, model_id: str) -> float | None:
        return self._inference.usage(model_id).mean_latency_ms

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
        engines = plan(targets)
        if request.engine == "batch" and (refused := batch_problem(engines, len(items), self._batch_min)):
            raise InvalidRequest(refused)
        estimate = estimate_of(request, items, targets, self._mean_latency_ms, engines)
        base = targets["base"]
        evaluation = Evaluation(
            id=f"ev-{uuid.uuid4().hex[:16]}",
            custom_model_id=model.id,
            custom_name=model.name,
            base_model_id=base.model_id,  # the base model, or the custom model it is compared with
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
            engine=request.engine,
        )
        self._store.insert_evaluation(evaluation)
        return evaluation

    def _batch_answers(self, evaluation: Evaluation) -> dict[str, dict[int, Any]] | None:
        """The batched models' answers once every batch job answered (None while one runs)."""
        actor, via = runs_as(evaluation)
        targets = {
            "custom": self._inference.target(evaluation.custom_model_id, actor, via),
            "base": self._inference.target(evaluation.base_model_id, actor, Action.INVOKE),
        }
        family = self._family(self._customization.get(evaluation.custom_model_id))
        return self._batch.stage(
            evaluation, targets, lambda: self.items(evaluation.dataset_uri, family, evaluation.total),
            lambda jobs: self._store.update_evaluation(evaluation.id, [EvaluationStatus.RUNNING], batch_jobs=jobs),
        )  # fmt: skip

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
            given = self._batch_answers(evaluation) if evaluation.engine == "batch" else None
            if evaluation.engine == "batch" and given is None:
                return self.get(evaluation_id)  # a batch job still runs: asked again at the runner's next round
            items = self._resume_items(evaluation)
            stopped = self._run_items(evaluation, items, keep_going, given)
        except (NotInvocable, InvalidRequest, ModelNotFound) as exc:
            said = finished_event(self._clock(), evaluation, "Failed", None, str(exc))
            failed = self._store.update_evaluation(
                evaluation_id, [EvaluationStatus.RUNNING], [said],
                status=EvaluationStatus.FAILED, finished_at=self._clock(), error=str(exc),
            )  # fmt: skip
            return failed or self.get(evaluation_id)
        if stopped:
            return self.get(evaluation_id)
        summary = summarize(evaluation, self._store.results(evaluation_id))
        said = finished_event(self._clock(), evaluation, "Completed", summary)
        done = self._store.update_evaluation(
            evaluation_id, [EvaluationStatus.RUNNING], [said],
            status=EvaluationStatus.COMPLETED, finished_at=self._clock(), summary=summary,
        )  # fmt: skip
        return done or self.get(evaluation_id)

    def _resume_items(self, evaluation: Evaluation) -> list[Item]:
        if self._objects.fingerprint(evaluation.dataset_uri) != evaluation.dataset_fingerprint:
            raise InvalidRequest(
                f"Evaluation data {evaluation.dataset_uri} changed after the run started; start a new evaluation."
            )
        model = self._customization.get(evaluation.custom_model_id)
        done = self._store.result_indexes(evaluation.id)
        items = self.items(evaluation.dataset_uri, self._family(model), evaluation.total)
        return [i for i in items if i.index not in done]

    def _run_items(
        self, evaluation: Evaluation, items: list[Item], keep_going: Callable[[], bool], given: Any = None
    ) -> bool:
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
                    answers = {side: found.get(item.index, NO_ANSWER) for side, found in (given or {}).items()}
                    running.add(pool.submit(self._evaluate_and_store, evaluation, item, answers))

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

    def _evaluate_and_store(self, evaluation: Evaluation, item: Item, given: Any = None) -> EvaluationResult:
        """In the worker: stored as soon as known (a second runner's copy of the record is refused by the store)."""
        result = self.evaluate(evaluation, item, given)
        self._store.save_result(result)
        return result

    def evaluate(self, evaluation: Evaluation, item: Item, given: Any = None) -> EvaluationResult:
        """One record (services/evaluation/scoring.py); a model that may no longer be called ends the run."""
        return self._scorer.evaluate(evaluation, item, given)
