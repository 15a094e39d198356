"""Pydantic domain vocabulary shared by every layer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from services.domain.errors import InvalidRequest


class Provider(StrEnum):
    BEDROCK = "Amazon Bedrock"
    OPENAI = "OpenAI"

    @property
    def slug(self) -> str:
        return {"Amazon Bedrock": "bedrock", "OpenAI": "openai"}[self.value]


class ModelType(StrEnum):
    BASE = "Base"
    CUSTOM = "Custom"


class Status(StrEnum):
    GREEN = "GREEN"
    YELLOW = "YELLOW"
    RED = "RED"


class Lifecycle(StrEnum):
    ACTIVE = "ACTIVE"
    LEGACY = "LEGACY"


def make_model_id(provider: Provider, provider_model_id: str) -> str:
    """Our id for a base model: stable across syncs, unique across providers."""
    return f"{provider.slug}:{provider_model_id}"


class ProviderModel(BaseModel):
    """A base model as a provider describes it, normalised. What catalog adapters return."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    model_id: str = Field(min_length=1, max_length=2048)
    name: str = Field(min_length=1)
    vendor: str = Field(min_length=1)
    arn: str | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    customizations: tuple[str, ...] = ()
    inference_types: tuple[str, ...] = ()
    streaming: bool | None = None
    chat: bool = False
    lifecycle: Lifecycle = Lifecycle.ACTIVE
    regions: tuple[str, ...] = ()
    provider_created: datetime | None = None

    @property
    def key(self) -> str:
        """Our id for this provider model (see make_model_id)."""
        return make_model_id(self.provider, self.model_id)

    def metadata_key(self) -> tuple[object, ...]:
        """What a sync compares to decide whether a stored model changed."""
        return (
            self.name,
            self.vendor,
            self.arn,
            self.input_modalities,
            self.output_modalities,
            self.customizations,
            self.inference_types,
            self.streaming,
            self.chat,
            self.lifecycle,
            self.regions,
            self.provider_created,
        )


class ModelRecord(ProviderModel):
    """A model as we store it: provider metadata plus our own flags."""

    id: str = Field(min_length=1)
    model_type: ModelType = ModelType.BASE
    enabled: bool = False
    available: bool = True
    first_seen: datetime
    updated_at: datetime
    unavailable_since: datetime | None = None
    version: int = 1
    # custom models only: what their status light is derived from
    job_status: str | None = None
    throughput_status: str | None = None
    deployment_status: str | None = None
    deployable: bool = False  # Bedrock serves it on demand (a custom Nova model, say)

    @property
    def label(self) -> str:
        """The name people see, the same on every page and in every session: a Bedrock variant with a
        context window in its id ("…:0:128k") says so, and that it is the fine-tunable one, served by
        provisioned throughput only; the model of the same name without it is the one served on demand."""
        match = _CONTEXT_WINDOW.search(self.model_id) if self.provider is Provider.BEDROCK else None
        if match is None or self.model_type is not ModelType.BASE:
            return self.name
        window = match.group(1).upper()
        return f"{self.name} ({window}, fine-tunable)" if self.customizations else f"{self.name} ({window})"


_CONTEXT_WINDOW = re.compile(r":(\d+(?:\.\d+)?[km])$", re.IGNORECASE)


class ModelView(BaseModel):
    """A stored model with what is derived from it: status, next action, traits."""

    model_config = ConfigDict(frozen=True)

    record: ModelRecord
    status: Status
    next_action: str
    traits: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def traits_label(self) -> str:
        return " · ".join(self.traits)


class CatalogChanges(BaseModel):
    """What changed in the catalog since a revision a reader already has."""

    model_config = ConfigDict(frozen=True)

    revision: int  # read before the changes, so applying them never skips a write
    changed: tuple[ModelView, ...]
    total: int  # how many models exist now (fewer than the reader holds: something was deleted)


class ModelFilter(BaseModel):
    """What the Models table is filtered by. Empty means 'any'."""

    model_config = ConfigDict(frozen=True)

    search: str = ""
    providers: frozenset[Provider] = frozenset()
    vendors: frozenset[str] = frozenset()
    model_types: frozenset[ModelType] = frozenset()
    statuses: frozenset[Status] = frozenset()
    traits: frozenset[str] = frozenset()  # a model must have every trait chosen


class SyncOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"
    BUNDLED = "bundled"  # filled from the bundled snapshot: not yet synced with the provider


