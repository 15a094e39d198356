"""An evaluation at Bedrock scale: each model of the run that Bedrock batches (services/domain/batch.py) answers the
whole set in one batch job (CreateModelInvocationJob, Converse type) at half the on-demand price; the others answer
online as before. The jobs' answers land in the same per-record results, metrics and intervals as an online run.

The input is written under the run's own prefix of the output location, the jobs are kept with the run (so a
restarted or other replica follows the same jobs), and a run waits, without holding a call slot, until every job
has ended; a job that fails fails the run with Bedrock's message."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from services.domain.batch import BATCH_DISCOUNT, QUOTAS_URL, BatchJob, batch_answer, batch_record, online_reason
from services.domain.calls import ChatRequest, Target
from services.domain.errors import InvalidRequest
from services.domain.evaluations import Evaluation
from services.evaluation.records import Item
from services.inference.service import Answer
from services.ports import BatchInference, ObjectStore

SIDES = ("custom", "base")  # the judge reads both answers, so it is asked online once they are in


def plan(targets: Mapping[str, Target]) -> dict[str, str | None]:
    """Per model of the run: None when Bedrock runs it in batch, else why it runs online."""
    found = {side: online_reason(targets[side]) for side in SIDES if side in targets}
    if "judge" in targets:
        found["judge"] = f"{targets['judge'].name} judges both answers, so it is asked online once they are in"
    return found


def batch_problem(engines: Mapping[str, str | None], records: int, minimum: int) -> str | None:
    """Why a run cannot take the batch engine (None: it can)."""
    if records < minimum:
        return (
            f"Engine batch: the set has {records} records; a Bedrock batch job takes at least {minimum} "
            f"(STUDIO_EVAL_BATCH_MIN_RECORDS; Bedrock's quota, {QUOTAS_URL}); run it online."
        )
    if all(reason is not None for reason in engines.values()):
        return f"Engine batch: no model of this run can run in batch: {'; '.join(filter(None, engines.values()))}."
    return None


class BatchRuns:
    def __init__(
        self, objects: ObjectStore, backends: Mapping[str, BatchInference], role_arn: Callable[[], str | None],
        output_root: str, default_region: str,
    ) -> None:  # fmt: skip
        self._objects = objects
        self._backends = backends
        self._role_arn = role_arn
        self._root = output_root.rstrip("/")
        self._region = default_region

    def _backend(self, target: Target) -> BatchInference:
        region = target.region or self._region
        found = self._backends.get(region)
        if found is None:
            raise InvalidRequest(f"Engine batch: no Bedrock batch inference is configured in {region}.")
        return found

    def submit(self, evaluation: Evaluation, items: list[Item], targets: Mapping[str, Target]) -> dict[str, Any]:
        """A batch job per model Bedrock batches, its input written first; the jobs as the run keeps them."""
        role = self._role_arn()
        if not role:
            raise InvalidRequest("Engine batch: no IAM role for Bedrock batch jobs (STUDIO_CUSTOMIZATION_ROLE_ARN).")
        jobs: dict[str, Any] = {}
        for side, reason in plan(targets).items():
            if reason is not None or side not in SIDES:
                continue
            target = targets[side]
            prefix = f"{self._root}/evaluations/{evaluation.id}/{side}"
            lines = [orjson.dumps(batch_record(f"r{i.index}", self.request(evaluation, i))) for i in items]
            self._objects.put_bytes(f"{prefix}/input.jsonl", b"\n".join(lines) + b"\n")
            token = hashlib.sha256(f"{evaluation.id}/{side}".encode()).hexdigest()[:32]
            arn = self._backend(target).create_batch_job(
                job_name=f"eval-{evaluation.id.removeprefix('ev-')}-{side}", model_id=target.provider_model_id,
                input_uri=f"{prefix}/input.jsonl", output_uri=f"{prefix}/output/", role_arn=role, client_token=token,
            )  # fmt: skip
            jobs[side] = {"Arn": arn, "Output": f"{prefix}/output/", "Region": target.region or self._region}
        return jobs

    def stage(
        self, evaluation: Evaluation, targets: Mapping[str, Target], items: Callable[[], list[Item]],
        keep: Callable[[dict[str, Any]], object],
    ) -> dict[str, dict[int, Answer | str]] | None:  # fmt: skip
        """The batched models' answers once every batch job answered; None while one still runs. The jobs are
        submitted on the first call and kept with the run (``keep``); a job ended without answers fails it."""
        jobs = evaluation.batch_jobs
        if jobs is None:
            jobs = self.submit(evaluation, items(), targets)
            keep(jobs)
        states, failure = self.follow(jobs)
        if failure is not None:
            raise InvalidRequest(failure)
        if not all(state.status.answered for state in states.values()):
            return None
        return self.answers(jobs, states, targets)

    @staticmethod
    def request(evaluation: Evaluation, item: Item) -> ChatRequest:
        return ChatRequest(
            messages=item.messages, system=item.system, max_tokens=evaluation.max_tokens,
            temperature=evaluation.temperature,
        )  # fmt: skip

    def follow(self, jobs: dict[str, Any]) -> tuple[dict[str, BatchJob], str | None]:
        """Each job as Bedrock tells it now, and why the run fails (a job that ended without answers)."""
        found: dict[str, BatchJob] = {}
        for side, job in jobs.items():
            backend = self._backends.get(job["Region"])
            state = backend.get_batch_job(job["Arn"]) if backend is not None else None
            if state is None:
                return found, f"Bedrock has no batch job {job['Arn']} for the {side} model."
            if state.status.ended and not state.status.answered:
                return found, f"The {side} model's batch job ended {state.status.value}: {state.message or 'no reason'}"
            found[side] = state
        return found, None

    def answers(
        self, jobs: dict[str, Any], states: Mapping[str, BatchJob], targets: Mapping[str, Target]
    ) -> dict[str, dict[int, Answer | str]]:
        """Per batched model: each record's answer (priced at the batch price), or why the record failed."""
        found: dict[str, dict[int, Answer | str]] = {}
        for side, job in jobs.items():
            target = targets[side]
            prices = target.token_prices
            per_record: dict[int, Answer | str] = {}
            for uri, _ in self._objects.list(job["Output"]):
                if not uri.endswith(".out"):
                    continue
                with self._objects.open(uri) as stream:
                    for raw in stream:
                        if not raw.strip():
                            continue
                        record_id, text, t_in, t_out, error = batch_answer(orjson.loads(raw))
                        index = int(record_id.removeprefix("r")) if record_id.removeprefix("r").isdigit() else -1
                        if error is not None:
                            per_record[index] = f"the batch job could not answer: {error}"
                            continue
                        full = None if prices is None else (t_in * prices[0] + t_out * prices[1]) / 1000
                        cost = None if full is None else BATCH_DISCOUNT * full
                        per_record[index] = Answer(
                            model_id=target.model_id, output=text, input_tokens=t_in, output_tokens=t_out,
                            latency_ms=0.0, cost=cost, simulated=states[side].simulated,
                        )  # fmt: skip
            found[side] = per_record
        return found
