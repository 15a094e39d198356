"""What the customization service takes and gives: requests, uploads, data checks, configuration,
and the few helpers its parts share."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.datasets.validate import DatasetReport
from services.domain.custom import CustomModel, DeploymentStatus, ThroughputStatus
from services.domain.uploads import Upload
from services.settings import Settings

Clock = Callable[[], datetime]
Progress = Callable[[str, int, int], None]  # (what, bytes done, bytes total)

NAME_PATTERN = re.compile(r"([0-9a-zA-Z][_-]?){1,63}")
HP_KEY_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
MAX_DESCRIPTION = 2000
MAX_HYPERPARAMETERS = 64  # no base model takes more than a handful
MAX_HP_PROBLEMS = 10
NO_COMMIT_PER_ACCOUNT = 2  # bedrock-facts §1.5: at most 2 no-commitment PTs per account


DataInput = Upload | str  # an upload, or the s3:// URI of data already in S3


class NewCustomModel(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    base_model_id: str  # our catalog id (bedrock:..., openai:...), or a plain Bedrock model id
    customization_type: str = "FINE_TUNING"
    hyperparameters: dict[str, str] = Field(default_factory=dict)
    region: str | None = None  # where the job runs; None: the preferred region the base model allows
    options: dict[str, Any] | None = None  # the method's own fields (the API's CustomizationConfig)
    # distillation from Bedrock's invocation logs instead of a training file (the API's
    # TrainingDataSource.InvocationLogs: {"S3Uri", "Filters", "UsePromptResponse"})
    invocation_logs: dict[str, Any] | None = None

    @field_validator("base_model_id")
    @classmethod
    def _catalog_id(cls, value: str) -> str:
        value = value.strip()
        return value if value.startswith(CATALOG_PREFIXES) else f"bedrock:{value}"


class DataCheck(BaseModel):
    """The whole request checked in one step: data, hyperparameters, record counts."""

    model_config = ConfigDict(frozen=True)

    training: DatasetReport | None = None
    validation: DatasetReport | None = None
    problems: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()  # the data passes, but a person would want to know (services/datasets/warnings.py)
    epochs: int = 1  # the request's epochCount (1 for models trained by steps)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def billable_tokens(self) -> int:
        """Training tokens Bedrock bills: the training data's tokens × epochs."""
        return (self.training.tokens if self.training else 0) * self.epochs

    def summary(self) -> dict[str, Any]:
        """What the data holds, as the API returns it (on a 422 and in a custom model's details)."""
        out: dict[str, Any] = {"epochs": self.epochs, "billable_tokens": self.billable_tokens}
        if self.warnings:
            out["warnings"] = list(self.warnings)
        for kind, report in (("training", self.training), ("validation", self.validation)):
            if report is not None:
                out[kind] = report.summary_dict()
        return out


class ReconcileReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    refreshed: int = 0
    adopted: tuple[str, ...] = ()
    rolled_back: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class CustomizationConfig:
    output_root: str  # s3://bucket/prefix, in the preferred region
    role_arn: str | None
    region: str  # the preferred job region
    max_model_units: int = 1
    submit_grace_seconds: float = 300.0
    allowed_buckets: frozenset[str] | None = None  # None: any bucket
    regions: tuple[str, ...] = ()  # every region a job may run in (default: the preferred one)
    tags: tuple[tuple[str, str], ...] = ()  # STUDIO_JOB_TAGS, on jobs, custom models, throughput, deployments
    kms_key_id: str | None = None  # STUDIO_KMS_KEY_ID: encrypts the custom model
    vpc_subnets: tuple[str, ...] = ()  # STUDIO_VPC_SUBNETS / STUDIO_VPC_SECURITY_GROUPS: the job's VPC
    vpc_security_groups: tuple[str, ...] = ()
    output_roots: tuple[tuple[str, str], ...] = ()  # (region, s3://bucket/prefix) where it differs
    simulated: bool = False  # the local backend (its graders; no Lambda)

    @classmethod
    def from_settings(cls, settings: Settings, *, local_role_arn: str) -> CustomizationConfig:
        """The configuration the settings give (the local backend's role when none is set)."""
        role = settings.customization_role_arn or (local_role_arn if settings.backend == "local" else None)
        return cls(
            output_root=settings.output_root,
            role_arn=role,
            region=settings.job_region,
            max_model_units=settings.no_commit_max_model_units,
            submit_grace_seconds=settings.submit_grace_seconds,
            allowed_buckets=settings.readable_buckets(),
            regions=tuple(settings.aws_regions),
            tags=tuple(settings.job_tags.items()),
            kms_key_id=settings.kms_key_id,
            vpc_subnets=tuple(settings.vpc_subnets),
            vpc_security_groups=tuple(settings.vpc_security_groups),
            output_roots=tuple((r, settings.output_root_for(r)) for r in settings.aws_regions),
            simulated=settings.backend == "local",
        )

    @property
    def job_regions(self) -> tuple[str, ...]:
        return self.regions or (self.region,)

    def output_root_for(self, region: str) -> str:
        return dict(self.output_roots).get(region, self.output_root)


CATALOG_PREFIXES = ("bedrock:", "openai:", "custom:")
NAME_TAKEN = "Model Name: already used"


def _progress_for(progress: Progress | None, what: str, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    return lambda done: progress(what, done, total)


def _state(model: CustomModel) -> str:
    """A model's state in a few words, for the audit trail."""
    parts = [model.job_status.value]
    if model.throughput_status is not None:
        parts.append(f"throughput {model.throughput_status.value}")
    if model.enabled:
        parts.append("enabled")
    return " · ".join(parts)


def _clear_deployment() -> dict[str, object]:
    return {
        "deployment_name": None,
        "deployment_arn": None,
        "deployment_status": None,
        "deployment_since": None,
        "deployment_failure": None,
    }


def _still_enabled(model: CustomModel, *, losing: str) -> bool:
    """Whether an enabled model stays enabled after losing one way to serve it ("throughput" or
    "deployment"): only while the other way is ready (DESIGN: RED unless the other remains)."""
    if not model.enabled:
        return False
    if losing == "throughput":
        return model.deployment_status is DeploymentStatus.ACTIVE
    return model.throughput_status is ThroughputStatus.IN_SERVICE


def _clear_throughput() -> dict[str, object]:
    return {
        "throughput_name": None,
        "throughput_arn": None,
        "throughput_status": None,
        "model_units": None,
        "throughput_commitment": None,
        "throughput_since": None,
        "throughput_failure": None,
    }
