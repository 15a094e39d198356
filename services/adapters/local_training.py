"""The local control plane's training, simulated: Bedrock's own data validation before a job runs (the
same checks Model Studio makes), and the metrics files a run writes as it goes (the same run every
time: the random numbers come from the job's token)."""

from __future__ import annotations

import math
import random
from typing import Any

from services.datasets.families import family_for
from services.datasets.invocation_logs import logs_report, scan_logs
from services.datasets.validate import DatasetKind, check_record_totals, validate_stream
from services.domain.custom import (
    JobRequest,
)
from services.domain.errors import ObjectStoreError, ProviderRejected
from services.domain.invocation_logs import logs_of
from services.domain.s3uri import join
from services.domain.teachers import teacher_of
from services.ports import ObjectStore

ACCOUNT = "000000000000"
STOP_SECONDS = 3.0


def judge_data(objects: ObjectStore, request: JobRequest) -> dict[str, Any]:
    """Bedrock's own data validation: the same checks we run before creating a job."""
    family = family_for(request.base_model_identifier, request.customization_type)
    if family is None:
        return {"ok": True, "records": 0, "validation_records": 0}
    logs = logs_of(request.training_logs)
    if logs is not None:  # distillation from invocation logs: the calls Bedrock can use
        teacher = teacher_of(request.customization_config)
        try:
            scan = scan_logs(
                objects.list(logs.s3_uri),
                objects.open,
                logs,
                teacher[0] if teacher and logs.use_prompt_response else None,
            )
        except ObjectStoreError as exc:
            return {"ok": False, "message": f"Invocation logs could not be read: {exc}"}
        problems = check_record_totals(logs_report(scan, family), None, family)
        if problems:
            return {"ok": False, "message": "Data validation failed: " + "; ".join(problems)[:2000]}
        return {"ok": True, "records": scan.usable, "validation_records": 0}
    reports = []
    try:
        for kind, uri in (
            (DatasetKind.TRAINING, request.training_uri),
            (DatasetKind.VALIDATION, request.validation_uri),
        ):
            if uri is None:
                continue
            with objects.open(uri) as stream:
                reports.append(validate_stream(stream, family, kind, objects.size(uri)))
    except ObjectStoreError as exc:
        return {"ok": False, "message": f"Data could not be read: {exc}"}
    problems = [f"{r.kind.value} data, {issue}" for r in reports for issue in r.issues[:3]]
    problems += check_record_totals(reports[0], reports[1] if len(reports) > 1 else None, family)
    if problems:
        return {"ok": False, "message": "Data validation failed: " + "; ".join(problems)[:2000]}
    return {
        "ok": True,
        "records": reports[0].records,
        "validation_records": reports[1].records if len(reports) > 1 else 0,
    }


def write_metrics(objects: ObjectStore, job: dict[str, Any], done: float = 1.0) -> dict[str, float]:
    """The run's metrics CSVs, as far as ``done`` (0-1) of its steps: the same run every time (the
    random numbers come from the job's token), so a partial file is the start of the final one."""
    request = JobRequest.model_validate(job["request"])
    hp = request.hyperparameters
    rng = random.Random(job["client_token"])
    records = max(1, int(job["verdict"].get("records") or 100))
    batch = max(1, int(float(hp.get("batchSize", "1"))))
    epochs = max(1, int(float(hp.get("epochCount", "1"))))
    steps_per_epoch = max(1, math.ceil(records / batch))
    if "stepCount" in hp:
        total = max(1, int(float(hp["stepCount"])))
        steps_per_epoch = total
        epochs = 1
    rewards = job["verdict"].get("rewards")  # reinforcement fine-tuning: the grader's scores per step
    if rewards:
        steps_per_epoch, epochs = len(rewards), 1
    total = steps_per_epoch * epochs
    written = max(1, min(total, int(total * done))) if done < 1.0 else total
    if done < 1.0 and written == job.get("metrics_steps"):
        return {}  # nothing new since the last poll
    job["metrics_steps"] = written
    start, floor = rng.uniform(2.2, 3.2), rng.uniform(0.35, 0.9)
    rate = rng.uniform(3.0, 6.0)
    header = "step_number,epoch_number,training_loss,perplexity"
    rows = [header + (",critic/rewards/mean,critic/rewards/min,critic/rewards/max" if rewards else "")]
    loss = start
    for step in range(total):
        base = floor + (start - floor) * math.exp(-rate * step / total)
        loss = max(0.01, base * (1 + rng.gauss(0, 0.04)))
        if step < written:
            extra = "".join(f",{value:.6f}" for value in rewards[step]) if rewards else ""
            rows.append(f"{step},{step // steps_per_epoch},{loss:.6f},{math.exp(loss):.6f}{extra}")
    folder = job_folder(request.output_uri, job["job_arn"])
    objects.put_bytes(
        join(folder, "training_artifacts", "step_wise_training_metrics.csv"),
        ("\n".join(rows) + "\n").encode(),
    )
    result = {"training_loss": round(loss, 6)}
    if request.validation_uri:
        gap, overfit = rng.uniform(0.05, 0.25), rng.uniform(0.0, 0.25) if epochs >= 3 else 0.0
        vrows = ["step_number,epoch_number,validation_loss,perplexity"]
        vloss = start
        for epoch in range(epochs):
            step = (epoch + 1) * steps_per_epoch - 1
            base = floor + gap + (start - floor) * math.exp(-rate * (step + 1) / total)
            vloss = base + overfit * (epoch / max(1, epochs - 1)) ** 2 + rng.gauss(0, 0.01)
            if step < written:  # validation runs at the end of each epoch
                vrows.append(f"{step},{epoch},{vloss:.6f},{math.exp(vloss):.6f}")
        if len(vrows) == 1:
            return result  # no epoch finished yet: no validation file
        objects.put_bytes(
            join(
                folder,
                "validation_artifacts",
                "post_fine_tuning_validation",
                "validation",
                "validation_metrics.csv",
            ),
            ("\n".join(vrows) + "\n").encode(),
        )
        result["validation_loss"] = round(vloss, 6)
    return result


def job_folder(output_uri: str, job_arn: str) -> str:
    """Where Bedrock writes a job's artifacts: model-customization-job-<job id>."""
    return join(output_uri, f"model-customization-job-{job_arn.rsplit('/', 1)[-1]}")


def foundation_of(identifier: str, jobs: list[dict[str, Any]]) -> str:
    """The foundation model a job starts from: itself, or (a custom model's ARN: tuning it further) the foundation
    model of the job that made it; an ARN of no completed custom model here is refused as Bedrock does."""
    for _ in range(50):
        if not identifier.startswith("arn:"):
            return identifier
        maker = next((j for j in jobs if j.get("custom_model_arn") == identifier), None)
        if maker is None or (maker.get("final") or {}).get("status") != "Completed":
            raise ProviderRejected(
                f"Bedrock CreateModelCustomizationJob: ValidationException: no completed custom model {identifier}."
            )
        identifier = str(maker["request"]["base_model_identifier"])
    raise ProviderRejected("Bedrock CreateModelCustomizationJob: ValidationException: a lineage too long.")


def stage_of(elapsed: float, job_seconds: float) -> str:
    """Bedrock's statusDetails, simulated: validation, then data processing, then training."""
    step = min(2.0, job_seconds / 10)
    if elapsed < step:
        return "Validation: InProgress"
    if elapsed < 2 * step:
        return "Data processing: InProgress"
    return "Training: InProgress"