class SyncRun(BaseModel):
    """What one sync did for one provider."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    started_at: datetime
    finished_at: datetime
    outcome: SyncOutcome
    message: str = ""
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    seen: int = 0


class SyncReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    runs: tuple[SyncRun, ...]
    notes: tuple[str, ...] = ()  # e.g. custom models found at Bedrock that were made elsewhere

    @property
    def failed(self) -> tuple[SyncRun, ...]:
        return tuple(r for r in self.runs if r.outcome is SyncOutcome.FAILED)


class BulkResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    changed: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()  # (model id, reason)


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
    hyperparameters: dict[str, str]
    training_uri: str
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
    tags: dict[str, str] = Field(default_factory=dict)  # on the job and its custom model
    kms_key_id: str | None = None
    vpc_subnets: tuple[str, ...] = ()
    vpc_security_groups: tuple[str, ...] = ()


class PriceQuote(BaseModel):
    """One price the AWS Price List API publishes for a customization component."""

    model_config = ConfigDict(frozen=True)

    model: str
    component: str
    price: float
    unit: str
    description: str
    model_prefix: str | None = None  # the base model it is for, when its usage type names one


class AuditEvent(BaseModel):
    """One state change: who, when, what, status before and after, and the request it came from."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    actor_id: str
    actor_name: str
    action: str  # enable, disable, sync, create, stop, provision-throughput, remove-throughput, delete, ...
    model_id: str | None = None
    model_name: str | None = None
    before: str | None = None
    after: str | None = None
    request_id: str = ""
    detail: str = ""
    notice: str | None = None  # the event to tell people about (services/notices/events.py), written with it


class SetPrice(BaseModel):
    """A price an admin set on the Costs page (for a price AWS publishes nowhere Model Studio reads),
    stored for every replica, with who set it and the source they gave."""

    model_config = ConfigDict(frozen=True)

    model_prefix: str  # the base model id (or the catalog entry's prefix it belongs to)
    region: str
    component: str  # training | storage_month | inference_no_commit | inference_1_month | ... | on_demand_output
    price: float
    source: str
    set_by: str
    set_at: datetime


class RefreshedPrice(BaseModel):
    """A price refreshed from the AWS Price List API, stored for every replica."""

    model_config = ConfigDict(frozen=True)

    model_prefix: str
    component: str  # training | storage_month | inference_no_commit
    price: float
    source: str
    fetched_at: datetime
    region: str = ""  # where it applies ("": every region, as rows refreshed before regions were kept)


class ApiToken(BaseModel):
    """An API token as stored: never the token itself, only its SHA-256 hash."""

    model_config = ConfigDict(frozen=True)

    id: str
    token_hash: str
    user_id: str
    role: str
    name: str
    scopes: tuple[str, ...] | None = None  # what it may do (services/access/api_tokens.py: SCOPES); None: everything
    created_at: datetime
    revoked_at: datetime | None = None


# ---- calling a model (services/inference/service.py) ------------------------------------------------------
MAX_MESSAGES = 200
MAX_LONG_TEXT = 200_000  # characters in one message or system prompt


class ChatMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    role: Literal["user", "assistant"]
    content: Annotated[str, Field(max_length=MAX_LONG_TEXT)]


class ChatRequest(BaseModel):
    """One chat: the conversation so far (the user's turn last), a system prompt, parameters."""

    model_config = ConfigDict(frozen=True)

    messages: Annotated[tuple[ChatMessage, ...], Field(min_length=1, max_length=MAX_MESSAGES)]
    system: Annotated[str, Field(max_length=MAX_LONG_TEXT)] = ""
    max_tokens: Annotated[int, Field(ge=1, le=8192)] = 512
    temperature: Annotated[float, Field(ge=0.0, le=1.0)] = 0.7

    def check(self) -> None:
        if self.messages[-1].role != "user":
            raise InvalidRequest("the last message must be the user's: the model answers it")


@dataclass(frozen=True)
class Target:
    """Where a call goes: a provider's model id, a throughput ARN or a deployment ARN."""

    model_id: str  # ours
    name: str
    provider: Provider
    provider_model_id: str  # what the provider is called with
    region: str | None = None
    custom: CustomModel | None = None  # the custom model, for a simulation that answers from its data
    token_prices: tuple[float, float] | None = None  # per 1,000 input and output tokens, when known


@dataclass(frozen=True)
class Reply:
    text: str
    input_tokens: int
    output_tokens: int
    simulated: bool = False


# ---- what calls each model got (every call through services/inference/service.py) -------------------------
class Watched(NamedTuple):
    """A throughput or deployment whose calls are asked about (services/costs/idle.py): our model id, and
    the ARN Bedrock's metrics name it by, in its region."""

    model_id: str
    arn: str
    region: str


