"""Reinforcement fine-tuning in the local simulation: the job's rewards come from the grader it names scoring
the simulated model's answers. At each step the simulated model answers a few of the training prompts several
times (trainingSamplePerPrompt, at most 4 here); an answer is the record's reference answer more often as
training goes on, otherwise what the untuned model says. The grader scores every answer of a step in one call,
as Bedrock's grader Lambda gets a batch, so the rewards rise exactly as far as the grader says they should. The
same run every time: the random numbers come from the job's token."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from services.adapters.local_inference import first_records
from services.domain.custom import JobRequest
from services.domain.errors import ServiceError
from services.domain.graders import Grader, grader_of, reference_text, sample
from services.ports import GraderRunner, ObjectStore

MAX_STEPS = 40  # of a simulated run (a real one has as many as its data and batch size make)
PROMPTS_PER_STEP = 2
MAX_SAMPLES_PER_PROMPT = 4
MAX_RECORDS = 500  # read from the training file


def rft_hyperparameters(request: JobRequest) -> Mapping[str, Any]:
    rft = (request.customization_config or {}).get("rftConfig") or {}
    return rft.get("hyperParameters") or {}


def reward_curve(
    objects: ObjectStore, request: JobRequest, grader: Grader, graders: GraderRunner, seed: str, records: int
) -> dict[str, Any]:
    """{"rewards": [[mean, min, max] per step]}, or {"failure": why} when the grader cannot score."""
    hp = rft_hyperparameters(request)
    prompts = _records(objects, request.training_uri)
    if not prompts:
        return {"failure": "The training data holds no record to grade."}
    batch = int(hp.get("batchSize") or 16)
    epochs = int(hp.get("epochCount") or 1)
    steps = max(1, min(MAX_STEPS, math.ceil(max(records, len(prompts)) / batch) * epochs))
    per_prompt = max(2, min(MAX_SAMPLES_PER_PROMPT, int(hp.get("trainingSamplePerPrompt") or 4)))
    rng = random.Random(seed)
    untuned = f"[simulated {request.base_model_identifier}] A general answer, as an untuned model would give."
    rewards: list[list[float]] = []
    for step in range(steps):
        skill = 0.1 + 0.8 * (1 - math.exp(-3.0 * (step + 1) / steps))  # the share of answers that are right
        batch_samples = []
        for p in range(PROMPTS_PER_STEP):
            record = prompts[rng.randrange(len(prompts))]
            for k in range(per_prompt):
                answer = reference_text(record.get("reference_answer")) if rng.random() < skill else untuned
                batch_samples.append(sample(record, answer, f"step{step}-p{p}-s{k}"))
        try:
            scores = graders.grade(grader, batch_samples)
        except ServiceError as exc:
            return {"failure": f"The grader ({grader.label}) failed at step {step}: {exc}"}
        rewards.append([sum(scores) / len(scores), min(scores), max(scores)])
    return {"rewards": rewards}


def _records(objects: ObjectStore, uri: str) -> list[dict[str, Any]]:
    return [record for record in first_records(objects, uri, MAX_RECORDS) if isinstance(record, dict)]


def graded(objects: ObjectStore, graders: Any, job: dict[str, Any], verdict: dict[str, Any]) -> dict[str, Any]:
    """A reinforcement fine-tuning job: its grader scores the simulated answers once, before training (a grader
    that cannot answer fails the job, as Bedrock's would); any other job's verdict as it is."""
    request = JobRequest.model_validate(job["request"])
    grader = grader_of(request.customization_config)
    if grader is None:
        return verdict
    curve = reward_curve(objects, request, grader, graders, job["client_token"], int(verdict.get("records") or 0))
    if "failure" in curve:
        return {"ok": False, "message": curve["failure"]}
    return verdict | curve
