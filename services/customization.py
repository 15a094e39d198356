"""Custom models: create by fine-tuning, follow the job, provision and remove throughput,
stop, delete. Owns every rule of the custom-model lifecycle in DESIGN.md."""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import BinaryIO

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.actions import Action, custom_subject, require, role_refusal
from services.customization_specs import Family, family_for
from services.datasets import DatasetKind, DatasetReport, check_record_totals, validate_stream
from services.errors import (
    ConcurrentUpdate,
    DuplicateName,
    Forbidden,
    InvalidData,
    InvalidRequest,
    ModelNotFound,
    ObjectStoreError,
    ProviderError,
    ProviderUnavailable,
    ServiceError,
    TransitionNotAllowed,
)
from services.identity import SYSTEM, Actor
from services.models import (
    AuditEvent,
    CustomModel,
    JobInfo,
    JobRequest,
    JobStatus,
    ModelRecord,
    ModelType,
    ModelView,
    Provider,
    Status,
    ThroughputStatus,
)
from services.ports import CatalogStore, CustomizationBackend, CustomModelStore, ObjectStore
from services.s3uri import join, parse_s3_uri, safe_key_part
from services.text import text_problem

Clock = Callable[[], datetime]
Progress = Callable[[str, int, int], None]  # (what, bytes done, bytes total)

NAME_PATTERN = re.compile(r"([0-9a-zA-Z][_-]?){1,63}")
HP_KEY_PATTERN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{0,63}")
MAX_DESCRIPTION = 2000
MAX_HYPERPARAMETERS = 64  # no base model takes more than a handful
MAX_HP_PROBLEMS = 10
NO_COMMIT_PER_ACCOUNT = 2  # bedrock-facts §1.5: at most 2 no-commitment PTs per account


@dataclass(frozen=True)
class Upload:
    """Data the user uploads through the browser (or the API): a seekable stream."""

    name: str
    stream: BinaryIO
    size: int


DataInput = Upload | str  # an upload, or the s3:// URI of data already in S3


