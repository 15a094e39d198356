"""FastAPI app for the seed's REST contract. Thin: every rule is decided by the services the
UI uses too. Bodies use the seed's PascalCase names; errors are {"Message", "Code"}."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.bootstrap import Services
from services.customization import NewCustomModel
from services.errors import (
    ConcurrentUpdate,
    DuplicateName,
    Forbidden,
    InvalidData,
    InvalidRequest,
    ModelNotFound,
    ObjectStoreError,
    ProviderRejected,
    ProviderUnavailable,
    ServiceError,
    TransitionNotAllowed,
    Unauthenticated,
)
from services.identity import Actor
from services.metrics import MetricsState
from services.models import CustomModel, JobStatus, ModelFilter, ModelType, ModelView, Provider, Status

SEED_STATUS = {
    JobStatus.SUBMITTING: "Pending",
    JobStatus.IN_PROGRESS: "Pending",
    JobStatus.STOPPING: "Pending",
    JobStatus.COMPLETED: "Complete",
    JobStatus.FAILED: "Failed",
    JobStatus.STOPPED: "Stopped",
}


MAX_PROBLEMS = 20  # listed in one error response


# ---- bodies --------------------------------------------------------------------------------------
class Pascal(BaseModel):
    model_config = ConfigDict(extra="forbid")


HpName = Annotated[str, StringConstraints(max_length=64)]
HpValue = Annotated[str, StringConstraints(max_length=256)]


class CreateCustomModel(Pascal):
    """Bounded everywhere (a request is at most 1 MiB, and no field may make the server work for
    long); what the bounds let through, the service checks and explains."""

    ModelName: str = Field(max_length=200)
    ModelType: str = Field("FINE_TUNING", max_length=64)
    BaseModelId: str = Field(max_length=2048)
    Description: str = Field("", max_length=10_000)
    TrainingDataLocation: str = Field(max_length=2048)
    ValidationDataLocation: str | None = Field(None, max_length=2048)
    HyperParameters: dict[HpName, HpValue] = Field(default_factory=dict, max_length=64)


class ProvisionThroughput(Pascal):
    ModelUnits: int = Field(1, ge=1, le=100)


class Error(BaseModel):
    Message: str
    Code: str
    Problems: list[str] | None = None


class CustomModelOut(BaseModel):
    Id: str
    ModelName: str
    ModelType: str
    BaseModelId: str
    BaseModelName: str
    Description: str
    Status: str
    JobStatus: str
    StatusLight: str
    NextAction: str
    Enabled: bool
    FailureMessage: str | None
    ThroughputStatus: str | None
    ModelUnits: int | None
    TrainingDataLocation: str
    ValidationDataLocation: str | None
    OutputDataLocation: str
    HyperParameters: dict[str, str]
    TrainingRecords: int
    TrainingTokens: int
    JobArn: str | None
    CustomModelArn: str | None
    CreatedAt: str
    UpdatedAt: str


class CustomModelList(BaseModel):
    CustomModels: list[CustomModelOut]


class ModelOut(BaseModel):
    Id: str
    ModelName: str
    ModelId: str
    ModelType: str
    Provider: str
    Vendor: str
    Traits: list[str]
    StatusLight: str
    NextAction: str
    Enabled: bool
    Available: bool
    Lifecycle: str
    Regions: list[str]


class ModelList(BaseModel):
    Models: list[ModelOut]


class SyncRunOut(BaseModel):
    Provider: str
    Outcome: str
    Message: str
    Added: list[str]
    Updated: list[str]
    Gone: list[str]


class SyncOut(BaseModel):
    Runs: list[SyncRunOut]


class DownloadType(StrEnum):
    METRICS = "metrics"
    TRAINING = "training"
    VALIDATION = "validation"


# ---- mapping --------------------------------------------------------------------------------------
def _custom_out(model: CustomModel, view: ModelView) -> CustomModelOut:
    return CustomModelOut(
        Id=model.id,
        ModelName=model.name,
        ModelType=model.customization_type,
        BaseModelId=model.base_model_id,
        BaseModelName=model.base_model_name,
        Description=model.description,
        Status=SEED_STATUS[model.job_status],
        JobStatus=model.job_status.value,
        StatusLight=view.status.value,
        NextAction=view.next_action,
        Enabled=model.enabled,
        FailureMessage=model.failure_message,
        ThroughputStatus=model.throughput_status.value if model.throughput_status else None,
        ModelUnits=model.model_units,
        TrainingDataLocation=model.training_uri,
        ValidationDataLocation=model.validation_uri,
        OutputDataLocation=model.output_uri,
        HyperParameters=model.hyperparameters,
        TrainingRecords=model.training_records,
        TrainingTokens=model.training_tokens,
        JobArn=model.job_arn,
        CustomModelArn=model.custom_model_arn,
        CreatedAt=model.created_at.isoformat(),
        UpdatedAt=model.updated_at.isoformat(),
    )


def _model_out(view: ModelView) -> ModelOut:
    rec = view.record
    return ModelOut(
        Id=rec.id,
        ModelName=rec.name,
        ModelId=rec.model_id,
        ModelType=rec.model_type.value,
        Provider=rec.provider.value,
        Vendor=rec.vendor,
        Traits=list(view.traits),
        StatusLight=view.status.value,
        NextAction=view.next_action,
        Enabled=rec.enabled,
        Available=rec.available,
        Lifecycle=rec.lifecycle.value,
        Regions=list(rec.regions),
    )


_STATUS_CODES: list[tuple[type[ServiceError], int]] = [
    (Unauthenticated, 401),
    (Forbidden, 403),
    (InvalidData, 422),
    (DuplicateName, 409),
    (InvalidRequest, 422),
    (ModelNotFound, 404),
    (TransitionNotAllowed, 409),
    (ConcurrentUpdate, 409),
    (ProviderRejected, 400),
    (ProviderUnavailable, 503),
    (ObjectStoreError, 400),
]


def _error_response(exc: ServiceError) -> JSONResponse:
    status = next((code for kind, code in _STATUS_CODES if isinstance(exc, kind)), 400)
    body: dict[str, Any] = {"Message": str(exc), "Code": exc.code}
    if isinstance(exc, InvalidRequest):
        body["Problems"] = exc.problems
    return JSONResponse(body, status_code=status)


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Error},
    401: {"model": Error},
    403: {"model": Error},
    404: {"model": Error},
    409: {"model": Error},
    422: {"model": Error},
    503: {"model": Error},
}


async def _services(request: Request) -> Services:  # async: no thread hop for a lookup
    return request.app.state.get_services()  # type: ignore[no-any-return]


async def _actor(request: Request) -> Actor:  # async: a dict lookup, or one indexed token query
    services: Services = request.app.state.get_services()
    return services.identities.for_api(
        request.headers.get("authorization", ""),
        request.client.host if request.client else "",
        request.headers.get("x-request-id") or None,
    )


Svc = Annotated[Services, Depends(_services)]
Who = Annotated[Actor, Depends(_actor)]


def create_api(get_services: Callable[[], Services]) -> FastAPI:
    api = FastAPI(
        title="Model Studio API",
        version="1",
        description="Custom models on Amazon Bedrock, and the model catalog. Errors: {Message, Code}.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )

    api.state.get_services = get_services

    @api.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return _error_response(exc)

    @api.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        problems = [f"{'.'.join(str(p)[:64] for p in e['loc'])}: {e['msg']}" for e in errors[:MAX_PROBLEMS]]
        if len(errors) > MAX_PROBLEMS:
            problems.append(f"… and {len(errors) - MAX_PROBLEMS:,} more")
        return JSONResponse(
            {
                "Message": "The request is not valid: " + "; ".join(problems[:5]),
                "Code": "ValidationError",
                "Problems": problems,
            },
            status_code=422,
        )

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:  # never a stack trace
        return JSONResponse({"Message": f"Internal error ({type(exc).__name__}).", "Code": "InternalError"}, 500)

    def view_of(s: Services, model: CustomModel) -> CustomModelOut:
        return _custom_out(model, s.catalog.get_model(model.id))

    # ---- custom models ----------------------------------------------------------------------
    @api.post("/custom-models", status_code=201, response_model=CustomModelOut, responses=ERRORS)
    def create_custom_model(body: CreateCustomModel, s: Svc, actor: Who) -> CustomModelOut:
        model = s.customization.create(
            NewCustomModel(
                name=body.ModelName,
                description=body.Description,
                base_model_id=body.BaseModelId,
                customization_type=body.ModelType,
                hyperparameters=body.HyperParameters,
            ),
            body.TrainingDataLocation,
            body.ValidationDataLocation,
            actor=actor,
        )
        return view_of(s, model)

    @api.get("/custom-models", response_model=CustomModelList)
    def list_custom_models(s: Svc, actor: Who) -> CustomModelList:
        return CustomModelList(CustomModels=[view_of(s, m) for m in s.customization.list()])

    @api.get("/custom-models/{model_id}", response_model=CustomModelOut, responses=ERRORS)
    def get_custom_model(model_id: str, s: Svc, actor: Who) -> CustomModelOut:
        try:
            model = s.customization.refresh(model_id)  # statuses are refreshed on view
        except ProviderUnavailable:
            model = s.customization.get(model_id)
        return view_of(s, model)

    @api.get(
        "/custom-models/{model_id}/download",
        responses=ERRORS | {200: {"content": {"application/octet-stream": {}}}},
        response_class=Response,
    )
    def download(model_id: str, s: Svc, actor: Who, type: Annotated[DownloadType, Query()]) -> Response:
        model = s.customization.get(model_id)
        if type is DownloadType.METRICS:
            run = s.metrics.load(model_id)
            if run.state is not MetricsState.READY:
                raise TransitionNotAllowed(run.message)
            data = s.metrics.metrics_zip(model_id)
            return Response(
                data,
                media_type="application/zip",
                headers={"Content-Disposition": f'attachment; filename="{model.name}-metrics.zip"'},
            )
        opener = s.metrics.data_opener(model_id, type.value)
        if opener is None:
            raise ModelNotFound(f"{model.name} has no {type.value} data.")
        name, open_stream = opener
        stream = open_stream()

        def chunks() -> Iterator[bytes]:
            with stream:
                while block := stream.read(1024 * 1024):
                    yield block

        return StreamingResponse(
            chunks(),
            media_type="application/jsonl",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @api.delete("/custom-models/{model_id}", status_code=204, response_class=Response, responses=ERRORS)
    def delete_custom_model(model_id: str, s: Svc, actor: Who) -> Response:
        s.customization.delete(model_id, actor=actor)
        return Response(status_code=204)

    @api.put("/custom-models/{model_id}/throughput", status_code=202, response_model=CustomModelOut, responses=ERRORS)
    def provision(model_id: str, body: ProvisionThroughput, s: Svc, actor: Who) -> CustomModelOut:
        return view_of(s, s.customization.provision_throughput(model_id, body.ModelUnits, actor=actor))

    @api.delete(
        "/custom-models/{model_id}/throughput", status_code=202, response_model=CustomModelOut, responses=ERRORS
    )
    def remove_throughput(model_id: str, s: Svc, actor: Who) -> CustomModelOut:
        return view_of(s, s.customization.remove_throughput(model_id, actor=actor))

    # ---- the catalog -------------------------------------------------------------------------
    @api.get("/models", response_model=ModelList)
    async def list_models(  # async: served from the catalog's read model, no thread hop
        s: Svc,
        actor: Who,
        search: Annotated[str, Query(max_length=200)] = "",
        provider: Annotated[list[Provider] | None, Query()] = None,
        vendor: Annotated[list[str] | None, Query()] = None,
        type: Annotated[list[ModelType] | None, Query()] = None,
        status: Annotated[list[Status] | None, Query()] = None,
        trait: Annotated[list[str] | None, Query()] = None,
    ) -> ModelList:
        flt = ModelFilter(
            search=search,
            providers=frozenset(provider or ()),
            vendors=frozenset(vendor or ()),
            model_types=frozenset(type or ()),
            statuses=frozenset(status or ()),
            traits=frozenset(trait or ()),
        )
        return ModelList(Models=[_model_out(v) for v in s.catalog.list_models(flt)])

    @api.post("/models/sync", response_model=SyncOut)
    def sync(s: Svc, actor: Who) -> SyncOut:
        report = s.catalog.sync(actor=actor)
        return SyncOut(
            Runs=[
                SyncRunOut(
                    Provider=r.provider.value,
                    Outcome=r.outcome.value,
                    Message=r.message,
                    Added=list(r.added),
                    Updated=list(r.updated),
                    Gone=list(r.gone),
                )
                for r in report.runs
            ]
        )

    @api.post("/models/{model_id}/enable", response_model=ModelOut, responses=ERRORS)
    def enable(model_id: str, s: Svc, actor: Who) -> ModelOut:
        return _model_out(s.catalog.enable(model_id, actor=actor))

    @api.post("/models/{model_id}/disable", response_model=ModelOut, responses=ERRORS)
    def disable(model_id: str, s: Svc, actor: Who) -> ModelOut:
        return _model_out(s.catalog.disable(model_id, actor=actor))

    return api
