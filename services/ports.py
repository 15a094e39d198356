"""Narrow interfaces the services depend on. Adapters implement them; tests fake them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, BinaryIO, Protocol

from services.domain.batch import BatchJob
from services.domain.calls import CallCount, ChatRequest, Reply, Target
from services.domain.custom import CustomModel, DeploymentInfo, JobInfo, JobRequest, ThroughputInfo
from services.domain.endpoints import Endpoint
from services.domain.evaluations import Evaluation, EvaluationResult, EvaluationStatus
from services.domain.graders import Grader
from services.domain.models import ModelRecord, Provider, ProviderModel, SyncRun
from services.domain.notices import Delivery, Notice, NoticePrefs
from services.domain.records import ApiToken, AuditEvent, PriceQuote, RefreshedPrice, SetPrice


class CatalogSource(Protocol):
    """Lists one provider's base models. Raises ProviderUnavailable / ProviderDataError."""

    provider: Provider

    def fetch(self) -> list[ProviderModel]: ...


class CatalogStore(Protocol):
    """Where model records and sync history live."""

    def list_models(self) -> list[ModelRecord]:
        """Every model, in no particular order."""

    def changed_since(self, revision: int) -> tuple[list[ModelRecord], int]:
        """The models written after ``revision`` (maybe a few more), and how many models exist."""

    def get_model(self, model_id: str) -> ModelRecord | None: ...

    def get_models(self, model_ids: Iterable[str]) -> list[ModelRecord]: ...

    def base_models(self, provider: Provider) -> dict[str, ModelRecord]: ...

    def apply_sync(
        self,
        *,
        provider: Provider,
        inserts: Sequence[ProviderModel],
        updates: Sequence[ProviderModel],
        gone: Sequence[str],
        run: SyncRun,
        now: datetime,
        audit: Sequence[AuditEvent] = (),
    ) -> None:
        """In one transaction: add new models, refresh changed ones (keeping their
        enabled flag, making them available again), mark gone ones unavailable and
        disabled, and record the run."""

    def record_sync_run(self, run: SyncRun, audit: Sequence[AuditEvent] = ()) -> None: ...

    def last_sync_runs(self) -> dict[Provider, SyncRun]: ...

    def set_enabled(
        self, changes: Sequence[tuple[str, int]], enabled: bool, audit: Sequence[AuditEvent] = ()
    ) -> list[str]:
        """Set ``enabled`` on each (model id, expected version) in one transaction; the ids changed. If any
        record's version moved on, nothing is changed and ConcurrentUpdate is raised."""

    def revision(self) -> int:
        """A number that grows with every write, so readers can tell their copy is stale."""

    def generations(self) -> dict[str, int]:
        """The revision and the other areas' generations (services/domain/generations.py) in one read."""


class ObjectStore(Protocol):
    """s3:// objects: real S3, or the local backend's folder. Raises ObjectStoreError."""

    def size(self, uri: str) -> int | None:
        """Bytes in the object, or None when it does not exist."""

    def fingerprint(self, uri: str) -> str | None:
        """What changes when the object's bytes change (S3: ETag and size), or None when it does not exist."""

    def open(self, uri: str) -> BinaryIO:
        """A binary stream of the object (close it when done)."""

    def upload(self, source: BinaryIO, uri: str, *, progress: Callable[[int], None] | None = None) -> None:
        """Copy a stream to the object in bounded memory; ``progress`` gets bytes sent so far."""

    def put_bytes(self, uri: str, data: bytes) -> None: ...

    def list(self, prefix_uri: str) -> list[tuple[str, int]]:
        """(uri, size) of every object under a prefix."""


