"""A custom model after submission: refresh from the provider, stop, throughput, delete."""

from __future__ import annotations

import contextlib
import hashlib

from services.actions import Action, custom_subject, require, role_refusal
from services.customization.base import ServiceBase
from services.customization.common import _clear_throughput, _state
from services.errors import (
    ConcurrentUpdate,
    Forbidden,
    InvalidRequest,
    ModelNotFound,
    ProviderError,
    ProviderUnavailable,
)
from services.identity import SYSTEM, Actor
from services.models import (
    CustomModel,
    JobInfo,
    JobStatus,
    ThroughputStatus,
)
from services.s3uri import safe_key_part


class Lifecycle(ServiceBase):
    """Following a model at the provider; stopping, throughput, deleting."""

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
