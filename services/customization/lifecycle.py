"""A custom model after submission: refresh from the provider, stop, throughput, delete."""

from __future__ import annotations

import contextlib
import hashlib
from dataclasses import dataclass
from datetime import datetime

from services.catalog.service import to_view
from services.customization.base import ServiceBase
from services.customization.common import _clear_deployment, _clear_throughput, _state, _still_enabled
from services.domain.actions import Action, Subject, custom_subject, require, role_refusal
from services.domain.custom import (
    COMMITMENTS,
    CustomModel,
    DeploymentStatus,
    JobInfo,
    JobStatus,
    ThroughputStatus,
)
from services.domain.errors import (
    ConcurrentUpdate,
    Forbidden,
    InvalidRequest,
    ModelNotFound,
    ProviderError,
    ProviderRejected,
    ProviderUnavailable,
)
from services.domain.identity import SYSTEM, Actor
from services.domain.models import Lifecycle, ModelRecord, ModelView
from services.domain.names import bedrock_name


@dataclass(frozen=True)
class CustomView:
    """Everything a custom model's page or its API route shows, from one read: the model, its
    catalog row (the light and the next action), what the rules look at, and, when the provider
    could not be asked, why the state shown is the last one known."""

    model: CustomModel
    row: ModelView
    subject: Subject
    stale: str | None = None


