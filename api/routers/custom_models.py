"""/api/custom-models: create, list, read, download, delete, throughput."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse
from pydantic import Field

from api.deps import Call, Svc, Who
from api.errors import ERRORS
from api.schemas import (
    CreateCustomModel,
    CustomModelList,
    CustomModelOut,
    DataCheckOut,
    DownloadType,
    GraderTest,
    GraderTestOut,
    GraderTestRow,
    Pascal,
    ProvisionThroughput,
    custom_out,
    pascal,
)
from services.bootstrap import Services
from services.customization import NewCustomModel
from services.customization.lineage import lineage
from services.customization.metrics import MetricsState
from services.domain.custom import CustomModel
from services.domain.errors import (
    ModelNotFound,
    TransitionNotAllowed,
)
from services.domain.generations import CATALOG

router = APIRouter(tags=["custom models"])


def view_of(s: Services, model: CustomModel) -> CustomModelOut:
    return custom_out(model, s.catalog.get_model(model.id), s.customization.lineage(model))


def _request(body: CreateCustomModel) -> NewCustomModel:
    return NewCustomModel(
        name=body.ModelName,
        description=body.Description,
        base_model_id=body.BaseModelId,
        customization_type=body.ModelType,
        hyperparameters=body.HyperParameters,
        region=body.Region,
        options=body.CustomizationConfig,
        invocation_logs=body.TrainingDataSource.InvocationLogs if body.TrainingDataSource else None,
    )


@router.post("/custom-models", status_code=201, response_model=CustomModelOut, responses=ERRORS)
def create_custom_model(body: CreateCustomModel, s: Svc, actor: Who) -> CustomModelOut:
    model = s.customization.create(_request(body), body.TrainingDataLocation, body.ValidationDataLocation, actor=actor)
    return view_of(s, model)


@router.post("/data-checks", response_model=DataCheckOut, responses=ERRORS)
def check_data(body: CreateCustomModel, s: Svc, actor: Who) -> DataCheckOut:
    """Check data: the whole request as Create checks it (name included), nothing created. Problems
    are what Create would refuse; warnings (repeated records, validation records copied from training,
    empty prompts) are said with their lines and do not stop Create."""
    check = s.customization.check_whole(_request(body), body.TrainingDataLocation, body.ValidationDataLocation)[2]
    return DataCheckOut(
        Ok=check.ok, Problems=list(check.problems), Warnings=list(check.warnings), DataSummary=pascal(check.summary())
    )


@router.post("/grader-tests", response_model=GraderTestOut, responses=ERRORS)
def test_grader(body: GraderTest, s: Svc, actor: Who) -> GraderTestOut:
    """Test grader (reinforcement fine-tuning): the grader's rewards for the first records of the training data
    with a candidate answer (default: each record's reference answer). Nothing is created or paid for."""
    trial = s.customization.test_grader(
        body.CustomizationConfig, body.TrainingDataLocation, body.CandidateAnswer, body.Records
    )
    return GraderTestOut(
        Grader=trial.grader,
        MeanReward=trial.mean,
        Results=[GraderTestRow(Line=r.line, Prompt=r.prompt, Answer=r.answer, Reward=r.reward) for r in trial.rows],
    )


@router.get("/custom-models", response_model=CustomModelList)
async def list_custom_models(call: Call) -> Response:
    """Every custom model with its light, all as of one catalog revision (read once: no query per model)."""

    s, generations = call.services, call.generations

    def render() -> CustomModelList:
        models = s.customization.list_at(generations)
        by_id = {m.id: m for m in models}
        return CustomModelList(
            CustomModels=[custom_out(m, s.catalog.view_at(m.id, generations), lineage(m, by_id.get)) for m in models]
        )

    return call.rendered().json(generations[CATALOG], "custom-models", render)


@router.get("/custom-models/{model_id}", response_model=CustomModelOut, responses=ERRORS)
def get_custom_model(model_id: str, s: Svc, actor: Who) -> CustomModelOut:
    view = s.customization.view(model_id)  # refreshed on view; the last known state if Bedrock cannot answer
    return custom_out(view.model, view.row, s.customization.lineage(view.model))


@router.get(
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


@router.delete("/custom-models/{model_id}", status_code=204, response_class=Response, responses=ERRORS)
def delete_custom_model(model_id: str, s: Svc, actor: Who) -> Response:
    s.customization.delete(model_id, actor=actor)
    return Response(status_code=204)


@router.post("/custom-models/{model_id}/stop", status_code=202, response_model=CustomModelOut, responses=ERRORS)
def stop_job(model_id: str, s: Svc, actor: Who) -> CustomModelOut:
    """Stop a running job (Bedrock StopModelCustomizationJob): 409 with the reason when it is not running."""
    return view_of(s, s.customization.stop(model_id, actor=actor))


@router.put("/custom-models/{model_id}/throughput", status_code=202, response_model=CustomModelOut, responses=ERRORS)
def provision(model_id: str, body: ProvisionThroughput, s: Svc, actor: Who) -> CustomModelOut:
    return view_of(
        s,
        s.customization.provision_throughput(
            model_id, body.ModelUnits, actor=actor, commitment=body.CommitmentDuration
        ),
    )


class CopyTo(Pascal):
    Region: str = Field(max_length=32, description="A configured region AWS copies custom models of its base to")


@router.post("/custom-models/{model_id}/copies", status_code=202, response_model=CustomModelOut, responses=ERRORS)
def copy_model(model_id: str, body: CopyTo, s: Svc, actor: Who) -> CustomModelOut:
    """Copy a completed custom model to another region: a custom model of its own there, followed like a job."""
    return view_of(s, s.customization.copy(model_id, body.Region, actor=actor))


class ImportModel(Pascal):
    ModelName: str = Field(max_length=63, description="The imported model's name (Bedrock's ImportedModelName)")
    ModelDataLocation: str | None = Field(
        None,
        max_length=1024,
        description="s3:// folder of Hugging Face weights (config.json, tokenizer files, "
        ".safetensors), or of a SageMaker-trained Nova model's artifacts (with BaseModelId)",
    )
    BaseModelId: str | None = Field(
        None, max_length=400, description="A Nova base: register a SageMaker AI-trained Nova model (CreateCustomModel)"
    )
    ModelPackageArn: str | None = Field(
        None, max_length=2048, description="Its SageMaker model package (with BaseModelId)"
    )
    Region: str | None = Field(default=None, max_length=32, description="A configured region (default: preferred)")


@router.post("/imported-models", status_code=202, response_model=CustomModelOut, responses=ERRORS)
def import_model(body: ImportModel, s: Svc, actor: Who) -> CustomModelOut:
    """Import open weights from an S3 folder (CreateModelImportJob): the folder is checked first (a refusal names the
    file); the imported model is a custom model of type IMPORTED, followed like a job, then served on demand."""
    model = s.customization.imports.bring(
        body.ModelName, location=body.ModelDataLocation, package=body.ModelPackageArn, base_model_id=body.BaseModelId,
        actor=actor, region=body.Region,
    )  # fmt: skip
    return view_of(s, model)


@router.delete("/custom-models/{model_id}/throughput", status_code=202, response_model=CustomModelOut, responses=ERRORS)
def remove_throughput(model_id: str, s: Svc, actor: Who) -> CustomModelOut:
    return view_of(s, s.customization.remove_throughput(model_id, actor=actor))


@router.put("/custom-models/{model_id}/deployment", status_code=202, response_model=CustomModelOut, responses=ERRORS)
def deploy(model_id: str, s: Svc, actor: Who) -> CustomModelOut:
    """On-demand deployment (custom Nova models): billed per token, no idle charge; 409 with the reason
    when Bedrock cannot serve this model on demand."""
    return view_of(s, s.customization.deploy(model_id, actor=actor))


@router.delete("/custom-models/{model_id}/deployment", status_code=202, response_model=CustomModelOut, responses=ERRORS)
def remove_deployment(model_id: str, s: Svc, actor: Who) -> CustomModelOut:
    return view_of(s, s.customization.remove_deployment(model_id, actor=actor))