class CustomizationBackend(Protocol):
    """The Bedrock control plane for customization jobs, custom models and throughput.

    Raises ProviderUnavailable (retry later) or ProviderRejected (the request is wrong)."""

    def create_job(self, request: JobRequest) -> str:
        """Start a job; idempotent for the same client token. Returns the job ARN."""

    def get_job(self, job_identifier: str) -> JobInfo | None:
        """The job by name or ARN, or None when the provider has no such job."""

    def stop_job(self, job_identifier: str) -> None: ...

    def create_copy_job(self, source_arn: str, target_name: str, client_token: str) -> str:
        """CreateModelCopyJob (made here, from another region): the job's ARN, which get_job follows."""

    def create_import_job(
        self, *, job_name: str, model_name: str, role_arn: str, s3_uri: str, client_token: str, tags: dict[str, str]
    ) -> str:
        """CreateModelImportJob from an S3 folder: the job's ARN, which get_job follows (with the model's details)."""

    def register_model(
        self, *, model_name: str, role_arn: str, source: str, client_token: str, tags: dict[str, str]
    ) -> str:
        """CreateCustomModel (a SageMaker-trained Nova model): its ARN, which get_job follows."""

    def list_imports(self) -> list[JobInfo]:
        """Every imported model of this region (ListImportedModels), as completed imports."""

    def list_jobs(self) -> list[JobInfo]:
        """Every customization job in this region, made anywhere, as listed (no data locations)."""

    def custom_model_arns(self) -> set[str]:
        """The custom models that exist in this region (a job outlives the model it made)."""

    def delete_custom_model(self, model_identifier: str) -> bool:
        """True when deleted, False when the provider has no such model here (never taken as a success)."""

    # fmt: off
    def create_throughput(
        self, *, name: str, model_arn: str, model_units: int, client_token: str, tags: dict[str, str] | None = None,
        commitment: str | None = None,
    ) -> str:
        """Provisioned Throughput, with no commitment or a term (OneMonth | SixMonths). Returns its ARN."""
    # fmt: on

    def get_throughput(self, identifier: str) -> ThroughputInfo | None: ...

    def delete_throughput(self, identifier: str) -> None:
        """Remove it; one that is already gone is not an error."""

    def create_deployment(self, *, name: str, model_arn: str, client_token: str, tags: dict[str, str]) -> str:
        """An on-demand deployment of a custom model (CreateCustomModelDeployment). Returns its ARN."""

    def get_deployment(self, identifier: str) -> DeploymentInfo | None: ...

    def delete_deployment(self, identifier: str) -> bool:
        """True when deleted, False when the provider has no such deployment."""

    def update_deployment(self, identifier: str, model_arn: str) -> None:
        """Another custom model behind a deployment, its ARN unchanged (UpdateCustomModelDeployment)."""

    def update_throughput(self, identifier: str, model_arn: str) -> None:
        """Another custom model of the same base behind a throughput, its ARN unchanged (desiredModelId)."""

    def model_access(self, model_id: str) -> str | None:
        """Why this account cannot use a foundation model here (GetFoundationModelAvailability), or None."""

    def logging_destination(self) -> str | None:
        """Where this region's invocation logging delivers text to S3 (s3://bucket/prefix/), or None."""

    def enable_logging(self, s3_uri: str) -> None:
        """Deliver this region's invocation logs (text included) to ``s3_uri``, keeping the rest."""


class EndpointStore(Protocol):
    """Endpoints, their ARNs and history; every update is checked against the version read."""

    def insert_endpoint(self, endpoint: Endpoint) -> None: ...

    def get_endpoint(self, endpoint_id: str) -> Endpoint | None: ...

    def list_endpoints(self) -> list[Endpoint]:
        """Every endpoint, deleted ones too (their history stays), oldest first."""

    def update_endpoint(self, endpoint_id: str, version: int, **changes: object) -> Endpoint:
        """Write ``changes`` (and the next version) if the endpoint is still at ``version``; else ConcurrentUpdate."""


