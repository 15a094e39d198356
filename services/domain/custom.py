"""A custom model and its job, throughput and deployment, as Model Studio keeps them and as a provider
reports them."""

from __future__ import annotations

import calendar
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from services.domain.imports import ImportDetails


class JobStatus(StrEnum):
    SUBMITTING = "Submitting"  # our record exists; the Bedrock job may not yet
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    FAILED = "Failed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"

    @property
    def in_flight(self) -> bool:
        return self in (JobStatus.SUBMITTING, JobStatus.IN_PROGRESS, JobStatus.STOPPING)


class ThroughputStatus(StrEnum):
    CREATING = "Creating"
    IN_SERVICE = "InService"
    UPDATING = "Updating"
    FAILED = "Failed"

    @property
    def in_flight(self) -> bool:
        return self in (ThroughputStatus.CREATING, ThroughputStatus.UPDATING)


class DeploymentStatus(StrEnum):
    """An on-demand custom model deployment (CreateCustomModelDeployment)."""

    CREATING = "Creating"
    ACTIVE = "Active"
    FAILED = "Failed"

    @property
    def in_flight(self) -> bool:
        return self is DeploymentStatus.CREATING


class CustomModel(BaseModel):
    """A custom model we made by fine-tuning a Bedrock base model."""

    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    description: str = ""
    base_model_id: str  # our catalog id, e.g. bedrock:meta.llama3-1-8b-instruct-v1:0:128k
    base_model_name: str
    customization_type: str = "FINE_TUNING"
    # Bedrock's customizationConfig (a teacher, a grader), as the job was made with it; None for none
    customization_config: dict[str, Any] | None = None
    hyperparameters: dict[str, str]
    training_uri: str  # the training file, or (distilled from invocation logs) where the logs are
    # distillation from invocation logs: Bedrock's invocationLogsConfig (which logged calls it used); None: a file
    training_logs: dict[str, Any] | None = None
    # tuned further: the custom model whose weights this one started from (base_model_id stays the foundation
    # model at the root of the lineage: its data rules, prices and serving rules are this model's)
    parent_model_id: str | None = None
    copied_from: str | None = None  # a copy (CreateModelCopyJob) of this custom model, made in another region
    # imported open weights (CreateModelImportJob): served on demand by its own ARN once imported, no base model
    import_details: ImportDetails | None = None
    validation_uri: str | None = None
    output_uri: str
    training_records: int = 0
    training_tokens: int = 0
    validation_records: int | None = None
    token_method: str = ""
    # what Check data found in the data: records, tokens, per-record distributions (DatasetReport.summary)
    data_summary: dict[str, Any] | None = None
    job_name: str
    client_token: str
    job_arn: str | None = None
    job_status: JobStatus = JobStatus.SUBMITTING
    job_stage: str | None = None  # where a running job is (Bedrock's statusDetails), e.g. "Training: InProgress"
    failure_message: str | None = None
    custom_model_arn: str | None = None
    job_end_time: datetime | None = None
    training_loss: float | None = None
    validation_loss: float | None = None
    throughput_name: str | None = None
    throughput_arn: str | None = None
    throughput_status: ThroughputStatus | None = None
    model_units: int | None = None
    throughput_commitment: str | None = None  # "OneMonth" | "SixMonths": a term (None: no commitment)
    throughput_since: datetime | None = None
    throughput_failure: str | None = None
    deployment_name: str | None = None  # on-demand deployment: served per token, no idle charge
    deployment_arn: str | None = None
    deployment_status: DeploymentStatus | None = None
    deployment_since: datetime | None = None
    deployment_failure: str | None = None
    deployable: bool = False  # Bedrock can serve it on demand (decided when it was created)
    # the idle guard for this model's throughput: None follows STUDIO_AUTO_REMOVE_IDLE_HOURS, 0 never
    # removes it, N removes it after N hours idle (services/costs/idle.py)
    idle_guard_hours: float | None = None
    enabled: bool = False
    created_by: str | None = None  # the actor id of whoever created it (its owner)
    region: str = ""  # where its job runs, and its custom model, throughput and prices live
    created_at: datetime
    updated_at: datetime
    version: int = 1

    @property
    def in_flight(self) -> bool:
        """Something is moving at the provider (a job, or throughput being created or removed)."""
        return (
            self.job_status.in_flight
            or bool(self.throughput_status and self.throughput_status.in_flight)
            or bool(self.deployment_status and self.deployment_status.in_flight)
        )

    @property
    def serves_itself(self) -> bool:
        """Bedrock serves it on demand by its own ARN once made (an imported model): no throughput, no deployment."""
        return self.import_details is not None

    @property
    def completed(self) -> bool:
        return self.job_status is JobStatus.COMPLETED

    @property
    def failed(self) -> bool:
        return self.job_status is JobStatus.FAILED

    @property
    def throughput_failed(self) -> bool:
        return self.throughput_status is ThroughputStatus.FAILED

    @property
    def deployment_failed(self) -> bool:
        return self.deployment_status is DeploymentStatus.FAILED

    @property
    def epochs(self) -> int | None:
        raw = self.hyperparameters.get("epochCount")
        try:
            return int(float(raw)) if raw is not None else None
        except ValueError:
            return None


