"""/api/endpoints: throughputs and on-demand deployments as endpoints: list, create, read with history, promote
another custom model behind the same ARN, roll back, delete. The seed's /custom-models/{id}/throughput and
/deployment stay as shortcuts: what they make is an endpoint too."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import Svc, Who
from api.errors import ERRORS
from api.schemas import Pascal
from services.domain.custom import CustomModel
from services.domain.endpoints import Endpoint, EndpointKind

router = APIRouter(tags=["endpoints"])


class EventOut(BaseModel):
    At: str
    Action: str
    ModelId: str
    ModelName: str
    Actor: str
    Detail: str


class EndpointOut(BaseModel):
    Id: str
    Name: str
    Kind: str
    Region: str
    Arn: str | None
    Status: str | None  # the throughput's or deployment's status at Bedrock, as last seen
    ModelId: str | None  # the custom model it serves now
    ModelName: str | None
    ModelUnits: int | None
    CommitmentDuration: str | None = None  # THROUGHPUT on a term
    CreatedBy: str
    CreatedAt: str
    History: list[EventOut] = []


class EndpointList(BaseModel):
    Endpoints: list[EndpointOut]


class NewEndpoint(Pascal):
    Kind: Literal["THROUGHPUT", "ON_DEMAND"]
    ModelId: str = Field(max_length=400)
    Name: str | None = Field(None, max_length=63, description="Bedrock's name for it (default: from the model's)")
    ModelUnits: int = Field(1, ge=1, le=100, description="THROUGHPUT: model units")
    CommitmentDuration: Literal["OneMonth", "SixMonths"] | None = Field(
        None, description="THROUGHPUT: a term (not to be ended early; renews until deleted); none: no commitment"
    )


class Promotion(Pascal):
    ModelId: str = Field(max_length=400, description="Another completed custom model of the same base and region")


def endpoint_out(endpoint: Endpoint, model: CustomModel | None, *, history: bool = False) -> EndpointOut:
    throughput = endpoint.kind is EndpointKind.THROUGHPUT
    return EndpointOut(
        Id=endpoint.id, Name=endpoint.name, Kind=endpoint.kind.value, Region=endpoint.region, Arn=endpoint.arn,
        Status=endpoint.status(model), ModelId=model.id if model else None,
        ModelName=model.name if model else None, ModelUnits=model.model_units if model and throughput else None,
        CommitmentDuration=model.throughput_commitment if model and throughput else None,
        CreatedBy=endpoint.created_by, CreatedAt=endpoint.created_at.isoformat(),
        History=[
            EventOut(At=e.at.isoformat(), Action=e.action, ModelId=e.model_id, ModelName=e.model_name,
                     Actor=e.actor_id, Detail=e.detail)
            for e in endpoint.history
        ] if history else [],
    )  # fmt: skip


@router.get("/endpoints", response_model=EndpointList, responses=ERRORS)
def list_endpoints(s: Svc, actor: Who) -> EndpointList:
    return EndpointList(Endpoints=[endpoint_out(e, m) for e, m in s.endpoints.endpoints()])


@router.post("/endpoints", status_code=202, response_model=EndpointOut, responses=ERRORS)
def create_endpoint(body: NewEndpoint, s: Svc, actor: Who) -> EndpointOut:
    endpoint, model = s.endpoints.create(
        EndpointKind(body.Kind), body.ModelId, actor=actor, name=body.Name, model_units=body.ModelUnits,
        commitment=body.CommitmentDuration,
    )  # fmt: skip
    return endpoint_out(endpoint, model, history=True)


@router.get("/endpoints/{endpoint_id}", response_model=EndpointOut, responses=ERRORS)
def get_endpoint(endpoint_id: str, s: Svc, actor: Who) -> EndpointOut:
    endpoint, model = s.endpoints.get(endpoint_id)
    return endpoint_out(endpoint, model, history=True)


@router.put("/endpoints/{endpoint_id}", status_code=202, response_model=EndpointOut, responses=ERRORS)
def promote(endpoint_id: str, body: Promotion, s: Svc, actor: Who) -> EndpointOut:
    """Promote: the endpoint serves another custom model of the same base, behind the same ARN."""
    endpoint, model = s.endpoints.promote(endpoint_id, body.ModelId, actor=actor)
    return endpoint_out(endpoint, model, history=True)


@router.post("/endpoints/{endpoint_id}/rollback", status_code=202, response_model=EndpointOut, responses=ERRORS)
def rollback(endpoint_id: str, s: Svc, actor: Who) -> EndpointOut:
    endpoint, model = s.endpoints.rollback(endpoint_id, actor=actor)
    return endpoint_out(endpoint, model, history=True)


@router.delete("/endpoints/{endpoint_id}", response_model=EndpointOut, responses=ERRORS)
def delete_endpoint(endpoint_id: str, s: Svc, actor: Who) -> EndpointOut:
    return endpoint_out(s.endpoints.delete(endpoint_id, actor=actor), None, history=True)
