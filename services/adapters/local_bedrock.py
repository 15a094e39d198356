"""The local backend's Bedrock control plane: behaves like the real one over time. A job is InProgress for
``job_seconds``, then Completed, writing ``step_wise_training_metrics.csv`` (and ``validation_metrics.csv`` with a
validation set) under its output location as Bedrock lays them out. Data that Bedrock would reject makes the job
Failed early, with the reason. A stop goes Stopping, then Stopped. Throughput goes Creating, then InService after
``throughput_seconds``, under Bedrock's rules (local_throughput.py). State is kept in JSON files, so it survives a
restart and is shared by every app process on the machine."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from services.adapters.graders import GraderClient
from services.adapters.local_copies import copy_info, new_copy
from services.adapters.local_imports import import_info, new_import, new_registration
from services.adapters.local_rft import graded
from services.adapters.local_throughput import committed_until, throughput_refusal
from services.adapters.local_training import foundation_of, judge_data, stage_of, write_metrics
from services.domain.custom import (
    DeploymentInfo,
    DeploymentStatus,
    JobInfo,
    JobRequest,
    JobStatus,
    ThroughputInfo,
    ThroughputStatus,
)
from services.domain.errors import ProviderRejected
from services.ports import GraderRunner, ObjectStore

ACCOUNT = "000000000000"
STOP_SECONDS = 3.0


def _short_id(seed: str) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
    digest = hashlib.sha256(seed.encode()).digest()
    return "".join(alphabet[b % 36] for b in digest[:12])


class LocalBedrock:
    def __init__(
        self,
        state_dir: Path,
        objects: ObjectStore,
        *,
        region: str = "us-east-1",
        job_seconds: float = 60.0,
        throughput_seconds: float = 10.0,
        clock: Callable[[], float] = time.time,
        graders: GraderRunner | None = None,
    ) -> None:
        self._jobs = state_dir / "jobs"
        self._pts = state_dir / "throughputs"
        self._deployments = state_dir / "deployments"
        for folder in (self._jobs, self._pts, self._deployments):
            folder.mkdir(parents=True, exist_ok=True)
        self._objects = objects
        self._region = region
        self._logging = state_dir / f"invocation-logging-{region}.json"  # this region's logging configuration
        self._job_seconds = job_seconds
        self._pt_seconds = throughput_seconds
        self._clock = clock
        self._graders = graders or GraderClient()  # built-ins and loopback URLs; no Lambda here

    # ---- state files ---------------------------------------------------------------------
    @staticmethod
    def _write(path: Path, data: dict[str, Any]) -> None:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out)
        os.replace(tmp, path)

    @staticmethod
    def _read(path: Path) -> dict[str, Any] | None:
        try:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None

    def _job_path(self, identifier: str) -> Path:
        name = identifier.rsplit("/", 1)[-1] if identifier.startswith("arn:") else identifier
        if identifier.startswith("arn:"):
            for path in self._jobs.glob("*.json"):
                data = self._read(path)
                if data and data["job_arn"] == identifier:
                    return path
        return self._jobs / f"{name}.json"

    # ---- jobs ----------------------------------------------------------------------------
    def create_job(self, request: JobRequest) -> str:
        path = self._jobs / f"{request.job_name}.json"
        existing = self._read(path)
        if existing is not None:
            if existing["client_token"] == request.client_token:
                return str(existing["job_arn"])
            raise ProviderRejected(
                f"Bedrock CreateModelCustomizationJob: ConflictException: a job named {request.job_name} exists."
            )
        base = self._foundation(request.base_model_identifier)
        job_id = _short_id(request.client_token)
        record = {
            "job_name": request.job_name, "request": request.model_dump(), "client_token": request.client_token,
            "job_arn": f"arn:aws:bedrock:{self._region}:{ACCOUNT}:model-customization-job/{base}/{job_id}",
            "custom_model_arn": f"arn:aws:bedrock:{self._region}:{ACCOUNT}:custom-model/{base}/{_short_id(job_id)}",
            "created_at": self._clock(), "stop_requested_at": None, "verdict": None, "final": None,
        }  # fmt: skip
        self._write(path, record)
        return str(record["job_arn"])

    def get_job(self, job_identifier: str) -> JobInfo | None:
        path = self._job_path(job_identifier)
        job = self._read(path)
        if job is None:
            return None
        if job.get("copy_of") or job.get("import_of"):  # a copy, import or registration: local_copies/_imports.py
            info, changed = (
                copy_info(job, self._clock(), self._pt_seconds)
                if job.get("copy_of")
                else import_info(job, self._objects, self._clock(), self._pt_seconds)
            )
            if changed:
                self._write(path, job)
            return info
        if job["final"] is None:
            self._advance(job)
            self._write(path, job)
        status = JobStatus(job["final"]["status"] if job["final"] else self._running_status(job))
        final = job["final"] or {}
        return JobInfo(
            job_arn=job["job_arn"],
            job_name=job["job_name"],
            status=status,
            failure_message=final.get("failure_message"),
            custom_model_arn=job["custom_model_arn"] if status is JobStatus.COMPLETED else None,
            client_token=job["client_token"],
            end_time=datetime.fromtimestamp(final["end_time"], UTC) if final.get("end_time") else None,
            training_loss=final.get("training_loss"),
            validation_loss=final.get("validation_loss"),
            stage=None if job["final"] else stage_of(self._clock() - job["created_at"], self._job_seconds),
            custom_model_name=job["request"]["custom_model_name"],
            base_model=job["request"]["base_model_identifier"],
            training_uri=job["request"]["training_uri"],
            validation_uri=job["request"]["validation_uri"],
            output_uri=job["request"]["output_uri"],
            hyperparameters=job["request"]["hyperparameters"],
            created_at=datetime.fromtimestamp(job["created_at"], UTC),
            customization_type=job["request"].get("customization_type", "FINE_TUNING"),
            customization_config=job["request"].get("customization_config"),
            training_logs=job["request"].get("training_logs"),
        )

    def _region_jobs(self) -> list[dict[str, Any]]:
        jobs = (self._read(path) for path in sorted(self._jobs.glob("*.json")))
        return [job for job in jobs if job and f":{self._region}:" in job["job_arn"]]

    def create_copy_job(self, source_arn: str, target_name: str, client_token: str) -> str:
        maker = self._require_model(source_arn, "CreateModelCopyJob")
        record = new_copy(maker, target_name, self._region, client_token, self._clock())
        path = self._jobs / f"{record['job_name']}.json"
        self._write(path, self._read(path) or record)  # the same copy again: the same job
        return str((self._read(path) or record)["job_arn"])

    def create_import_job(
        self, *, job_name: str, model_name: str, role_arn: str, s3_uri: str, client_token: str, tags: dict[str, str]
    ) -> str:
        path = self._jobs / f"{job_name}.json"
        record = self._read(path) or new_import(job_name, model_name, s3_uri, client_token, self._region, self._clock())
        if record["client_token"] != client_token:
            raise ProviderRejected(f"Bedrock CreateModelImportJob: ConflictException: a job named {job_name} exists.")
        self._write(path, record)
        return str(record["job_arn"])

    def register_model(
        self, *, model_name: str, role_arn: str, source: str, client_token: str, tags: dict[str, str]
    ) -> str:
        record = new_registration(model_name, source, client_token, self._region, self._clock())
        path = self._jobs / f"{model_name}.json"
        self._write(path, self._read(path) or record)  # the same registration again: the same model
        return str((self._read(path) or record)["job_arn"])

    def list_imports(self) -> list[JobInfo]:
        jobs = [job for job in self._region_jobs() if job.get("import_of") and not job.get("model_deleted")]
        return [i for job in jobs if (i := self.get_job(job["job_name"])) and i.status is JobStatus.COMPLETED]

    def list_jobs(self) -> list[JobInfo]:
        jobs = [job for job in self._region_jobs() if not job.get("import_of")]  # imports: ListModelImportJobs
        return [info for job in jobs if (info := self.get_job(job["job_name"])) is not None]

    def custom_model_arns(self) -> set[str]:
        return {
            str(job["custom_model_arn"])
            for job in self._region_jobs()
            if (job.get("final") or {}).get("status") == "Completed" and not job.get("model_deleted")
        }

    def _running_status(self, job: dict[str, Any]) -> str:
        return JobStatus.STOPPING.value if job["stop_requested_at"] else JobStatus.IN_PROGRESS.value

    def _advance(self, job: dict[str, Any]) -> None:
        now = self._clock()
        if job["stop_requested_at"] is not None:
            if now - job["stop_requested_at"] >= STOP_SECONDS:
                job["final"] = {"status": "Stopped", "end_time": now}
            return
        elapsed = now - job["created_at"]
        if job["verdict"] is None and (elapsed >= min(2.0, self._job_seconds / 10) or elapsed >= self._job_seconds):
            verdict = self._judge(JobRequest.model_validate(job["request"]))
            if verdict["ok"]:
                verdict = graded(self._objects, self._graders, job, verdict)
            job["verdict"] = verdict
            if not verdict["ok"]:
                job["final"] = {"status": "Failed", "end_time": now, "failure_message": verdict["message"]}
                return
        if elapsed >= self._job_seconds:
            losses = write_metrics(self._objects, job)
            job["final"] = {
                "status": "Completed",
                "end_time": job["created_at"] + self._job_seconds,
                **losses,
            }
            return
        training_from = 2 * min(2.0, self._job_seconds / 10)  # after validation and data processing
        if job["verdict"] is not None and elapsed > training_from:
            # the metrics appear as training goes, the way Bedrock writes them while a job runs
            write_metrics(self._objects, job, (elapsed - training_from) / max(1e-9, self._job_seconds - training_from))

    def _judge(self, request: JobRequest) -> dict[str, Any]:
        base = self._foundation(request.base_model_identifier)  # tuned further: the rules of its foundation model
        return judge_data(self._objects, request.model_copy(update={"base_model_identifier": base}))

    def _foundation(self, identifier: str) -> str:
        return foundation_of(identifier, self._region_jobs())

    def stop_job(self, job_identifier: str) -> None:
        path = self._job_path(job_identifier)
        job = self._read(path)
        if job is None:
            raise ProviderRejected(f"Bedrock StopModelCustomizationJob: ResourceNotFoundException: {job_identifier}")
        self._advance(job)
        if job["final"] is not None:
            raise ProviderRejected(
                f"Bedrock StopModelCustomizationJob: ValidationException: the job is {job['final']['status']}."
            )
        job["stop_requested_at"] = job["stop_requested_at"] or self._clock()
        self._write(path, job)

    def delete_custom_model(self, model_identifier: str) -> bool:
        for path in self._jobs.glob("*.json"):
            job = self._read(path)
            if (
                job
                and not job.get("model_deleted")
                and model_identifier in (job["custom_model_arn"], job["request"]["custom_model_name"])
            ):
                job["model_deleted"] = True
                self._write(path, job)
                return True
        return False

    # ---- provisioned throughput ------------------------------------------------------------
    def create_throughput(
        self,
        *,
        name: str,
        model_arn: str,
        model_units: int,
        client_token: str,
        tags: dict[str, str] | None = None,
        commitment: str | None = None,
    ) -> str:
        path = self._pts / f"{name}.json"
        existing = self._read(path)
        if existing is not None:
            if existing["client_token"] == client_token:
                return str(existing["arn"])
            raise ProviderRejected(f"Bedrock CreateProvisionedModelThroughput: ConflictException: {name} exists.")
        others = [self._read(p) or {} for p in self._pts.glob("*.json")]
        refused = throughput_refusal(commitment, model_units, others)
        if refused:
            raise ProviderRejected(f"Bedrock CreateProvisionedModelThroughput: {refused}")
        arn = f"arn:aws:bedrock:{self._region}:{ACCOUNT}:provisioned-model/{_short_id(client_token)}"
        self._write(path, {
            "name": name, "arn": arn, "model_arn": model_arn, "units": model_units, "commitment": commitment,
            "client_token": client_token, "created_at": self._clock(),
        })  # fmt: skip
        return arn

    def _find(self, folder: Path, identifier: str) -> Path | None:
        """The file in folder whose record has this ARN or name (throughput and deployments)."""
        for path in folder.glob("*.json"):
            data = self._read(path)
            if data and identifier in (data["arn"], data["name"]):
                return path
        return None

    def get_throughput(self, identifier: str) -> ThroughputInfo | None:
        path = self._find(self._pts, identifier)
        data = self._read(path) if path else None
        if data is None:
            return None
        ready = self._clock() - data["created_at"] >= self._pt_seconds
        updating = self._clock() - data.get("updated_at", 0.0) < self._pt_seconds  # serving another model
        status = ThroughputStatus.CREATING if not ready else ThroughputStatus.UPDATING if updating else None
        return ThroughputInfo(
            arn=data["arn"], name=data["name"], status=status or ThroughputStatus.IN_SERVICE, model_units=data["units"]
        )

    def update_throughput(self, identifier: str, model_arn: str) -> None:
        self._serve(self._pts, identifier, model_arn, "UpdateProvisionedModelThroughput", {"updated_at": self._clock()})

    def update_deployment(self, identifier: str, model_arn: str) -> None:
        self._serve(self._deployments, identifier, model_arn, "UpdateCustomModelDeployment", {})

    def _serve(self, folder: Path, identifier: str, model_arn: str, action: str, more: dict[str, Any]) -> None:
        """Another custom model behind a throughput or deployment, its ARN unchanged (for throughput: Updating)."""
        path = self._find(folder, identifier)
        data = self._read(path) if path else None
        if path is None or data is None:
            raise ProviderRejected(f"Bedrock {action}: ResourceNotFoundException: {identifier}.")
        self._require_model(model_arn, action)
        self._write(path, data | {"model_arn": model_arn} | more)

    def _require_model(self, model_arn: str, action: str) -> dict[str, Any]:
        """The record of the job that made a custom model that still exists, or Bedrock's refusal."""
        for path in self._jobs.glob("*.json"):
            job = self._read(path)
            if job and job["custom_model_arn"] == model_arn and not job.get("model_deleted"):
                return job
        raise ProviderRejected(f"Bedrock {action}: ResourceNotFoundException: {model_arn}.")

    def delete_throughput(self, identifier: str) -> None:
        path = self._find(self._pts, identifier)
        data = self._read(path) if path is not None else None
        if path is None or data is None:
            return
        ends = committed_until(data, self._clock())
        if ends is not None:  # "You can't delete a Provisioned Throughput with commitment before the term"
            raise ProviderRejected(
                f"Bedrock DeleteProvisionedModelThroughput: ValidationException: {identifier} is committed until "
                f"{ends:%Y-%m-%d %H:%M} UTC."
            )
        path.unlink(missing_ok=True)

    # ---- on-demand deployments: Creating for as long as throughput takes, then Active ---------------
    def create_deployment(self, *, name: str, model_arn: str, client_token: str, tags: dict[str, str]) -> str:
        path = self._deployments / f"{name}.json"
        existing = self._read(path)
        if existing is not None:
            if existing["client_token"] == client_token:
                return str(existing["arn"])
            raise ProviderRejected(f"Bedrock CreateCustomModelDeployment: ConflictException: {name} exists.")
        self._require_model(model_arn, "CreateCustomModelDeployment")
        arn = f"arn:aws:bedrock:{self._region}:{ACCOUNT}:custom-model-deployment/{_short_id(client_token)}"
        self._write(path, {
            "name": name, "arn": arn, "model_arn": model_arn, "client_token": client_token, "created_at": self._clock()
        })  # fmt: skip
        return arn

    def get_deployment(self, identifier: str) -> DeploymentInfo | None:
        path = self._find(self._deployments, identifier)
        data = self._read(path) if path else None
        if data is None:
            return None
        ready = self._clock() - data["created_at"] >= self._pt_seconds
        return DeploymentInfo(
            arn=data["arn"], name=data["name"], status=DeploymentStatus.ACTIVE if ready else DeploymentStatus.CREATING
        )

    def model_access(self, model_id: str) -> str | None:
        return None  # the simulation has access to every model of its catalog

    def logging_destination(self) -> str | None:
        found = self._read(self._logging)
        return str(found["s3_uri"]) if found else None

    def enable_logging(self, s3_uri: str) -> None:
        self._write(self._logging, {"s3_uri": s3_uri if s3_uri.endswith("/") else s3_uri + "/"})

    def delete_deployment(self, identifier: str) -> bool:
        path = self._find(self._deployments, identifier)
        if path is None:
            return False
        path.unlink(missing_ok=True)
        return True