class JobInfo(BaseModel):
    """A customization job as the provider reports it."""

    model_config = ConfigDict(frozen=True)

    job_arn: str
    job_name: str
    status: JobStatus
    failure_message: str | None = None
    custom_model_arn: str | None = None
    client_token: str | None = None
    end_time: datetime | None = None
    training_loss: float | None = None
    validation_loss: float | None = None
    stage: str | None = None  # statusDetails: "Validation", "Data processing" or "Training", with its status
    # what a job made elsewhere needs to become a record here (GetModelCustomizationJob)
    custom_model_name: str | None = None
    base_model: str | None = None  # the foundation model id, e.g. meta.llama3-1-8b-instruct-v1:0:128k
    training_uri: str | None = None
    validation_uri: str | None = None
    output_uri: str | None = None
    hyperparameters: dict[str, str] = Field(default_factory=dict)
    created_at: datetime | None = None
    customization_type: str = "FINE_TUNING"
    customization_config: dict[str, Any] | None = None
    training_logs: dict[str, Any] | None = None
    import_details: ImportDetails | None = None  # an import job (GetModelImportJob, then GetImportedModel)


class ThroughputInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    arn: str
    name: str
    status: ThroughputStatus
    model_units: int
    failure_message: str | None = None


class DeploymentInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    arn: str
    name: str
    status: DeploymentStatus
    failure_message: str | None = None


class JobRequest(BaseModel):
    """What CreateModelCustomizationJob is called with."""

    model_config = ConfigDict(frozen=True)

    job_name: str
    custom_model_name: str
    base_model_identifier: str
    role_arn: str
    training_uri: str
    validation_uri: str | None
    output_uri: str
    hyperparameters: dict[str, str]
    client_token: str
    customization_type: str = "FINE_TUNING"
    customization_config: dict[str, Any] | None = None
    training_logs: dict[str, Any] | None = None  # invocationLogsConfig instead of the training file (distillation)
    tags: dict[str, str] = Field(default_factory=dict)  # on the job and its custom model
    kms_key_id: str | None = None
    vpc_subnets: tuple[str, ...] = ()
    vpc_security_groups: tuple[str, ...] = ()


# Provisioned Throughput's commitment terms (botocore's CommitmentDuration) in months. A term cannot be ended early
# and renews at its end until the throughput is deleted (prov-thru-delete.html).
COMMITMENTS: dict[str, int] = {"OneMonth": 1, "SixMonths": 6}
COMMITMENT_URL = "https://docs.aws.amazon.com/bedrock/latest/userguide/prov-thru-delete.html"


def commitment_ends(since: datetime, commitment: str) -> datetime:
    """When a throughput's first commitment term ends (a calendar month, or six; the 31st ends on a shorter
    month's last day)."""
    month = since.month - 1 + COMMITMENTS[commitment]
    year, month = since.year + month // 12, month % 12 + 1
    return since.replace(year=year, month=month, day=min(since.day, calendar.monthrange(year, month)[1]))
