"""Custom models made outside Model Studio (the console, the CLI, another tool): every job the
regions' control planes list that has no record here becomes one, so the table shows every custom
model the account has, under the same rules (owned by nobody: admins act on them)."""

from __future__ import annotations

import hashlib
import uuid

from services.customization.base import ServiceBase
from services.customization.common import NAME_PATTERN, _state
from services.customization.imports import imported_base
from services.domain.custom import CustomModel, JobInfo, JobStatus
from services.domain.errors import DuplicateName, ProviderError
from services.domain.identity import Actor
from services.domain.imports import Architecture, architecture_of

UNKNOWN = Architecture(model_type="unknown", name="Imported", vendor="Unknown", converse=False)

EXTERNAL = "made outside Model Studio"


class ExternalModels(ServiceBase):
    """Adopting the jobs made outside Model Studio."""

    def adopt_external(self, *, actor: Actor) -> list[str]:
        """Records for the jobs each configured region lists that Model Studio does not know; what
        happened, one line each (adopted, or why not)."""
        mine = self._store.list_custom()
        known = {m.job_name for m in mine}
        notes: list[str] = []
        for region in self._config.job_regions:
            ours = (
                {m.custom_model_arn for m in mine}
                | {m.job_arn for m in mine}
                | {m.name for m in mine if m.customization_type == "IMPORTED"}
            )  # an import of ours still in progress is not yet known by its model's ARN, but by its job or name
            notes += self._adopt_imports(region, ours, actor)
            backend = self._backend(region)
            try:
                unknown = [j for j in backend.list_jobs() if j.job_name not in known]
                # A running job, or a completed one whose custom model still exists (one List call a
                # region); a failed or stopped job made no model, and one whose model was deleted, here
                # or elsewhere, has nothing left to show: neither is fetched.
                models = backend.custom_model_arns() if any(j.status is JobStatus.COMPLETED for j in unknown) else set()
            except ProviderError as exc:
                notes.append(f"Jobs in {region} could not be listed: {exc}")
                continue
            for summary in unknown:
                running = summary.status in (JobStatus.IN_PROGRESS, JobStatus.STOPPING)
                if not running and summary.custom_model_arn not in models:
                    continue
                try:
                    job = backend.get_job(summary.job_name)  # the details: data, output, hyperparameters
                except ProviderError as exc:
                    notes.append(f"Job {summary.job_name} in {region}: {exc}")
                    continue
                if job is not None:
                    notes.append(self._adopt(job, region, actor))
                    known.add(job.job_name)
        return notes

    def _adopt_imports(self, region: str, known: set[str | None], actor: Actor) -> list[str]:
        """Records for the imported models the region lists (ListImportedModels) that Model Studio does not know."""
        try:
            found = [
                m
                for m in self._backend(region).list_imports()
                if not {m.custom_model_arn, m.job_arn, m.custom_model_name} & known
            ]
        except ProviderError as exc:
            return [f"Imported models in {region} could not be listed: {exc}"]
        return [self._adopt(model, region, actor) for model in found]

    def _adopt(self, job: JobInfo, region: str, actor: Actor) -> str:
        architecture = architecture_of(job.import_details.architecture) if job.import_details else None
        base_id = f"bedrock:{job.base_model}" if job.import_details is None else ""
        base = self._catalog.get_model(base_id) if base_id else imported_base(architecture or UNKNOWN, self._clock())
        name = job.custom_model_name or job.job_name
        if base is None:
            return f"Job {job.job_name} ({region}) is not shown: its base model {job.base_model} is not in the catalog."
        if not NAME_PATTERN.fullmatch(name) or self._store.name_taken(name):
            return f"Job {job.job_name} ({region}) is not shown: its model name {name!r} is already used here."
        now = self._clock()
        key = hashlib.sha256(f"external/{job.job_arn}".encode()).hexdigest()[:32]
        model = CustomModel(
            id=f"custom:{uuid.uuid4().hex[:16]}",
            name=name,
            description=f"{EXTERNAL} (job {job.job_name})",
            base_model_id=base.id,
            base_model_name=base.name if job.import_details is None else f"{base.name} (imported)",
            import_details=job.import_details,
            customization_type=job.customization_type,  # as it was made, whatever the method
            customization_config=job.customization_config,
            training_logs=job.training_logs,
            hyperparameters=job.hyperparameters,
            training_uri=job.training_uri or "",
            validation_uri=job.validation_uri,
            output_uri=job.output_uri or "",
            token_method="not counted: the data was not checked by Model Studio",
            job_name=job.job_name,
            client_token=key,
            job_arn=job.job_arn,
            job_status=job.status,
            job_stage=job.stage,
            failure_message=job.failure_message,
            custom_model_arn=job.custom_model_arn,
            job_end_time=job.end_time,
            training_loss=job.training_loss,
            validation_loss=job.validation_loss,
            created_by=None,  # nobody's: admins act on it
            region=region,
            created_at=job.created_at or now,
            updated_at=now,
        )
        try:
            self._store.insert_custom(
                model, base, region, audit=[self._event(actor, "adopt-external", model, None, _state(model), EXTERNAL)]
            )
        except DuplicateName:
            return f"Job {job.job_name} ({region}) is not shown: a model with its name or request exists."
        status = "running" if model.job_status in (JobStatus.IN_PROGRESS, JobStatus.STOPPING) else model.job_status
        return f"{name} ({region}, {status}): {EXTERNAL}, now listed."
