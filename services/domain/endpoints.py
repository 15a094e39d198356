"""An endpoint: a way Bedrock serves custom models that callers keep while the model behind it changes. A
throughput (Provisioned Throughput, UpdateProvisionedModelThroughput's desiredModelId) or an on-demand deployment
(UpdateCustomModelDeployment's modelArn): a name, a kind, a region, the ARN callers use, and its history (which
model it served from when). Which model it serves now is the model whose throughput or deployment holds the ARN:
one truth, the one the status lights and the gateway already read. Promoting is serving another custom model of
the same foundation model in the same region behind the same ARN; rolling back serves the one before.
https://docs.aws.amazon.com/bedrock/latest/userguide/deploy-custom-model-on-demand.html"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from services.domain.custom import CustomModel, DeploymentStatus, JobStatus


class EndpointKind(StrEnum):
    THROUGHPUT = "THROUGHPUT"
    ON_DEMAND = "ON_DEMAND"

    @property
    def label(self) -> str:
        return "Provisioned throughput" if self is EndpointKind.THROUGHPUT else "On-demand deployment"


class EndpointEvent(BaseModel):
    """One change of what an endpoint serves: created, promoted, rolled back, deleted."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    action: str  # create | promote | rollback | delete
    model_id: str  # the model it serves after this event (the one it last served, for delete)
    model_name: str
    actor_id: str
    detail: str = ""


class Endpoint(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str  # the throughput's or deployment's name at Bedrock
    kind: EndpointKind
    region: str
    arn: str | None  # None until Bedrock answered its creation
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int = 1
    deleted_at: datetime | None = None
    history: tuple[EndpointEvent, ...] = ()

    def serves(self, model: CustomModel) -> bool:
        """Whether ``model`` is the one behind this endpoint now (its throughput or deployment is this one)."""
        if self.kind is EndpointKind.THROUGHPUT:
            arn, name, serving = model.throughput_arn, model.throughput_name, model.throughput_status is not None
        else:
            arn, name, serving = model.deployment_arn, model.deployment_name, model.deployment_status is not None
        if not serving or model.region != self.region:
            return False
        return arn == self.arn if self.arn and arn else name == self.name

    def status(self, model: CustomModel | None) -> str | None:
        """Its throughput's or deployment's status at Bedrock as last seen on the model it serves (None: none)."""
        if model is None:
            return None
        found = model.throughput_status if self.kind is EndpointKind.THROUGHPUT else model.deployment_status
        return found.value if found is not None else None

    def previous_model(self, current_id: str | None) -> str | None:
        """The model served before the current one (what a rollback serves again), or None."""
        served = [e.model_id for e in self.history if e.action in ("create", "promote", "rollback")]
        for model_id in reversed(served):
            if model_id != current_id:
                return model_id
        return None


def promote_problem(endpoint: Endpoint, current: CustomModel | None, candidate: CustomModel) -> str | None:
    """Why ``candidate`` cannot be served behind ``endpoint`` now (None: it can). The same foundation model in the
    same region (Bedrock updates an endpoint only so), a completed model, and free to take this way to serve."""
    if endpoint.deleted_at is not None:
        return f"Endpoint {endpoint.name} was deleted."
    if current is None:
        return f"Endpoint {endpoint.name} serves no model now (its model was removed); create a new endpoint."
    if candidate.id == current.id:
        return f"{candidate.name} is the model {endpoint.name} serves already."
    if candidate.job_status is not JobStatus.COMPLETED or not candidate.custom_model_arn:
        return f"{candidate.name} cannot be served: its job is {candidate.job_status}, not Completed."
    if candidate.base_model_id != current.base_model_id:
        return (
            f"{candidate.name} is a custom model of {candidate.base_model_name}; {endpoint.name} serves custom "
            f"models of {current.base_model_name} only (Bedrock updates an endpoint to a model of the same base)."
        )
    if candidate.region != endpoint.region:
        return f"{candidate.name} lives in {candidate.region}; {endpoint.name} is in {endpoint.region}."
    if endpoint.kind is EndpointKind.ON_DEMAND:
        if not candidate.deployable:
            return f"{candidate.name} cannot be served on demand (Bedrock serves only custom Nova models so)."
        if candidate.deployment_status is not None:
            return f"{candidate.name} has an on-demand deployment of its own; remove it first."
        if current.deployment_status is not DeploymentStatus.ACTIVE:
            return f"{endpoint.name} is {current.deployment_status}; wait until it is Active."
    else:
        if candidate.throughput_status is not None:
            return f"{candidate.name} has throughput of its own; remove it first."
        if current.throughput_status is None or current.throughput_status.in_flight:
            return f"{endpoint.name} is {current.throughput_status}; wait until it is InService."
    return None