class CallCount(BaseModel):
    """One model's calls on one day (UTC): answered, failed at the provider, refused by the rules."""

    model_config = ConfigDict(frozen=True)

    model_id: str
    day: str  # YYYY-MM-DD
    calls: int = 0
    failures: int = 0
    refused: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0  # summed over the answered calls
    last_at: datetime | None = None  # the last answered call

    def plus(self, other: CallCount) -> CallCount:
        """Two counts of one model and day added up, with the later last call (as the store adds them)."""
        times = [t for t in (self.last_at, other.last_at) if t is not None]
        summed: dict[str, Any] = {n: getattr(self, n) + getattr(other, n) for n in CALL_SUMS}
        return self.model_copy(update=summed | {"last_at": max(times) if times else None})


CALL_SUMS = ("calls", "failures", "refused", "input_tokens", "output_tokens", "latency_ms")  # added up per day


class Usage(BaseModel):
    """A model's calls over some days, summed."""

    model_config = ConfigDict(frozen=True)

    model_id: str
    days: tuple[CallCount, ...] = ()

    def total(self, name: str) -> float:
        return float(sum(getattr(d, name) for d in self.days))

    @property
    def last_at(self) -> datetime | None:
        return max((d.last_at for d in self.days if d.last_at is not None), default=None)

    @property
    def mean_latency_ms(self) -> float | None:
        calls = self.total("calls")
        return self.total("latency_ms") / calls if calls else None


# ---- evaluation of a custom model against its base (services/evaluation/service.py) ----------------------
class EvaluationStatus(StrEnum):
    QUEUED = "Queued"
    RUNNING = "Running"
    COMPLETED = "Completed"
    FAILED = "Failed"
    CANCELLED = "Cancelled"

    @property
    def finished(self) -> bool:
        return self in (EvaluationStatus.COMPLETED, EvaluationStatus.FAILED, EvaluationStatus.CANCELLED)


class Evaluation(BaseModel):
    """One evaluation run: what it compares, on which data, how; its state and, once done, its summary."""

    model_config = ConfigDict(frozen=True)

    id: str
    custom_model_id: str
    custom_name: str
    base_model_id: str
    base_name: str
    dataset_uri: str
    dataset_fingerprint: str | None = None  # the data may not change under a run that resumes
    metrics: tuple[str, ...]
    judge_model_id: str | None = None
    max_records: int
    concurrency: int
    max_tokens: int
    temperature: float
    seed: int  # the judge's order per record comes from it: a resumed run asks the same way
    status: EvaluationStatus
    total: int  # records to evaluate
    created_by: str
    created_role: str | None = None  # their role then: the run calls models as them (None: a member)
    tried: bool | None = None  # the custom model was not enabled at start: tried by its owner or an admin
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    estimate: dict[str, Any] = Field(default_factory=dict)
    summary: dict[str, Any] | None = None  # set once, when it completes
    version: int = 1


class EvaluationResult(BaseModel):
    """One record of an evaluation: both answers beside the reference, their scores, the verdict."""

    model_config = ConfigDict(frozen=True)

    evaluation_id: str
    index: int  # the record's line in the evaluation set (1-based)
    prompt: str
    reference: str
    custom_output: str = ""
    base_output: str = ""
    custom_tokens: tuple[int, int] = (0, 0)  # input, output
    base_tokens: tuple[int, int] = (0, 0)
    custom_latency_ms: float = 0.0
    base_latency_ms: float = 0.0
    cost: float | None = None  # of the calls for this record, when prices are known
    scores: dict[str, tuple[float, float]] = Field(default_factory=dict)  # metric: (custom, base)
    verdict: Literal["win", "tie", "loss"] | None = None  # the judge's, for the custom model
    judge_note: str = ""
    error: str | None = None  # the record could not be evaluated (after retries): left out of the scores
    simulated: bool = False


class Notice(BaseModel):
    """An event worth telling someone about, from the outbox (written with the change that made it)."""

    model_config = ConfigDict(frozen=True)

    id: str  # stable: receivers drop repeats by it
    event: str  # job.completed, throughput.in_service, ...
    model_id: str | None
    model_name: str | None
    status: str | None  # the model's state after the change
    at: datetime
    detail: str = ""
    actor_id: str = ""


class NoticePrefs(BaseModel):
    """Which notices someone gets (in the app and by e-mail), and when they last read the bell."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    events: tuple[str, ...] | None = None  # None: every event
    scope: Literal["own", "all"] = "own"  # own: about the models they created; all: every model (admins)
    email: bool = True
    seen_at: datetime | None = None  # the newest notice they have seen in the bell


class Delivery(BaseModel):
    """One notice to one receiver (a webhook URL, an e-mail address): its state and the last answer."""

    model_config = ConfigDict(frozen=True)

    notice_id: str
    receiver: str
    state: Literal["pending", "retrying", "sent", "failed"]
    attempts: int = 0
    next_at: datetime
    answer: str = ""
    updated_at: datetime