class CustomModelStore(Protocol):
    """Custom-model records; each write moves the catalog revision on, each update checks the version read."""

    def insert_custom(
        self, model: CustomModel, base: ModelRecord, region: str, audit: Sequence[AuditEvent] = ()
    ) -> None:
        """Its catalog row and record in one transaction; DuplicateName when its name, job or token is taken."""

    def get_custom(self, model_id: str) -> CustomModel | None: ...
    def get_custom_by_token(self, client_token: str) -> CustomModel | None: ...
    def list_custom(self) -> list[CustomModel]: ...

    def custom_changed_since(self, revision: int) -> tuple[list[CustomModel], int]:
        """The records written after ``revision`` (maybe a few more), and how many exist (as changed_since)."""

    def update_custom(
        self,
        model_id: str,
        expected_version: int,
        changes: dict[str, object],
        closed_throughput: tuple[int, datetime, datetime, str | None] | None = None,
        audit: Sequence[AuditEvent] = (),
    ) -> CustomModel:
        """Apply ``changes`` (``enabled`` goes to the catalog row), recording an ended throughput in the same go."""

    def throughput_history(self) -> dict[str, list[tuple[int, datetime, datetime, str | None]]]:
        """Every ended throughput per model id: (model units, started, ended)."""

    def delete_custom(
        self,
        model_id: str,
        expected_version: int,
        audit: Sequence[AuditEvent] = (),
        ledger: tuple[CustomModel, datetime] | None = None,
    ) -> None:
        """Delete with its audit events, keeping a model that may have billed in the cost ledger (``ledger``)."""

    def deleted_customs(self) -> list[tuple[CustomModel, datetime]]:
        """The cost ledger: deleted custom models' last records and when they were deleted."""

    def name_taken(self, name: str) -> bool:
        """Whether any model, base or custom, already has this name or id (ignoring case)."""

    def try_lease(self, name: str, owner: str, seconds: float, now: datetime) -> bool:
        """Take or renew a named lease; False while another owner holds it."""


class PriceStore(Protocol):
    """Prices refreshed from the AWS Price List API, shared by every replica."""

    def refreshed_prices(self) -> list[RefreshedPrice]: ...

    def save_refreshed_prices(self, rows: Sequence[RefreshedPrice]) -> None:
        """Replace every refreshed price with these, in one transaction."""

    def set_prices(self) -> list[SetPrice]: ...

    def set_price(self, row: SetPrice, audit: Sequence[AuditEvent]) -> None:
        """Store (or replace) an admin's price and its audit event, in one transaction."""


class PriceListSource(Protocol):
    """Prices as AWS publishes them (the Price List API)."""

    def fetch(self, region: str) -> tuple[list[PriceQuote], int]:
        """Quotes that matched a customization component, and how many products did not."""


class AuditStore(Protocol):
    """The audit trail, kept when a model is deleted; written in the transaction of the change it describes."""

    def record_audit(self, events: Sequence[AuditEvent]) -> None: ...

    def audit_events(
        self,
        *,
        actor_id: str | None = None,
        model_id: str | None = None,
        action: str | None = None,
        limit: int = 10_000,
    ) -> list[AuditEvent]:
        """Newest first."""


class TokenStore(Protocol):
    """API tokens, stored as SHA-256 hashes only."""

    def add_token(self, token: ApiToken) -> None: ...

    def token_by_hash(self, token_hash: str) -> ApiToken | None: ...

    def list_tokens(self) -> list[ApiToken]: ...

    def revoke_token(self, token_id: str, now: datetime) -> bool: ...


class InferenceBackend(Protocol):
    def chat(self, target: Target, request: ChatRequest) -> Reply: ...

    def stream(self, target: Target, request: ChatRequest) -> Iterator[str | Reply]:
        """Pieces of the answer as they come, then the whole Reply (with its token counts)."""
        ...


