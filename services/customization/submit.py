"""Submissions: validate, upload with a heartbeat, start the job; identical requests share one."""

from __future__ import annotations

import contextlib
import hashlib
import time
import uuid

import orjson

from services.customization.base import Collaborators, ServiceBase
from services.customization.checks import Checks
from services.customization.common import (
    NAME_TAKEN,
    DataInput,
    NewCustomModel,
    Progress,
    _progress_for,
    _state,
)
from services.customization.methods import FINE_TUNING, method_for
from services.customization.streams import Heartbeat, SubmissionLost
from services.datasets.specs import ON_DEMAND_REGIONS, ON_DEMAND_SINCE
from services.domain.actions import Action, custom_subject, require
from services.domain.custom import CustomModel, JobRequest, JobStatus
from services.domain.errors import (
    ConcurrentUpdate,
    DuplicateName,
    InvalidData,
    InvalidRequest,
    ObjectStoreError,
    ProviderError,
    ProviderUnavailable,
    ServiceError,
    TransitionNotAllowed,
)
from services.domain.identity import Actor
from services.domain.names import bedrock_name
from services.domain.s3uri import join, safe_key_part, user_uri
from services.domain.uploads import Upload

HEARTBEAT_MAX_SECONDS = 10.0  # a live submission touches its record at least this often
RESUME_WAIT_SECONDS = 30.0  # an identical request waits this long for a live submission
RESUME_POLL_SECONDS = 0.1


def _bedrock_token(request_key: str, model_id: str) -> str:
    """The clientRequestToken (and job-name suffix) of one record: retries of that record share it,
    a new record for the same request (after a delete) gets its own, so Bedrock makes a new job."""
    return hashlib.sha256(f"{request_key}/{model_id}".encode()).hexdigest()[:32]


class Submissions(ServiceBase):
    """Creating a custom model: one live record and one job per identical request."""

    def __init__(self, parts: Collaborators, checks: Checks) -> None:
        super().__init__(parts)
        self._checks = checks

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
        base, hyper, problems = self._checks.check_request(request)
        key = self._request_key(request, hyper, training, validation, actor)
        existing = self._store.get_custom_by_token(key)
        if existing is not None:
            return self._resume(existing, request, training, validation, progress, actor, attempt)
        check = self._checks.with_data(request, base, hyper, problems, training, validation)
        problems = list(check.problems)
        if problems:
            reports: list[object] = [r for r in (check.training, check.validation) if r is not None]
            shown = "\n".join(f"- {p}" for p in problems[:5]) + ("\n- …" if len(problems) > 5 else "")
            message = f"{len(problems)} problem(s); nothing was created:\n{shown}"
            if len(problems) == 1 and problems[0].startswith(NAME_TAKEN):
                raise DuplicateName(message, problems)
            raise InvalidData(message, problems, reports, check.summary() if reports else None)
        assert base is not None and check.training is not None
        logs, _ = self._checks.logs_of(request)  # check_request said why otherwise
        parent = self._checks.parent_of(request)
        if parent is not None:  # its weights are its owner's until an admin enables it
            require(Action.TUNE_FURTHER, custom_subject(parent), actor)
        region = parent.region if parent is not None else self._checks.job_region(base, request.region)[0]
        assert region is not None  # check_request said why otherwise
        family = self._checks.family_of(base, method_for(request.customization_type) or FINE_TUNING)
        config, _ = self._checks.method_config(request, base, hyper)  # check_request said why otherwise
        deployable = bool(  # Bedrock serves it on demand (custom Nova models made since 2025-07-16)
            family
            and family.on_demand
            and region in ON_DEMAND_REGIONS
            and f"{self._clock():%Y-%m-%d}" >= ON_DEMAND_SINCE
        )
        root = self._config.output_root_for(region)  # the data and the output in the job's region
        now = self._clock()
        name = request.name.strip()
        folder = f"{safe_key_part(name)}-{key[:12]}"
        if logs is not None:  # distillation from invocation logs: Bedrock reads them where they are
            training_uri = logs.s3_uri
        elif isinstance(training, Upload):
            training_uri = join(root, "data", folder, "training-" + safe_key_part(training.name))
        else:
            training_uri = str(training)
        validation_uri = None
        if validation is not None:
            validation_uri = (
                join(root, "data", folder, "validation-" + safe_key_part(validation.name))
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
            customization_config=config,
            training_logs=logs.bedrock() if logs is not None else None,
            parent_model_id=parent.id if parent is not None else None,
            hyperparameters=hyper,
            training_uri=training_uri,
            validation_uri=validation_uri,
            output_uri=join(root, "output", folder) + "/",
            training_records=check.training.records,
            training_tokens=check.training.tokens,
            validation_records=check.validation.records if check.validation else None,
            token_method=check.training.token_method,
            data_summary=check.summary(),
            job_name=bedrock_name(name, _bedrock_token(key, model_id)[:12]),
            client_token=key,
            job_status=JobStatus.SUBMITTING,
            created_by=actor.id,
            region=region,
            deployable=deployable,
            created_at=now,
            updated_at=now,
        )
        try:
            self._store.insert_custom(
                model, base, region, audit=[self._event(actor, "create", model, None, _state(model))]
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
        live = Heartbeat(self._store, self._clock, self._heartbeat_seconds, model)
        try:
            self._role_arn()
            for source, uri, what in (
                (training, model.training_uri, "training"),
                (validation, model.validation_uri, "validation"),
            ):
                if isinstance(source, Upload) and uri is not None:
                    with source.reading() as stream:
                        self._objects.upload(
                            live.reader(stream), uri, progress=_progress_for(progress, what, source.size)
                        )
            live.beat(force=True)  # fresh: nothing rolls it back while the job is created
        except SubmissionLost:
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
            job_arn = self._backend(model.region).create_job(
                JobRequest(
                    job_name=model.job_name,
                    custom_model_name=model.name,
                    base_model_identifier=self._base_identifier(model),
                    role_arn=self._role_arn(),
                    training_uri=model.training_uri,
                    validation_uri=model.validation_uri,
                    output_uri=model.output_uri,
                    hyperparameters=(method_for(model.customization_type) or FINE_TUNING).job_hyperparameters(
                        model.hyperparameters
                    ),
                    customization_type=model.customization_type,
                    customization_config=model.customization_config,
                    training_logs=model.training_logs,
                    client_token=_bedrock_token(model.client_token, model.id),
                    tags=dict(self._config.tags),
                    kms_key_id=self._config.kms_key_id,
                    vpc_subnets=self._config.vpc_subnets,
                    vpc_security_groups=self._config.vpc_security_groups,
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

    def _base_identifier(self, model: CustomModel) -> str:
        """CreateModelCustomizationJob's baseModelIdentifier: the foundation model, or (tuned further) the
        parent custom model's ARN."""
        if model.parent_model_id is None:
            return model.base_model_id.removeprefix("bedrock:")
        parent = self._store.get_custom(model.parent_model_id)
        if parent is None or not parent.custom_model_arn:
            raise InvalidRequest(f"Base Model: {model.parent_model_id} was deleted before its job could start.")
        return parent.custom_model_arn

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
                return {"sha256": source.digest(), "size": source.size}  # the guard's measure: no read
            uri = source.strip()
            try:
                user_uri(uri, self._config.allowed_buckets)  # the one rule, before even a HEAD
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
                "region": request.region,
                "options": request.options,
                "logs": request.invocation_logs,
                "training": identity(training),
                "validation": identity(validation),
            },
            option=orjson.OPT_SORT_KEYS,
        )
        return hashlib.sha256(payload).hexdigest()[:32]
