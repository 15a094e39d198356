"""The REST contract's bodies (PascalCase, as the seed has them) and how models map onto them."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.customization.methods import method_for
from services.domain.custom import CustomModel, JobStatus
from services.domain.imports import price_said, window_price
from services.domain.invocation_logs import logs_of
from services.domain.models import ModelView

SEED_STATUS = {
    JobStatus.SUBMITTING: "Pending",
    JobStatus.IN_PROGRESS: "Pending",
    JobStatus.STOPPING: "Pending",
    JobStatus.COMPLETED: "Complete",
    JobStatus.FAILED: "Failed",
    JobStatus.STOPPED: "Stopped",
}


MAX_PROBLEMS = 20  # listed in one error response


# ---- bodies --------------------------------------------------------------------------------------
class Pascal(BaseModel):
    model_config = ConfigDict(extra="forbid")


HpName = Annotated[str, StringConstraints(max_length=64)]
HpValue = Annotated[str, StringConstraints(max_length=256)]


class TrainingSource(Pascal):
    InvocationLogs: dict[HpName, Any] = Field(
        max_length=3,
        description=(
            'Bedrock\'s invocation logs: {"S3Uri": "s3://bucket/prefix/", "Filters": {"Equals": {"key": "value"}} | '
            '{"NotEquals": {…}} | {"AndAll": [{"Equals": {…}}, …]} | {"OrAll": […]} (optional), "UsePromptResponse": '
            "false (the teacher answers the logged prompts) | true (the logged answers train the student)}."
        ),
    )


class CreateCustomModel(Pascal):
    """Bounded everywhere (a request is at most 1 MiB, and no field may make the server work for
    long); what the bounds let through, the service checks and explains."""

    ModelName: str = Field(max_length=200)
    ModelType: str = Field(
        "FINE_TUNING",
        max_length=64,
        description=(
            "The customization method (Bedrock's customizationType): FINE_TUNING, CONTINUED_PRE_TRAINING, "
            "DISTILLATION or REINFORCEMENT_FINE_TUNING."
        ),
    )
    BaseModelId: str = Field(max_length=2048)
    Description: str = Field("", max_length=10_000)
    TrainingDataLocation: str | None = Field(
        None,
        max_length=2048,
        description="The training file (.jsonl), an s3:// URI; required unless TrainingDataSource.",
    )
    TrainingDataSource: TrainingSource | None = Field(
        None, description="DISTILLATION only: Bedrock's invocation logs instead of a training file."
    )
    ValidationDataLocation: str | None = Field(None, max_length=2048)
    HyperParameters: dict[HpName, HpValue] = Field(default_factory=dict, max_length=64)
    CustomizationConfig: dict[HpName, Any] | None = Field(
        None,
        max_length=8,
        description=(
            'The method\'s own fields. REINFORCEMENT_FINE_TUNING: {"Grader": {"LambdaArn": "arn:aws:lambda:…"}} '
            '(AWS), or in the local simulation {"Grader": {"Builtin": "exact-match" | "numeric" | "json" | "regex"}} '
            '(numeric takes "Tolerance", regex "Pattern") or {"Grader": {"Url": "http://127.0.0.1:<port>/…"}}. '
            'DISTILLATION: {"TeacherModelId": "amazon.nova-pro-v1:0" (an id, ARN or inference profile), '
            '"MaxResponseLength": 1000 (optional, tokens)}.'
        ),
    )
    Region: str | None = Field(
        None,
        max_length=32,
        description="Where the job runs (default: a configured region where the base model can be customized).",
    )


class GraderTest(Pascal):
    """Test grader: the grader run on the first records of the training data, before anything is paid."""

    CustomizationConfig: dict[HpName, Any] = Field(max_length=8, description='{"Grader": {…}} as for Create.')
    TrainingDataLocation: str = Field(max_length=2048)
    CandidateAnswer: str | None = Field(
        None, max_length=20_000, description="The answer graded for every record (default: each record's reference)."
    )
    Records: int = Field(5, ge=1, le=10)


class GraderTestRow(BaseModel):
    Line: int
    Prompt: str
    Answer: str
    Reward: float


class GraderTestOut(BaseModel):
    Grader: str
    MeanReward: float
    Results: list[GraderTestRow]


class DataCheckOut(BaseModel):
    """Check data's answer, as the page shows it: the problems that stop Create (the same words as
    Create's 422), the warnings that do not, and what the data holds."""

    Ok: bool
    Problems: list[str]
    Warnings: list[str]  # the data passes, but a person would want to know (with line numbers)
    DataSummary: dict[str, Any]