class UsageStore(Protocol):
    """Every call to a model, counted per model and day (UTC), atomically across replicas."""

    def count_call(self, count: CallCount) -> None:
        """Add these counts to the model's row for the day (created if missing)."""

    def call_counts(self, model_id: str | None = None, since_day: str = "") -> list[CallCount]:
        """Per model and day, oldest day first; one model's, or every model's."""


class BatchInference(Protocol):
    """Bedrock batch inference (CreateModelInvocationJob, Converse type) in one region."""

    def create_batch_job(
        self, *, job_name: str, model_id: str, input_uri: str, output_uri: str, role_arn: str, client_token: str
    ) -> str: ...

    def get_batch_job(self, arn: str) -> BatchJob | None: ...


class EvaluationStore(Protocol):
    """Evaluation runs and their per-record results (a run resumes from what is stored)."""

    def insert_evaluation(self, evaluation: Evaluation) -> None: ...

    def get_evaluation(self, evaluation_id: str) -> Evaluation | None: ...

    def list_evaluations(self, custom_model_id: str | None = None) -> list[Evaluation]:
        """Newest first."""

    def update_evaluation(
        self,
        evaluation_id: str,
        expect: Iterable[EvaluationStatus],
        audit: Sequence[AuditEvent] = (),
        **changes: object,
    ) -> Evaluation | None:
        """Change a run only while its status is in ``expect``, with ``audit`` in the transaction; else None."""

    def save_result(self, result: EvaluationResult) -> bool:
        """Store one record's result while its run is Running; False (nothing changed) if stored or not Running."""

    def results(self, evaluation_id: str) -> list[EvaluationResult]:
        """In record order."""

    def result_indexes(self, evaluation_id: str) -> set[int]: ...


class NoticeStore(Protocol):
    """The outbox (notices written with the changes that made them) and their deliveries."""

    def notices(self, limit: int = 200, since: datetime | None = None) -> list[Notice]:
        """Newest first."""

    def unfanned(self, limit: int = 100) -> list[Notice]:
        """Notices whose deliveries are not yet created, oldest first."""

    def fan_out(self, notice_id: str, receivers: Sequence[str], now: datetime) -> None:
        """Create one pending delivery per receiver, once per notice whoever else tries at once."""

    def claim(self, owner: str, now: datetime, seconds: float, limit: int = 20) -> list[tuple[Delivery, Notice]]:
        """Due deliveries no other dispatcher holds, now held by ``owner`` for ``seconds``."""

    def finish(self, delivery: Delivery, owner: str) -> bool:
        """Store a claimed delivery's new state; False if ``owner`` no longer holds it."""

    def deliveries(self, limit: int = 500) -> list[tuple[Delivery, Notice]]:
        """The delivery log, most recently changed first."""

    def notice_prefs(self, user_ids: Sequence[str]) -> dict[str, NoticePrefs]:
        """The stored preferences of these people (those who never chose have none)."""

    def save_notice_prefs(self, prefs: NoticePrefs, now: datetime) -> None:
        """Store someone's preferences (all of them, seen_at included)."""


class Database(Protocol):
    """Every store port of one database, each its own object: SqlDatabase, or a fake in tests."""

    @property
    def catalog(self) -> CatalogStore: ...

    @property
    def custom_models(self) -> CustomModelStore: ...

    @property
    def prices(self) -> PriceStore: ...

    @property
    def audit(self) -> AuditStore: ...

    @property
    def tokens(self) -> TokenStore: ...

    @property
    def usage(self) -> UsageStore: ...

    @property
    def evaluations(self) -> EvaluationStore: ...

    @property
    def endpoints(self) -> EndpointStore: ...

    @property
    def outbox(self) -> NoticeStore: ...


class GraderRunner(Protocol):
    """Runs a reinforcement fine-tuning grader (services/domain/graders.py) on samples: a built-in, a
    loopback URL or a Lambda function. Raises ProviderError saying why when the grader cannot answer."""

    def grade(self, grader: Grader, samples: Sequence[Mapping[str, Any]]) -> list[float]: ...