class NewCustomModel(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    description: str = ""
    base_model_id: str  # our catalog id (bedrock:..., openai:...), or a plain Bedrock model id
    customization_type: str = "FINE_TUNING"
    hyperparameters: dict[str, str] = Field(default_factory=dict)

    @field_validator("base_model_id")
    @classmethod
    def _catalog_id(cls, value: str) -> str:
        value = value.strip()
        return value if value.startswith(CATALOG_PREFIXES) else f"bedrock:{value}"


class DataCheck(BaseModel):
    model_config = ConfigDict(frozen=True)

    training: DatasetReport | None = None
    validation: DatasetReport | None = None
    problems: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems


class ReconcileReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    refreshed: int = 0
    adopted: tuple[str, ...] = ()
    rolled_back: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


class _HashingReader:
    """Reads through to a stream and keeps a SHA-256 of what went by."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.digest = hashlib.sha256()

    def read(self, n: int = -1) -> bytes:
        data = self._stream.read(n)
        self.digest.update(data)
        return data


@dataclass(frozen=True)
class CustomizationConfig:
    output_root: str  # s3://bucket/prefix
    role_arn: str | None
    region: str
    max_model_units: int = 1
    submit_grace_seconds: float = 300.0
    allowed_buckets: frozenset[str] | None = None  # None: any bucket


CATALOG_PREFIXES = ("bedrock:", "openai:", "custom:")
HEARTBEAT_MAX_SECONDS = 10.0  # a live submission touches its record at least this often
RESUME_WAIT_SECONDS = 30.0  # an identical request waits this long for a live submission
RESUME_POLL_SECONDS = 0.1
NAME_TAKEN = "Model Name: already used"


def _bedrock_token(request_key: str, model_id: str) -> str:
    """The clientRequestToken (and job-name suffix) of one record: retries of that record share it,
    a new record for the same request (after a delete) gets its own, so Bedrock makes a new job."""
    return hashlib.sha256(f"{request_key}/{model_id}".encode()).hexdigest()[:32]


class _SubmissionLost(Exception):
    pass


class _Heartbeat:
    """Keeps a submission's record fresh while its data uploads, so the reconciler (which rolls
    back submissions nobody works on) and identical retries leave it alone."""

    def __init__(self, service: CustomizationService, model: CustomModel) -> None:
        self._service = service
        self.model = model
        self.lost = False
        self._last = service._clock()
        self._lock = threading.Lock()

    def beat(self, *, force: bool = False) -> None:
        with self._lock:
            if self.lost:
                raise _SubmissionLost
            now = self._service._clock()
            if not force and (now - self._last).total_seconds() < self._service._heartbeat_seconds:
                return
            try:
                self.model = self._service._store.update_custom(self.model.id, self.model.version, {"updated_at": now})
            except ConcurrentUpdate:
                self.lost = True
                raise _SubmissionLost from None
            self._last = now

    def reader(self, stream: BinaryIO) -> BinaryIO:
        return _BeatingReader(stream, self)  # type: ignore[return-value]


class _BeatingReader:
    def __init__(self, stream: BinaryIO, heart: _Heartbeat) -> None:
        self._stream = stream
        self._heart = heart

    def read(self, n: int = -1) -> bytes:
        self._heart.beat()
        return self._stream.read(n)

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


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


def _clear_throughput() -> dict[str, object]:
    return {
        "throughput_name": None,
        "throughput_arn": None,
        "throughput_status": None,
        "model_units": None,
        "throughput_since": None,
        "throughput_failure": None,
    }


class CustomizationService:
    def __init__(
        self,
        catalog: CatalogStore,
        store: CustomModelStore,
        objects: ObjectStore,
        backend: CustomizationBackend,
        config: CustomizationConfig,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self._catalog = catalog
        self._store = store
        self._objects = objects
        self._backend = backend
        self._config = config
        self._clock = clock

    # ---- what the form offers ------------------------------------------------------------
    def base_model_choices(self) -> list[ModelView]:
        """GREEN Bedrock base models that support FINE_TUNING (DESIGN.md)."""
        from services.catalog import display_order, to_view

        views = [to_view(r) for r in self._catalog.list_models()]
        return sorted(
            (
                v
                for v in views
                if v.status is Status.GREEN
                and v.record.model_type is ModelType.BASE
                and v.record.provider is Provider.BEDROCK
                and "FINE_TUNING" in v.record.customizations
            ),
            key=display_order,
        )

    @staticmethod
    def family_of(base: ModelRecord | str) -> Family | None:
        model_id = base if isinstance(base, str) else base.model_id
        return family_for(model_id.removeprefix("bedrock:"))

    @property
    def max_model_units(self) -> int:
        return self._config.max_model_units

    # ---- checks ---------------------------------------------------------------------------
    def check_request(self, request: NewCustomModel) -> tuple[ModelRecord | None, dict[str, str], list[str]]:
        """Every problem with the form's fields (not the data), and the normalised hyperparameters."""
        problems: list[str] = []
        name = request.name.strip()
        if not name:
            problems.append("Model Name: required.")
        elif len(name) > 63 or not NAME_PATTERN.fullmatch(name):
            problems.append(
                f"Model Name: {name!r} is not a Bedrock model name: 1-63 letters and digits, each optionally "
                "followed by one '-' or '_' (e.g. support-bot_v2)."
            )
        elif self._store.name_taken(name):
            problems.append(f"{NAME_TAKEN} by another model: {name!r} (names are unique, ignoring case).")
        described = text_problem("Description", request.description, max_chars=MAX_DESCRIPTION, multiline=True)
        if described:
            problems.append(described)
        if request.customization_type != "FINE_TUNING":
            problems.append(f"Customization Type: only FINE_TUNING is supported, not {request.customization_type!r}.")
        base = self._catalog.get_model(request.base_model_id)
        hyper: dict[str, str] = {}
        if base is None:
            problems.append(f"Base Model: no model with id {request.base_model_id!r}.")
        else:
            from services.catalog import to_view

            view = to_view(base)
            if base.model_type is not ModelType.BASE or base.provider is not Provider.BEDROCK:
                problems.append(f"Base Model: {base.name} is not an Amazon Bedrock base model.")
            elif "FINE_TUNING" not in base.customizations:
                problems.append(f"Base Model: {base.name} ({base.model_id}) does not support fine-tuning.")
            elif view.status is not Status.GREEN:
                problems.append(
                    f"Base Model: {base.name} is {view.status.value}; only enabled (GREEN) models may be used."
                )
            hyper, hp_problems = self.check_hyperparameters(base, request.hyperparameters)
            problems += hp_problems
        return base, hyper, problems

    def check_hyperparameters(self, base: ModelRecord, values: dict[str, str]) -> tuple[dict[str, str], list[str]]:
        family = self.family_of(base)
        problems: list[str] = []
        out: dict[str, str] = {}
        if len(values) > MAX_HYPERPARAMETERS:
            return out, [f"Hyperparameters: {len(values):,} given; at most {MAX_HYPERPARAMETERS}."]
        if family is None:  # a base model we have no table for: free pairs, checked for shape only
            for key, value in values.items():
                if not HP_KEY_PATTERN.fullmatch(key):
                    problems.append(f"Hyperparameter name {key[:64]!r}: 1-64 letters, digits, '_', '.', '-' only.")
                elif not str(value).strip() or text_problem(key, str(value), max_chars=256):
                    problems.append(f"Hyperparameter {key}: needs a value of 1-256 printable characters.")
                else:
                    out[key] = str(value).strip()
            return out, problems
        known = {h.name for h in family.hyperparameters}
        unknown = [key for key in values if key not in known]
        for key in unknown[:MAX_HP_PROBLEMS]:
            problems.append(
                f"Hyperparameter {key[:64]!r} is not one {family.label} takes (it takes {', '.join(sorted(known))})."
            )
        if len(unknown) > MAX_HP_PROBLEMS:
            problems.append(
                f"… and {len(unknown) - MAX_HP_PROBLEMS:,} more hyperparameters {family.label} does not take."
            )
        for hp in family.hyperparameters:
            raw = values.get(hp.name)
            if raw is None or not str(raw).strip():
                if hp.default is None:
                    problems.append(f"Hyperparameter {hp.name}: required for {family.label} ({hp.range_text()}).")
                else:
                    out[hp.name] = hp.format(hp.default)
                continue
            try:
                out[hp.name] = hp.format(hp.parse(str(raw)))
            except ValueError as exc:
                problems.append(f"Hyperparameter {exc}")
        return out, problems

    def check_data(
        self, base_model_id: str, training: DataInput | None, validation: DataInput | None = None
    ) -> DataCheck:
        """Stream the data through Bedrock's checks for the base model's family."""
        base = self._catalog.get_model(base_model_id)
        if base is None:
            return DataCheck(problems=(f"Base Model: no model with id {base_model_id!r}.",))
        family = self.family_of(base)
        if training is None:
            return DataCheck(problems=("Training Data: upload a .jsonl file or give an s3:// URI.",))
        if family is None:
            return DataCheck(
                problems=(
                    f"Training Data: Model Studio has no data rules for {base.model_id}; "
                    "it cannot check the data, so it will not create a job that might be rejected.",
                )
            )
        problems: list[str] = []
        reports: dict[DatasetKind, DatasetReport] = {}
        for kind, source in ((DatasetKind.TRAINING, training), (DatasetKind.VALIDATION, validation)):
            if source is None:
                continue
            label = "Training Data" if kind is DatasetKind.TRAINING else "Validation Data"
            try:
                report = self._validate(source, family, kind)
            except (InvalidRequest, ObjectStoreError) as exc:
                problems.append(f"{label}: {exc}")
                continue
            reports[kind] = report
            for issue in report.issues:
                problems.append(f"{label}, {issue}")
            if report.issue_total > len(report.issues):
                problems.append(
                    f"{label}: … and {report.issue_total - len(report.issues):,} more problem(s) "
                    f"({', '.join(f'{n:,} {k}' for k, n in sorted(report.issue_counts.items()))})."
                )
        if DatasetKind.TRAINING in reports and not problems:
            problems += check_record_totals(reports[DatasetKind.TRAINING], reports.get(DatasetKind.VALIDATION), family)
        return DataCheck(
            training=reports.get(DatasetKind.TRAINING),
            validation=reports.get(DatasetKind.VALIDATION),
            problems=tuple(problems),
        )

    def _validate(self, source: DataInput, family: Family, kind: DatasetKind) -> DatasetReport:
        if isinstance(source, Upload):
            if not source.name.lower().endswith(".jsonl"):
                raise InvalidRequest(f"{source.name!r} is not a .jsonl file.")
            source.stream.seek(0)
            try:
                return validate_stream(source.stream, family, kind, source.size)
            finally:
                source.stream.seek(0)
        bucket, _ = parse_s3_uri(source)
        allowed = self._config.allowed_buckets
        if allowed is not None and bucket not in allowed:
            raise InvalidRequest(
                f"{source}: bucket {bucket!r} is not one Model Studio may read; allowed: {', '.join(sorted(allowed))} "
                "(STUDIO_S3_BUCKET and STUDIO_ALLOWED_BUCKETS)."
            )
        size = self._objects.size(source)
        if size is None:
            raise InvalidRequest(f"{source} does not exist (or is not readable by Model Studio).")
        with self._objects.open(source) as stream:
            return validate_stream(stream, family, kind, size)

    # ---- create ---------------------------------------------------------------------------
    def create(
        self,
        request: NewCustomModel,
        training: DataInput | None,
        validation: DataInput | None = None,
        progress: Progress | None = None,
        *,
        actor: Actor,
    ) -> CustomModel:
        """Validate everything, upload the data, start the job. Nothing is created on any error.

        The same request by the same user (a retry, a double click, twenty at once) gives the same
        model and one job, while that model lives. Once it is deleted, or when the data's bytes
        change, the request is a new submission and a new job. Any member may create; the creator
        owns the model."""
        return self._create(request, training, validation, progress, actor, attempt=0)

    def _create(
        self,
        request: NewCustomModel,
        training: DataInput | None,
        validation: DataInput | None,
        progress: Progress | None,
        actor: Actor,
        attempt: int,
    ) -> CustomModel:
        base, hyper, problems = self.check_request(request)
        key = self._request_key(request, hyper, training, validation, actor)
        existing = self._store.get_custom_by_token(key)
        if existing is not None:
            return self._resume(existing, request, training, validation, progress, actor, attempt)
        check = self.check_data(request.base_model_id, training, validation) if base is not None else DataCheck()
        problems = [*problems, *check.problems]
        if problems:
            reports: list[object] = [r for r in (check.training, check.validation) if r is not None]
            shown = "\n".join(f"- {p}" for p in problems[:5]) + ("\n- …" if len(problems) > 5 else "")
            message = f"{len(problems)} problem(s); nothing was created:\n{shown}"
            if len(problems) == 1 and problems[0].startswith(NAME_TAKEN):
                raise DuplicateName(message, problems)
            raise InvalidData(message, problems, reports)
        assert base is not None and check.training is not None
        now = self._clock()
        name = request.name.strip()
        folder = f"{safe_key_part(name)}-{key[:12]}"
        training_uri = (
            join(self._config.output_root, "data", folder, "training-" + safe_key_part(training.name))
            if isinstance(training, Upload)
            else str(training)
        )
        validation_uri = None
        if validation is not None:
            validation_uri = (
                join(self._config.output_root, "data", folder, "validation-" + safe_key_part(validation.name))
                if isinstance(validation, Upload)
                else str(validation)
            )
        model_id = f"custom:{uuid.uuid4().hex[:16]}"
        model = CustomModel(
            id=model_id,
            name=name,
            description=request.description.strip(),
            base_model_id=base.id,
            base_model_name=base.name,
            customization_type=request.customization_type,
            hyperparameters=hyper,
            training_uri=training_uri,
            validation_uri=validation_uri,
            output_uri=join(self._config.output_root, "output", folder) + "/",
            training_records=check.training.records,
            training_tokens=check.training.tokens,
            validation_records=check.validation.records if check.validation else None,
            token_method=check.training.token_method,
            job_name=f"{safe_key_part(name.replace('_', '-'), 46)}-{_bedrock_token(key, model_id)[:12]}",
            client_token=key,
            job_status=JobStatus.SUBMITTING,
            created_by=actor.id,
            created_at=now,
            updated_at=now,
        )
        try:
            self._store.insert_custom(
                model, base, self._config.region, audit=[self._event(actor, "create", model, None, _state(model))]
            )
        except DuplicateName:
            again = self._store.get_custom_by_token(key)
            if again is not None:  # the same request won a race with us: wait for it, and answer with it
                return self._resume(again, request, training, validation, progress, actor, attempt)
            raise
        return self._upload_and_submit(model, training, validation, progress, actor)

    def _upload_and_submit(
        self,
        model: CustomModel,
        training: DataInput | None,
        validation: DataInput | None,
        progress: Progress | None,
        actor: Actor,
    ) -> CustomModel:
        """Upload what the user gave, keeping the submission's heartbeat, then start the job."""
        live = _Heartbeat(self, model)
        try:
            self._role_arn()
            for source, uri, what in (
                (training, model.training_uri, "training"),
                (validation, model.validation_uri, "validation"),
            ):
                if isinstance(source, Upload) and uri is not None:
                    source.stream.seek(0)
                    self._objects.upload(
                        live.reader(source.stream), uri, progress=_progress_for(progress, what, source.size)
                    )
            live.beat(force=True)  # fresh: nothing rolls it back while the job is created
        except _SubmissionLost:
            raise TransitionNotAllowed(
                f"{model.name}: the submission was taken over or rolled back while its data uploaded "
                "(its heartbeat stopped for too long). Submit again."
            ) from None
        except (ObjectStoreError, InvalidRequest) as exc:
            if live.lost:
                raise TransitionNotAllowed(
                    f"{model.name}: the submission was rolled back while its data uploaded. Submit again."
                ) from exc
            self._store.delete_custom(
                live.model.id,
                live.model.version,
                audit=[self._event(actor, "create-rolled-back", model, _state(model), "deleted", str(exc))],
            )
            raise type(exc)(f"{exc} Nothing was created.") from exc
        return self._submit(live.model, actor)

    def _alive(self, model: CustomModel) -> bool:
        """A submission some process is still working on: its heartbeat is recent and its last
        attempt did not fail. Only a dead one may be taken over (or rolled back)."""
        if model.job_status is not JobStatus.SUBMITTING or model.job_arn or model.failure_message:
            return False
        return (self._clock() - model.updated_at).total_seconds() < 3 * self._heartbeat_seconds

    @property
    def _heartbeat_seconds(self) -> float:
        return min(self._config.submit_grace_seconds / 4, HEARTBEAT_MAX_SECONDS)

    def _resume(
        self,
        existing: CustomModel,
        request: NewCustomModel,
        training: DataInput | None,
        validation: DataInput | None,
        progress: Progress | None,
        actor: Actor,
        attempt: int,
    ) -> CustomModel:
        """The identical request again: its model. One still being submitted by a live process is
        waited for (briefly); one whose process died, or whose job Bedrock did not confirm, is
        taken over: its data uploaded again and the job submitted with the same token."""
        deadline = time.monotonic() + RESUME_WAIT_SECONDS
        model: CustomModel | None = existing
        while model is not None:
            if model.job_status is not JobStatus.SUBMITTING or model.job_arn:
                return model
            if not self._alive(model):
                try:  # claim it: of several retries, one takes over and the others wait for it
                    claimed = self._store.update_custom(
                        model.id, model.version, {"updated_at": self._clock(), "failure_message": None}
                    )
                except ConcurrentUpdate:
                    model = self._store.get_custom(model.id)
                    continue
                return self._upload_and_submit(claimed, training, validation, progress, actor)
            if time.monotonic() > deadline:
                return model  # still being submitted elsewhere: the same model, Submitting
            time.sleep(RESUME_POLL_SECONDS)
            model = self._store.get_custom(model.id)
        if attempt > 0:
            raise TransitionNotAllowed(
                f"{request.name}: an identical submission was rolled back meanwhile (see the Activity page)."
            )
        return self._create(request, training, validation, progress, actor, attempt=attempt + 1)

    def _submit(self, model: CustomModel, actor: Actor) -> CustomModel:
        """CreateModelCustomizationJob for a Submitting record. The record's token makes a retry safe."""
        try:
            job_arn = self._backend.create_job(
                JobRequest(
                    job_name=model.job_name,
                    custom_model_name=model.name,
                    base_model_identifier=model.base_model_id.removeprefix("bedrock:"),
                    role_arn=self._role_arn(),
                    training_uri=model.training_uri,
                    validation_uri=model.validation_uri,
                    output_uri=model.output_uri,
                    hyperparameters=model.hyperparameters,
                    client_token=_bedrock_token(model.client_token, model.id),
                )
            )
        except ProviderUnavailable as exc:
            # Bedrock may or may not have created the job: keep the request, never guess. The mark
            # lets a retry take it over at once, and the reconciler adopts or rolls it back.
            with contextlib.suppress(ServiceError):
                self._update(
                    model,
                    {"failure_message": f"Bedrock did not confirm the job: {exc}"},
                    actor=actor,
                    action="submit-unconfirmed",
                    detail=str(exc),
                )
            raise ProviderUnavailable(
                f"{exc} The request is kept: submit it again to retry (the same request makes one job), or "
                f"Model Studio will adopt the job or roll the request back within "
                f"{self._config.submit_grace_seconds:g} s."
            ) from exc
        except (ProviderError, InvalidRequest) as exc:
            current = self._store.get_custom(model.id) or model
            self._store.delete_custom(
                current.id,
                current.version,
                audit=[self._event(actor, "create-rolled-back", model, _state(model), "deleted", str(exc))],
            )
            kept = " The uploaded data was kept in S3." if isinstance(exc, ProviderError) else ""
            raise type(exc)(f"{exc} Nothing was created.{kept}") from exc
        # Any other failure (or the process being stopped) leaves the record Submitting: the
        # reconciler adopts the job or rolls the record back after the grace period.
        try:
            return self._update(
                model,
                {"job_arn": job_arn, "job_status": JobStatus.IN_PROGRESS, "failure_message": None},
                actor=actor,
                action="job-submitted",
            )
        except ConcurrentUpdate:
            recorded = self._store.get_custom(model.id)
            if recorded is not None and recorded.job_arn == job_arn:
                return recorded  # an identical retry (or the reconciler) recorded the same job first
            raise

    def _role_arn(self) -> str:
        if not self._config.role_arn:
            raise InvalidRequest(
                "No IAM role for customization jobs: set STUDIO_CUSTOMIZATION_ROLE_ARN (a role Bedrock can assume "
                "with read access to the data and write access to the output location)."
            )
        return self._config.role_arn

    def _request_key(
        self,
        request: NewCustomModel,
        hyper: dict[str, str],
        training: DataInput | None,
        validation: DataInput | None,
        actor: Actor,
    ) -> str:
        """What makes two requests the same one: who, what, and the data's bytes (hashed for an
        upload; the object's ETag and size for an s3:// URI, so data fixed in place is new data)."""

        def identity(source: DataInput | None) -> object:
            if source is None:
                return None
            if isinstance(source, Upload):
                source.stream.seek(0)
                reader = _HashingReader(source.stream)
                while reader.read(8 * 1024 * 1024):
                    pass
                source.stream.seek(0)
                return {"sha256": reader.digest.hexdigest(), "size": source.size}
            uri = source.strip()
            try:
                return {"uri": uri, "object": self._objects.fingerprint(uri)}
            except (InvalidRequest, ObjectStoreError):
                return {"uri": uri}  # the data check says what is wrong with it

        payload = orjson.dumps(
            {
                "actor": actor.id,
                "name": request.name.strip().lower(),
                "base": request.base_model_id,
                "type": request.customization_type,
                "hp": hyper or request.hyperparameters,
                "training": identity(training),
                "validation": identity(validation),
            },
            option=orjson.OPT_SORT_KEYS,
        )
        return hashlib.sha256(payload).hexdigest()[:32]

    def _event(
        self, actor: Actor, action: str, model: CustomModel, before: str | None, after: str | None, detail: str = ""
    ) -> AuditEvent:
        return AuditEvent(
            at=self._clock(),
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            model_id=model.id,
            model_name=model.name,
            before=before,
            after=after,
            request_id=actor.request_id,
            detail=detail,
        )

    def _update(
        self,
        model: CustomModel,
        changes: dict[str, object],
        *,
        actor: Actor,
        action: str,
        detail: str = "",
        closed_throughput: tuple[int, datetime, datetime] | None = None,
    ) -> CustomModel:
        """Write ``changes`` and, in the same transaction, the audit event that says so."""
        after = model.model_copy(update={k: v for k, v in changes.items() if k in CustomModel.model_fields})
        event = self._event(actor, action, model, _state(model), _state(after), detail)
        return self._store.update_custom(
            model.id,
            model.version,
            changes | {"updated_at": self._clock()},
            closed_throughput=closed_throughput,
            audit=[event],
        )

    # ---- reading --------------------------------------------------------------------------
    def get(self, model_id: str) -> CustomModel:
        model = self._store.get_custom(model_id)
        if model is None:
            raise ModelNotFound(f"No custom model with id {model_id!r}.")
        return model

    def list(self) -> list[CustomModel]:
        return self._store.list_custom()

    def refresh(self, model_id: str) -> CustomModel:
        """Ask the provider about whatever is in flight for this model, and record the answer."""
        model = self.get(model_id)
        try:
            return self._refresh(model)
        except ConcurrentUpdate:
            return self.get(model_id)  # someone else refreshed it at the same moment

    def refresh_quietly(self, model_id: str) -> None:
        """Refresh if the provider answers; the caller's own rule decides, and says why, if not."""
        with contextlib.suppress(ProviderUnavailable, ModelNotFound):
            self.refresh(model_id)

    @staticmethod
    def _job_changes(job: JobInfo) -> dict[str, object]:
        return {
            "job_status": job.status,
            "failure_message": job.failure_message,
            "custom_model_arn": job.custom_model_arn,
            "job_end_time": job.end_time,
            "training_loss": job.training_loss,
            "validation_loss": job.validation_loss,
        }

    def _refresh(self, model: CustomModel, *, deep: bool = False) -> CustomModel:
        """Ask about what is in flight; ``deep`` also re-reads throughput that is in service (it can
        be deleted in the console, and then it must neither stay GREEN nor keep its meter running)."""
        changes: dict[str, object] = {}
        if model.job_status in (JobStatus.IN_PROGRESS, JobStatus.STOPPING) and model.job_arn:
            job = self._backend.get_job(model.job_name)  # names work everywhere (moto takes no ARN)
            if job is None:
                changes |= {"job_status": JobStatus.FAILED, "failure_message": "The job no longer exists at Bedrock."}
            elif job.status is not model.job_status:
                changes |= self._job_changes(job)
        status = model.throughput_status
        if status is not None and model.throughput_arn and (status.in_flight or deep):
            pt = self._backend.get_throughput(model.throughput_arn)
            if pt is None and status is ThroughputStatus.IN_SERVICE:
                return self._throughput_vanished(model, changes)
            if pt is None:
                changes |= _clear_throughput() | {"enabled": False}
            elif pt.status is not model.throughput_status:
                changes |= {"throughput_status": pt.status, "throughput_failure": pt.failure_message}
        if not changes:
            return model
        return self._update(model, changes, actor=SYSTEM, action="status-refreshed")

    def _throughput_vanished(self, model: CustomModel, changes: dict[str, object]) -> CustomModel:
        """In-service throughput that Bedrock no longer has (deleted in the console or the CLI): the
        model turns RED and is disabled, its meter stops, and the record says what happened."""
        now = self._clock()
        notice = (
            f"Throughput {model.throughput_name or model.throughput_arn} was not found at Bedrock on "
            f"{now:%Y-%m-%d %H:%M} UTC: deleted outside Model Studio. "
            + ("The model was disabled. " if model.enabled else "")
            + "Provision throughput again to use it."
        )
        ended = None
        if model.throughput_since is not None and model.model_units:
            ended = (model.model_units, model.throughput_since, now)
        return self._update(
            model,
            changes | _clear_throughput() | {"enabled": False, "throughput_failure": notice},
            actor=SYSTEM,
            action="throughput-vanished",
            detail=notice,
            closed_throughput=ended,
        )

    # ---- job control ------------------------------------------------------------------------
    def stop(self, model_id: str, *, actor: Actor) -> CustomModel:
        model = self.refresh(model_id)
        require(Action.STOP, custom_subject(model), actor)
        self._backend.stop_job(model.job_name)
        return self._update(model, {"job_status": JobStatus.STOPPING}, actor=actor, action="stop")

    # ---- throughput -------------------------------------------------------------------------
    def provision_throughput(self, model_id: str, model_units: int = 1, *, actor: Actor) -> CustomModel:
        model = self.refresh(model_id)
        subject = custom_subject(model)
        if model.throughput_status is ThroughputStatus.CREATING and model.throughput_arn is None:
            refused = role_refusal(Action.PROVISION, subject, actor)
            if refused:
                raise Forbidden(refused)
            return self._create_throughput(model, actor)  # a retry after Bedrock did not answer
        require(Action.PROVISION, subject, actor)
        if not 1 <= model_units <= self._config.max_model_units:
            raise InvalidRequest(
                f"Model Units: {model_units} is out of range; no-commitment throughput takes 1 to "
                f"{self._config.max_model_units} model unit(s) (Bedrock's quota; raise "
                "STUDIO_NO_COMMIT_MAX_MODEL_UNITS if your account's quota is higher)."
            )
        name = f"{safe_key_part(model.name.replace('_', '-'), 50)}-pt-{model.version}"[:63]
        claimed = self._update(  # the claim: a second click finds throughput already set
            model,
            {
                "throughput_name": name,
                "throughput_status": ThroughputStatus.CREATING,
                "model_units": model_units,
                "throughput_since": self._clock(),
                "throughput_failure": None,
            },
            actor=actor,
            action="provision-throughput",
            detail=f"{model_units} model unit(s), no commitment",
        )
        return self._create_throughput(claimed, actor)

    def _create_throughput(self, claimed: CustomModel, actor: Actor) -> CustomModel:
        """CreateProvisionedModelThroughput for a claim; the token from the claim makes a retry safe."""
        assert claimed.throughput_name and claimed.custom_model_arn and claimed.model_units
        token = hashlib.sha256(f"{claimed.client_token}/{claimed.throughput_name}".encode()).hexdigest()[:32]
        try:
            arn = self._backend.create_throughput(
                name=claimed.throughput_name,
                model_arn=claimed.custom_model_arn,
                model_units=claimed.model_units,
                client_token=token,
            )
        except ProviderUnavailable as exc:
            # It may exist now and bill by the hour: keep the claim so nothing is orphaned.
            raise ProviderUnavailable(
                f"{exc} Provision again to retry (it will not create a second one), or Model Studio will find "
                f"out within {self._config.submit_grace_seconds:g} s."
            ) from exc
        except ProviderError as exc:
            self._update(
                claimed, _clear_throughput(), actor=actor, action="provision-throughput-refused", detail=str(exc)
            )
            raise
        return self._update(claimed, {"throughput_arn": arn}, actor=actor, action="throughput-created")

    def remove_throughput(self, model_id: str, *, actor: Actor) -> CustomModel:
        """Remove it; the model turns RED and, if it was enabled, is disabled in the same write."""
        model = self.get(model_id)
        require(Action.REMOVE_THROUGHPUT, custom_subject(model), actor)
        identifier = model.throughput_arn or model.throughput_name
        if identifier:
            self._backend.delete_throughput(identifier)
        ended = None
        if model.throughput_since is not None and model.model_units:
            ended = (model.model_units, model.throughput_since, self._clock())
        return self._update(
            model,
            _clear_throughput() | {"enabled": False},
            actor=actor,
            action="remove-throughput",
            closed_throughput=ended,
        )

    def active_throughputs(self) -> int:
        return sum(1 for m in self._store.list_custom() if m.throughput_status is not None)

    # ---- delete -------------------------------------------------------------------------------
    def delete(self, model_id: str, *, actor: Actor) -> None:
        model = self.refresh(model_id)
        require(Action.DELETE, custom_subject(model), actor)
        if model.job_status is JobStatus.COMPLETED:
            self._backend.delete_custom_model(model.custom_model_arn or model.name)
        self._store.delete_custom(
            model.id, model.version, audit=[self._event(actor, "delete", model, _state(model), "deleted")]
        )

    # ---- reconciliation -----------------------------------------------------------------------
    def reconcile(self) -> ReconcileReport:
        """Bring every in-flight record in line with the provider. Safe to run anywhere, any
        number of times, in several processes at once (updates are version-checked)."""
        refreshed = 0
        adopted: list[str] = []
        rolled_back: list[str] = []
        errors: list[str] = []
        now = self._clock()
        for model in self._store.list_custom():
            try:
                if model.job_status is JobStatus.SUBMITTING:
                    if (now - model.updated_at).total_seconds() < self._config.submit_grace_seconds:
                        continue  # a live process keeps a heartbeat while it uploads
                    job = self._backend.get_job(model.job_name)
                    if job is None:
                        event = self._event(
                            SYSTEM, "submission-rolled-back", model, _state(model), "deleted", "no job at the provider"
                        )
                        self._store.delete_custom(model.id, model.version, audit=[event])
                        rolled_back.append(model.name)
                    else:
                        changes = {"job_arn": job.job_arn, **self._job_changes(job)}
                        self._update(model, changes, actor=SYSTEM, action="submission-adopted")
                        adopted.append(model.name)
                    continue
                if model.throughput_status is not None and model.throughput_arn is None:
                    if (now - model.updated_at).total_seconds() < self._config.submit_grace_seconds:
                        continue
                    pt = self._backend.get_throughput(model.throughput_name or "")
                    changes = {"throughput_arn": pt.arn, "throughput_status": pt.status} if pt else _clear_throughput()
                    self._update(
                        model, changes, actor=SYSTEM, action="throughput-adopted" if pt else "throughput-rolled-back"
                    )
                    (adopted if pt else rolled_back).append(f"{model.name} throughput")
                    continue
                if model.job_status.in_flight or model.throughput_status is not None:
                    self._refresh(model, deep=True)
                    refreshed += 1
            except ConcurrentUpdate:
                continue  # another process handled it
            except ProviderError as exc:
                errors.append(f"{model.name}: {exc}")
        return ReconcileReport(
            refreshed=refreshed, adopted=tuple(adopted), rolled_back=tuple(rolled_back), errors=tuple(errors)
        )
