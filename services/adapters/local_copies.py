"""The local control plane's model copies (CreateModelCopyJob, made in the target region): InProgress for as long
as throughput takes, then Completed with a custom model of the target region, which serves and is deleted like any
other. A copy's record sits with the jobs (its ``copy_of`` says what it copied), so the models it makes are found
where the models jobs make are."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from services.domain.custom import JobInfo, JobStatus

ACCOUNT = "000000000000"


def _short(seed: str) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:12]


def new_copy(source: dict[str, Any], target_name: str, region: str, client_token: str, now: float) -> dict[str, Any]:
    """The record of a copy of ``source`` (the job that made the model) into ``region``."""
    base = str(source["custom_model_arn"]).split("custom-model/", 1)[-1].rsplit("/", 1)[0]
    job_id = _short(f"copy/{client_token}")
    return {
        "job_name": f"{target_name}-copy",
        "job_arn": f"arn:aws:bedrock:{region}:{ACCOUNT}:model-copy-job/{job_id}",
        "custom_model_arn": f"arn:aws:bedrock:{region}:{ACCOUNT}:custom-model/{base}/{_short(job_id)}",
        "copy_of": source["custom_model_arn"],
        "request": dict(source["request"]) | {"custom_model_name": target_name},
        "client_token": client_token,
        "created_at": now,
        "stop_requested_at": None,
        "verdict": None,
        "final": None,
    }


def copy_info(job: dict[str, Any], now: float, seconds: float) -> tuple[JobInfo, bool]:
    """The copy as GetModelCopyJob tells it, and whether its record changed (it completed now)."""
    changed = False
    if job["final"] is None and now - job["created_at"] >= seconds:
        job["final"] = {"status": "Completed", "end_time": job["created_at"] + seconds}
        changed = True
    done = job["final"] is not None
    return (
        JobInfo(
            job_arn=job["job_arn"],
            job_name=job["job_name"],
            status=JobStatus.COMPLETED if done else JobStatus.IN_PROGRESS,
            custom_model_arn=job["custom_model_arn"] if done else None,
            client_token=job["client_token"],
            end_time=datetime.fromtimestamp(job["final"]["end_time"], UTC) if done else None,
            custom_model_name=job["request"]["custom_model_name"],
            base_model=job["request"]["base_model_identifier"],
            created_at=datetime.fromtimestamp(job["created_at"], UTC),
            customization_type=job["request"].get("customization_type", "FINE_TUNING"),
        ),
        changed,
    )
