"""The status rules of DESIGN.md. Status is derived, never stored.

| status | base model            | custom model                                              |
|--------|-----------------------|-----------------------------------------------------------|
| RED    | no longer offered     | job in progress / failed / stopped, or no way to serve it |
| YELLOW | available, not enabled| servable (throughput InService, or on-demand deployment Active), not enabled |
| GREEN  | enabled               | servable and enabled                                      |
"""

from __future__ import annotations

from services.domain.custom import DeploymentStatus, JobStatus, ThroughputStatus
from services.domain.models import ModelType, Status

ENABLE_HINT = "Ready to use: an admin can enable it."
GREEN_HINT = "Enabled: usable across the platform. An admin can disable it."


def derive_status(
    model_type: ModelType,
    *,
    available: bool,
    enabled: bool,
    job_status: JobStatus | None = None,
    throughput_status: ThroughputStatus | None = None,
    deployment_status: DeploymentStatus | None = None,
    deployable: bool = False,
    legacy: bool = False,
    serves_itself: bool = False,
) -> tuple[Status, str]:
    """Return the status light and the hover text that says the next user action."""
    if model_type is ModelType.BASE:
        status, hint = _base(available=available, enabled=enabled)
    else:
        status, hint = _custom(
            available=available,
            enabled=enabled,
            job_status=job_status,
            throughput_status=throughput_status,
            deployment_status=deployment_status,
            deployable=deployable,
            serves_itself=serves_itself,
        )
    if legacy:
        hint += " Legacy at the provider: plan a replacement."
    return status, hint


_JOB_OUTCOMES: dict[JobStatus | None, str] = {
    None: "No job",
    JobStatus.SUBMITTING: "Submitting",
    JobStatus.IN_PROGRESS: "Training",
    JobStatus.STOPPING: "Stopping",
    JobStatus.STOPPED: "Stopped",
    JobStatus.FAILED: "Failed",
}


def outcome(
    status: Status,
    job_status: JobStatus | None,
    throughput_status: ThroughputStatus | None = None,
    deployment_status: DeploymentStatus | None = None,
    failure: str | None = None,
    *,
    long: bool = False,
) -> str:
    """A custom model's job outcome, said beside its light: a RED light means an action is pending,
    and this says which kind ("Completed" waits to be served; "Failed" and "Stopped" are ends). The
    long form adds what to do, or the failure's reason. Empty for a model that serves (its light says it)."""
    if job_status is not JobStatus.COMPLETED:
        said = _JOB_OUTCOMES[job_status]
        if long and job_status is JobStatus.FAILED and failure:
            said += f" · {' '.join(failure.split())[:120]}"
        return said
    if status is not Status.RED:
        return ""
    if not long:
        return "Completed"
    if (
        throughput_status is not None and throughput_status.in_flight
    ) or deployment_status is DeploymentStatus.CREATING:
        return "Completed · starting to serve"
    if ThroughputStatus.FAILED in (throughput_status,) or deployment_status is DeploymentStatus.FAILED:
        return "Completed · serving failed: remove it and try again"
    return "Completed · provision or deploy to use"


def _base(*, available: bool, enabled: bool) -> tuple[Status, str]:
    if not available:
        return Status.RED, ("No longer offered by the provider (gone at the last sync); it cannot be enabled.")
    if enabled:
        return Status.GREEN, GREEN_HINT
    return Status.YELLOW, ENABLE_HINT


_JOB_HINTS = {
    None: "No customization job is recorded; delete this record.",
    "Submitting": "The job is being submitted; wait.",
    "InProgress": "Customization in progress; wait for it to complete.",
    "Stopping": "The job is stopping; wait, then delete or start a new job.",
    "Stopped": "The job was stopped; delete the record or start a new job.",
    "Failed": "Customization failed; read the failure message, then delete the record.",
}

_IMPORT_HINTS = {
    JobStatus.SUBMITTING: "The import is being submitted; wait.",
    JobStatus.IN_PROGRESS: "Bedrock is importing the model; wait for it to complete.",
    JobStatus.FAILED: "The import failed; read the failure message, then delete the record.",
}

_THROUGHPUT_HINTS = {
    None: "Provision throughput to use this model.",
    "Creating": "Throughput is being created; wait for InService.",
    "Updating": "Throughput is being updated; wait for InService.",
    "Failed": "Throughput failed; remove it and provision again.",
    "Deleting": "Throughput is being removed; wait.",
}


ON_DEMAND_HINT = "Deploy it on demand (billed per token, no idle charge) or provision throughput to use this model."
_DEPLOYMENT_HINTS: dict[DeploymentStatus, str] = {
    DeploymentStatus.CREATING: "The on-demand deployment is being created; wait for Active.",
    DeploymentStatus.FAILED: "The on-demand deployment failed; remove it and deploy again.",
}


def _custom(
    *,
    available: bool,
    enabled: bool,
    job_status: JobStatus | None,
    throughput_status: ThroughputStatus | None,
    deployment_status: DeploymentStatus | None = None,
    deployable: bool = False,
    serves_itself: bool = False,
) -> tuple[Status, str]:
    if not available:
        return Status.RED, "The custom model is missing at the provider; delete the record."
    if job_status is not JobStatus.COMPLETED:
        if serves_itself and job_status in _IMPORT_HINTS:
            return Status.RED, _IMPORT_HINTS[job_status]
        return Status.RED, _JOB_HINTS[job_status]
    if serves_itself:  # an imported model: Bedrock serves it on demand by its own ARN
        return (Status.GREEN, GREEN_HINT) if enabled else (Status.YELLOW, ENABLE_HINT)
    if throughput_status is not ThroughputStatus.IN_SERVICE and deployment_status is not DeploymentStatus.ACTIVE:
        if deployment_status is not None and throughput_status is None:
            return Status.RED, _DEPLOYMENT_HINTS[deployment_status]
        if deployable and throughput_status is None:
            return Status.RED, ON_DEMAND_HINT
        return Status.RED, _THROUGHPUT_HINTS[throughput_status]
    if enabled:
        return Status.GREEN, GREEN_HINT
    return Status.YELLOW, ENABLE_HINT