class ProvisionThroughput(Pascal):
    ModelUnits: int = Field(1, ge=1, le=100)
    CommitmentDuration: Literal["OneMonth", "SixMonths"] | None = Field(
        None, description="A term (a lower rate; not to be ended early; renews until deleted); none: no commitment"
    )


class Error(BaseModel):
    Message: str
    Code: str
    Problems: list[str] | None = None
    DataSummary: dict[str, Any] | None = None  # on a 422 for data: what the data holds (as in CustomModelOut)


_DATA_KEYED = frozenset({"issue_counts", "turns"})  # their keys are data (problem kinds, message counts)


def pascal(value: Any) -> Any:
    """A service-side summary (snake_case keys) as the REST contract spells it (PascalCase)."""
    if isinstance(value, dict):
        return {
            "".join(part[:1].upper() + part[1:] for part in str(k).split("_")): v if k in _DATA_KEYED else pascal(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [pascal(v) for v in value]
    return value


class CustomModelOut(BaseModel):
    Id: str
    ModelName: str
    ModelType: str
    CustomizationConfig: dict[str, Any] | None = None  # the method's fields as CreateCustomModel takes them
    BedrockCustomizationConfig: dict[str, Any] | None = None  # Bedrock's customizationConfig, as the job was made
    TrainingDataSource: dict[str, Any] | None = None  # {"InvocationLogs": …} when distilled from invocation logs
    ParentModelId: str | None = None  # tuned further from this custom model (BaseModelId stays the foundation model)
    CopiedFrom: str | None = None  # a copy of this custom model, made in another region
    # imported open weights: {"Architecture", "InvokeApi", "CustomModelUnits", "CustomModelUnitsVersion",
    # "WindowPrice" (USD per 5-minute window of one copy, null when unknown), "Cost" (in words)}
    Imported: dict[str, Any] | None = None
    Lineage: list[dict[str, str]] = []  # [{"Id", "ModelName"}] from the foundation model to this one
    BaseModelId: str
    BaseModelName: str
    Description: str
    Status: str
    JobStatus: str
    JobStage: str | None
    StatusLight: str
    NextAction: str
    Enabled: bool
    FailureMessage: str | None
    ThroughputStatus: str | None
    ModelUnits: int | None
    ThroughputCommitment: str | None = None  # OneMonth | SixMonths: a term (None: no commitment)
    DeploymentStatus: str | None
    DeploymentArn: str | None
    Deployable: bool
    IdleGuardHours: float | None  # its own idle guard: 0 never removed, null the team's setting
    TrainingDataLocation: str
    ValidationDataLocation: str | None
    OutputDataLocation: str
    HyperParameters: dict[str, str]
    TrainingRecords: int
    TrainingTokens: int
    DataSummary: dict[str, Any] | None  # what Check data found: tokens per record, duplicates, near the limit …
    JobArn: str | None
    CustomModelArn: str | None
    Region: str
    CreatedAt: str
    UpdatedAt: str


class CustomModelList(BaseModel):
    CustomModels: list[CustomModelOut]


class ModelOut(BaseModel):
    Id: str
    ModelName: str
    ModelId: str
    ModelType: str
    Provider: str
    Vendor: str
    Traits: list[str]
    StatusLight: str
    NextAction: str
    Enabled: bool
    Available: bool
    Lifecycle: str
    Regions: list[str]


class ModelList(BaseModel):
    Models: list[ModelOut]


class SyncRunOut(BaseModel):
    Provider: str
    Outcome: str
    Message: str
    Added: list[str]
    Updated: list[str]
    Gone: list[str]


class SyncOut(BaseModel):
    Runs: list[SyncRunOut]
    Notes: list[str] = []  # e.g. custom models found at Bedrock that were made elsewhere


class DownloadType(StrEnum):
    METRICS = "metrics"
    TRAINING = "training"
    VALIDATION = "validation"


# ---- mapping --------------------------------------------------------------------------------------
def _options(model: CustomModel) -> dict[str, Any] | None:
    """A model's method fields as the API takes them; Bedrock's own config when the method cannot say it so."""
    method = method_for(model.customization_type)
    return (method.options_of(model.customization_config) if method else None) or model.customization_config


def _source(model: CustomModel) -> dict[str, Any] | None:
    """Where a model distilled from invocation logs took its data, as the API takes it."""
    logs = logs_of(model.training_logs)
    return {"InvocationLogs": logs.api()} if logs else None


def _imported(model: CustomModel) -> dict[str, Any] | None:
    details = model.import_details
    if details is None:
        return None
    return {
        "Architecture": details.architecture, "InvokeApi": details.invoke_api,
        "CustomModelUnits": details.custom_model_units, "CustomModelUnitsVersion": details.cmu_version,
        "WindowPrice": window_price(details), "Cost": price_said(details), "SourceLocation": details.source_uri,
    }  # fmt: skip


def custom_out(model: CustomModel, view: ModelView, lineage: list[tuple[str, str]] | None = None) -> CustomModelOut:
    return CustomModelOut(
        Id=model.id,
        ModelName=model.name,
        ModelType=model.customization_type,
        CustomizationConfig=_options(model),
        BedrockCustomizationConfig=model.customization_config,
        TrainingDataSource=_source(model),
        ParentModelId=model.parent_model_id,
        CopiedFrom=model.copied_from,
        Imported=_imported(model),
        Lineage=[{"Id": i, "ModelName": n} for i, n in lineage or ()],
        BaseModelId=model.base_model_id,
        BaseModelName=model.base_model_name,
        Description=model.description,
        Status=SEED_STATUS[model.job_status],
        JobStatus=model.job_status.value,
        JobStage=model.job_stage,
        StatusLight=view.status.value,
        NextAction=view.next_action,
        Enabled=model.enabled,
        FailureMessage=model.failure_message,
        ThroughputStatus=model.throughput_status.value if model.throughput_status else None,
        DeploymentStatus=model.deployment_status.value if model.deployment_status else None,
        DeploymentArn=model.deployment_arn,
        Deployable=model.deployable,
        IdleGuardHours=model.idle_guard_hours,
        ModelUnits=model.model_units,
        ThroughputCommitment=model.throughput_commitment,
        TrainingDataLocation=model.training_uri,
        ValidationDataLocation=model.validation_uri,
        OutputDataLocation=model.output_uri,
        HyperParameters=model.hyperparameters,
        TrainingRecords=model.training_records,
        TrainingTokens=model.training_tokens,
        DataSummary=pascal(model.data_summary) if model.data_summary is not None else None,
        JobArn=model.job_arn,
        CustomModelArn=model.custom_model_arn,
        Region=model.region,
        CreatedAt=model.created_at.isoformat(),
        UpdatedAt=model.updated_at.isoformat(),
    )


def model_out(view: ModelView) -> ModelOut:
    rec = view.record
    return ModelOut(
        Id=rec.id,
        ModelName=rec.name,
        ModelId=rec.model_id,
        ModelType=rec.model_type.value,
        Provider=rec.provider.value,
        Vendor=rec.vendor,
        Traits=list(view.traits),
        StatusLight=view.status.value,
        NextAction=view.next_action,
        Enabled=rec.enabled,
        Available=rec.available,
        Lifecycle=rec.lifecycle.value,
        Regions=list(rec.regions),
    )