class ModelLifecycle(ServiceBase):
    """Following a model at the provider; stopping, throughput, deleting."""

    def refresh(self, model_id: str) -> CustomModel:
        """Ask the provider about whatever is in flight for this model, and record the answer."""
        model = self.get(model_id)
        try:
            return self.refresh_record(model)
        except ConcurrentUpdate:
            return self.get(model_id)  # someone else refreshed it at the same moment

    def view(self, model_id: str) -> CustomView:
        """The model refreshed from the provider (or, if it cannot answer, as last known, saying why),
        with its row and base in one catalog read."""
        stale = None
        try:
            model = self.refresh(model_id)
        except ProviderError as exc:
            model, stale = self.get(model_id), str(exc)
        rows = {r.id: r for r in self._catalog.get_models([model.base_model_id, model.id])}
        own = rows.get(model.id)
        if own is None:
            raise ModelNotFound(f"No model with id {model_id!r}.")
        return CustomView(model, to_view(own), self._subject(model, rows), stale)

    def subject(self, model: CustomModel) -> Subject:
        """What the rules (services/domain/actions.py) look at for this custom model, its base included."""
        rows = {r.id: r for r in self._catalog.get_models([model.base_model_id, model.id])}
        return self._subject(model, rows, self._clock())

    @staticmethod
    def _subject(model: CustomModel, rows: dict[str, ModelRecord], now: datetime | None = None) -> Subject:
        base, own = rows.get(model.base_model_id), rows.get(model.id)
        return custom_subject(
            model,
            base_legacy=base is not None and base.lifecycle is Lifecycle.LEGACY,
            available=own.available if own is not None else True,  # gone at the provider: RED, says so
            now=now,
        )

    def refresh_quietly(self, model_id: str) -> None:
        """Refresh if the provider answers; the caller's own rule decides, and says why, if not."""
        with contextlib.suppress(ProviderUnavailable, ModelNotFound):
            self.refresh(model_id)

    @staticmethod
    def job_changes(job: JobInfo) -> dict[str, object]:
        return {
            "job_status": job.status,
            "failure_message": job.failure_message,
            "custom_model_arn": job.custom_model_arn,
            "job_end_time": job.end_time,
            "training_loss": job.training_loss,
            "validation_loss": job.validation_loss,
        } | ({"import_details": job.import_details} if job.import_details is not None else {})

    def refresh_record(self, model: CustomModel, *, deep: bool = False) -> CustomModel:
        """Ask about what is in flight; ``deep`` also re-reads throughput that is in service (it can
        be deleted in the console, and then it must neither stay GREEN nor keep its meter running)."""
        changes: dict[str, object] = {}
        if model.job_status in (JobStatus.IN_PROGRESS, JobStatus.STOPPING) and model.job_arn:
            # names work everywhere (moto takes no ARN)
            by_arn = model.copied_from or model.customization_type == "IMPORTED"  # followed by their ARN
            job = self._backend(model.region).get_job(model.job_arn if by_arn else model.job_name)
            if job is None:  # never taken as Failed: a wrong region or name must not end a running job
                raise ProviderRejected(
                    f"Bedrock has no customization job {model.job_name} in region {model.region}; "
                    f"the record still says {model.job_status}. Check the job in the Bedrock console."
                )
            if job.status is not model.job_status:
                changes |= self.job_changes(job)
            if job.stage != model.job_stage:
                changes["job_stage"] = job.stage
        status = model.throughput_status
        if status is not None and model.throughput_arn and (status.in_flight or deep):
            pt = self._backend(model.region).get_throughput(model.throughput_arn)
            if pt is None and status is ThroughputStatus.IN_SERVICE:
                return self._throughput_vanished(model, changes)
            if pt is None:
                changes |= _clear_throughput() | {"enabled": False}
            elif pt.status is not model.throughput_status:
                changes |= {"throughput_status": pt.status, "throughput_failure": pt.failure_message}
        deployment = model.deployment_status
        if deployment is not None and model.deployment_arn and (deployment.in_flight or deep):
            found = self._backend(model.region).get_deployment(model.deployment_arn)
            if found is None:
                notice = (
                    f"The on-demand deployment {model.deployment_name} was not found at Bedrock on "
                    f"{self._clock():%Y-%m-%d %H:%M} UTC: deleted outside Model Studio."
                )
                enabled = _still_enabled(model, losing="deployment")
                changes |= _clear_deployment() | {"enabled": enabled, "deployment_failure": notice}
                return self._update(model, changes, actor=SYSTEM, action="deployment-vanished", detail=notice)
            if found.status is not deployment:
                changes |= {"deployment_status": found.status, "deployment_failure": found.failure_message}
        if not changes:
            return model
        if changes.keys() == {"job_stage"}:  # a running job's progress: kept, not an audited state change
            return self._store.update_custom(model.id, model.version, changes | {"updated_at": self._clock()})
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
            ended = (model.model_units, model.throughput_since, now, model.throughput_commitment)
        return self._update(
            model,
            changes
            | _clear_throughput()
            | {"enabled": _still_enabled(model, losing="throughput"), "throughput_failure": notice},
            actor=SYSTEM,
            action="throughput-vanished",
            detail=notice,
            closed_throughput=ended,
        )

    # ---- job control ------------------------------------------------------------------------
    def stop(self, model_id: str, *, actor: Actor) -> CustomModel:
        model = self.refresh(model_id)
        require(Action.STOP, self.subject(model), actor)
        self._backend(model.region).stop_job(model.job_name)
        return self._update(model, {"job_status": JobStatus.STOPPING}, actor=actor, action="stop")

    # ---- throughput -------------------------------------------------------------------------
    def provision_throughput(
        self,
        model_id: str,
        model_units: int = 1,
        *,
        actor: Actor,
        name: str | None = None,
        commitment: str | None = None,
    ) -> CustomModel:
        """Provisioned Throughput for a completed model: no commitment (billed by the hour until removed), or a
        term (``OneMonth`` / ``SixMonths``: a lower rate, not to be ended early, renewing until deleted)."""
        model = self.refresh(model_id)
        subject = self.subject(model)
        if model.throughput_status is ThroughputStatus.CREATING and model.throughput_arn is None:
            refused = role_refusal(Action.PROVISION, subject, actor)
            if refused:
                raise Forbidden(refused)
            return self._create_throughput(model, actor)  # a retry after Bedrock did not answer
        require(Action.PROVISION, subject, actor)
        if commitment is not None and commitment not in COMMITMENTS:
            raise InvalidRequest(f"Commitment Duration: {commitment!r} is not one of {', '.join(COMMITMENTS)}.")
        if commitment is None and not 1 <= model_units <= self._config.max_model_units:
            raise InvalidRequest(
                f"Model Units: {model_units} is out of range; no-commitment throughput takes 1 to "
                f"{self._config.max_model_units} model unit(s) (Bedrock's quota; raise "
                "STUDIO_NO_COMMIT_MAX_MODEL_UNITS if your account's quota is higher)."
            )
        name = name or bedrock_name(model.name, f"pt-{model.version}")
        claimed = self._update(  # the claim: a second click finds throughput already set
            model,
            {
                "throughput_name": name,
                "throughput_status": ThroughputStatus.CREATING,
                "model_units": model_units,
                "throughput_commitment": commitment,
                "throughput_since": self._clock(),
                "throughput_failure": None,
            },
            actor=actor,
            action="provision-throughput",
            detail=f"{model_units} model unit(s), " + (f"a {commitment} term" if commitment else "no commitment"),
        )
        return self._create_throughput(claimed, actor)

    def _create_throughput(self, claimed: CustomModel, actor: Actor) -> CustomModel:
        """CreateProvisionedModelThroughput for a claim; the token from the claim makes a retry safe."""
        assert claimed.throughput_name and claimed.custom_model_arn and claimed.model_units
        seed = f"{claimed.client_token}/{claimed.id}/{claimed.throughput_name}"
        token = hashlib.sha256(seed.encode()).hexdigest()[:32]
        try:
            arn = self._backend(claimed.region).create_throughput(
                name=claimed.throughput_name,
                model_arn=claimed.custom_model_arn,
                model_units=claimed.model_units,
                commitment=claimed.throughput_commitment,
                client_token=token,
                tags=dict(self._config.tags),
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
        require(Action.REMOVE_THROUGHPUT, self.subject(model), actor)
        identifier = model.throughput_arn or model.throughput_name
        if identifier:
            self._backend(model.region).delete_throughput(identifier)
        return self._record_removal(model_id, "throughput", actor=actor)

    def _record_removal(self, model_id: str, losing: str, *, actor: Actor) -> CustomModel:
        """Record that the provider removed the model's throughput or deployment. The provider has
        already let it go, so a refresh that wrote the model meanwhile must not turn that into a 409
        with the record still showing it; nor is anything written if the refresh recorded it gone."""

        def write(model: CustomModel) -> CustomModel:
            ended = None
            if losing == "throughput":
                if model.throughput_status is None and model.throughput_name is None:
                    return model
                if model.throughput_since is not None and model.model_units:
                    ended = (model.model_units, model.throughput_since, self._clock(), model.throughput_commitment)
                changes = _clear_throughput()
            else:
                if model.deployment_status is None and model.deployment_name is None:
                    return model
                changes = _clear_deployment()
            return self._update(
                model,
                changes | {"enabled": _still_enabled(model, losing=losing)},
                actor=actor,
                action=f"remove-{losing}",
                closed_throughput=ended,
            )

        return self._rewritten(
            model_id,
            write,
            f"The {losing} was removed at the provider, but the record kept changing meanwhile; reload the page.",
        )

    # ---- on-demand deployment ------------------------------------------------------------------
    def deploy(self, model_id: str, *, actor: Actor, name: str | None = None) -> CustomModel:
        """CreateCustomModelDeployment: served per token, no idle charge (custom Nova models)."""
        model = self.refresh(model_id)
        if model.deployment_status is DeploymentStatus.CREATING and model.deployment_arn is None:
            refused = role_refusal(Action.DEPLOY, self.subject(model), actor)
            if refused:
                raise Forbidden(refused)
            return self._create_deployment(model, actor)  # a retry after Bedrock did not answer
        require(Action.DEPLOY, self.subject(model), actor)
        claimed = self._update(  # the claim: a second click finds a deployment already set
            model,
            {
                "deployment_name": name or bedrock_name(model.name, f"od-{model.version}"),
                "deployment_status": DeploymentStatus.CREATING,
                "deployment_since": self._clock(),
                "deployment_failure": None,
            },
            actor=actor,
            action="deploy",
            detail="on demand, billed per token",
        )
        return self._create_deployment(claimed, actor)

    def _create_deployment(self, claimed: CustomModel, actor: Actor) -> CustomModel:
        assert claimed.deployment_name and claimed.custom_model_arn
        seed = f"{claimed.client_token}/{claimed.id}/{claimed.deployment_name}"
        try:
            arn = self._backend(claimed.region).create_deployment(
                name=claimed.deployment_name,
                model_arn=claimed.custom_model_arn,
                client_token=hashlib.sha256(seed.encode()).hexdigest()[:32],
                tags=dict(self._config.tags),
            )
        except ProviderUnavailable as exc:
            raise ProviderUnavailable(
                f"{exc} Deploy again to retry (it will not create a second one), or Model Studio will find out."
            ) from exc
        except ProviderError as exc:
            self._update(claimed, _clear_deployment(), actor=actor, action="deploy-refused", detail=str(exc))
            raise
        return self._update(claimed, {"deployment_arn": arn}, actor=actor, action="deployment-created")

    def remove_deployment(self, model_id: str, *, actor: Actor) -> CustomModel:
        """Remove it; the model turns RED (and is disabled) unless its throughput still serves it."""
        model = self.get(model_id)
        require(Action.REMOVE_DEPLOYMENT, self.subject(model), actor)
        identifier = model.deployment_arn or model.deployment_name
        if identifier:
            self._backend(model.region).delete_deployment(identifier)
        return self._record_removal(model_id, "deployment", actor=actor)

    def set_idle_guard(self, model: CustomModel, hours: float | None, *, actor: Actor) -> CustomModel:
        """Write the model's own idle guard (services/costs/idle.py decides who may and what is valid)."""
        said = "the team's setting" if hours is None else ("never" if hours == 0 else f"after {hours:g} h idle")
        return self._rewritten(
            model.id,
            lambda current: self._update(
                current,
                {"idle_guard_hours": hours},
                actor=actor,
                action="set-idle-guard",
                detail=f"idle throughput removed: {said}",
            ),
            "The model kept changing meanwhile; nothing was set. Reload the page.",
        )

    def active_throughputs(self) -> int:
        return sum(1 for m in self._store.list_custom() if m.throughput_status is not None)

    # ---- delete -------------------------------------------------------------------------------
    def delete(self, model_id: str, *, actor: Actor) -> None:
        model = self.refresh(model_id)
        require(Action.DELETE, self.subject(model), actor)
        detail = ""
        if model.job_status is JobStatus.COMPLETED:
            identifier = model.custom_model_arn or model.name
            if not self._backend(model.region).delete_custom_model(identifier):
                detail = self._confirm_gone(model, identifier)
        self._store.delete_custom(
            model.id,
            model.version,
            audit=[self._event(actor, "delete", model, _state(model), "deleted", detail)],
            ledger=(model, self._clock()),  # what it cost stays on the Costs page: AWS billed it
        )

    def _confirm_gone(self, model: CustomModel, identifier: str) -> str:
        """Bedrock found no custom model to delete. Only a model we address by its ARN, in the region
        that ARN names, is really gone (deleted in the console, say); anything else may be a wrong
        region or identifier while the model still bills storage, so nothing is deleted."""
        region = model.region or self._config.region
        arn_region = identifier.split(":")[3] if identifier.startswith("arn:") else None
        if arn_region == region:
            return f"the custom model was already gone at Bedrock ({identifier}); only the record was deleted"
        raise ProviderRejected(
            f"Bedrock has no custom model {identifier} in region {region}; nothing was deleted. "
            + (f"Its ARN names region {arn_region}. " if arn_region else "Model Studio has no ARN for it. ")
            + "Check the region and the model in the Bedrock console before deleting the record."
        )
