"""The local control plane's model imports (CreateModelImportJob): InProgress for as long as throughput takes, then
the folder is checked as Bedrock checks it (services/domain/imports.py) and the import is Failed, naming the file,
or Completed with an imported model. Its Custom Model Units are simulated from the size of the weights (AWS decides
them at import: Llama 3.1 8B takes 2, Mistral 7B 1), version v1.0. Its record sits with the jobs (``import_of``
says which folder), so the model it makes is found, served and deleted where the models jobs make are."""

from __future__ import annotations

import hashlib
import math
from datetime import UTC, datetime
from typing import Any

from services.domain.custom import JobInfo, JobStatus
from services.domain.imports import CONFIG_LIMIT, WEIGHTS_SUFFIX, ImportDetails, folder_problems
from services.ports import ObjectStore

ACCOUNT = "000000000000"
BYTES_PER_CMU = 16 * 1024**3  # simulated: one CMU per 16 GiB of weights, at least one


def _short(seed: str) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(alphabet[b % 36] for b in hashlib.sha256(seed.encode()).digest()[:12])


def folder(objects: ObjectStore, uri: str) -> tuple[dict[str, int], bytes | None]:
    """The files of an S3 folder (names relative to it, with sizes) and the text of its config.json."""
    prefix = uri if uri.endswith("/") else uri + "/"
    files = {found[len(prefix) :]: size for found, size in objects.list(prefix) if found.startswith(prefix)}
    if "config.json" not in files:
        return files, None
    with objects.open(prefix + "config.json") as stream:
        return files, stream.read(CONFIG_LIMIT)


def new_import(
    job_name: str, model_name: str, s3_uri: str, client_token: str, region: str, now: float
) -> dict[str, Any]:
    job_id = _short(f"import/{client_token}")
    return {
        "job_name": job_name,
        "job_arn": f"arn:aws:bedrock:{region}:{ACCOUNT}:model-import-job/{job_id}",
        "custom_model_arn": f"arn:aws:bedrock:{region}:{ACCOUNT}:imported-model/{_short(job_id)}",
        "import_of": s3_uri,
        "request": {"custom_model_name": model_name, "base_model_identifier": "", "customization_type": "IMPORTED"},
        "client_token": client_token,
        "created_at": now,
        "stop_requested_at": None,
        "verdict": None,
        "final": None,
    }


def new_registration(model_name: str, source: str, client_token: str, region: str, now: float) -> dict[str, Any]:
    """CreateCustomModel of a SageMaker-trained Nova model: the model's ARN is followed like a job's (Creating, then
    Active); its artifacts (an S3 folder, or a model package) must be there."""
    arn = f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/imported/{_short(f'register/{client_token}')}"
    return {
        "job_name": model_name, "job_arn": arn, "custom_model_arn": arn, "import_of": source, "registered": True,
        "request": {"custom_model_name": model_name, "base_model_identifier": "", "customization_type": "IMPORTED"},
        "client_token": client_token, "created_at": now, "stop_requested_at": None, "verdict": None, "final": None,
    }  # fmt: skip


def _judge(objects: ObjectStore, job: dict[str, Any]) -> dict[str, Any]:
    if job.get("registered"):  # a SageMaker-trained Nova model: its artifacts must exist (S3) or its package be named
        there = not job["import_of"].startswith("s3://") or bool(objects.list(job["import_of"].rstrip("/") + "/"))
        return {"status": "Completed"} if there else {"status": "Failed", "failure_message": "No model artifacts at "
                                                      f"{job['import_of']}."}  # fmt: skip
    files, config = folder(objects, job["import_of"])
    architecture, problems = folder_problems(files, config)
    if problems or architecture is None:
        return {"status": "Failed", "failure_message": " ".join(problems) or "config.json: missing."}
    weights = sum(size for name, size in files.items() if name.endswith(WEIGHTS_SUFFIX))
    details = ImportDetails(
        architecture=architecture.model_type, converse=architecture.converse,
        custom_model_units=max(1, math.ceil(weights / BYTES_PER_CMU)), cmu_version="v1.0", source_uri=job["import_of"],
    )  # fmt: skip
    return {"status": "Completed", "details": details.model_dump()}


def import_info(job: dict[str, Any], objects: ObjectStore, now: float, seconds: float) -> tuple[JobInfo, bool]:
    """The import as GetModelImportJob (and GetImportedModel) tell it, and whether its record changed."""
    changed = False
    if job["final"] is None and now - job["created_at"] >= seconds:
        job["final"] = _judge(objects, job) | {"end_time": job["created_at"] + seconds}
        changed = True
    final = job["final"] or {}
    status = JobStatus(final.get("status", JobStatus.IN_PROGRESS.value))
    done = status is JobStatus.COMPLETED
    return (
        JobInfo(
            job_arn=job["job_arn"], job_name=job["job_name"], status=status,
            failure_message=final.get("failure_message"), custom_model_arn=job["custom_model_arn"] if done else None,
            client_token=job["client_token"],
            end_time=datetime.fromtimestamp(final["end_time"], UTC) if final.get("end_time") else None,
            custom_model_name=job["request"]["custom_model_name"], training_uri=job["import_of"],
            created_at=datetime.fromtimestamp(job["created_at"], UTC), customization_type="IMPORTED",
            import_details=ImportDetails.model_validate(final["details"]) if done and "details" in final else None,
        ),
        changed,
    )  # fmt: skip
