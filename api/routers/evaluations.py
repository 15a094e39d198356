"""Evaluations of a custom model against its base (services/evaluation/service.py).

- POST /api/custom-models/{id}/evaluations: start one (202 {"Id"}); .../estimate: what it would cost
  and take, without starting; GET lists a model's evaluations.
- GET /api/evaluations/{id}: status, progress, estimate, summary; .../results: per record (JSON, or
  CSV with ?format=csv; ?verdict=win|tie|loss); POST .../cancel.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field

from api.deps import Svc, Who
from api.errors import ERRORS
from api.schemas import Pascal
from services.bootstrap import Services
from services.domain.evaluations import Evaluation, EvaluationResult
from services.evaluation.metrics import METRICS
from services.evaluation.records import NewEvaluation, csv_name, results_csv

router = APIRouter(tags=["evaluations"])
Metric = Literal["exact_match", "token_f1", "rouge_l"]
ALL_METRICS: tuple[Metric, ...] = ("exact_match", "token_f1", "rouge_l")
assert set(ALL_METRICS) == set(METRICS)  # one list of metrics: services/evaluation/metrics.py


class StartEvaluation(Pascal):
    DatasetLocation: str | None = Field(None, max_length=1024, description="s3:// URI; default: the validation data")
    Metrics: list[Metric] = Field(default_factory=lambda: list(ALL_METRICS), min_length=1, max_length=len(METRICS))
    JudgeModelId: str | None = Field(None, max_length=400, description="an enabled model that judges both answers")
    AgainstModelId: str | None = Field(
        None, max_length=400, description="compare with this enabled custom model of the same base instead of the base"
    )
    MaxRecords: int = Field(200, ge=1, le=100_000)
    Concurrency: int = Field(4, ge=1, le=32)
    MaxTokens: int = Field(512, ge=1, le=4096)
    Temperature: float = Field(0.0, ge=0.0, le=1.0)
    Engine: Literal["online", "batch"] = Field(
        "online", description="batch: the models Bedrock batches answer in batch jobs at half the on-demand price"
    )

    def request(self, model_id: str) -> NewEvaluation:
        return NewEvaluation(
            custom_model_id=model_id,
            dataset_uri=self.DatasetLocation,
            metrics=tuple(self.Metrics),
            judge_model_id=self.JudgeModelId,
            against_model_id=self.AgainstModelId,
            max_records=self.MaxRecords,
            concurrency=self.Concurrency,
            max_tokens=self.MaxTokens,
            temperature=self.Temperature,
            engine=self.Engine,
        )


class Started(BaseModel):
    Id: str
    Status: str
    Estimate: dict[str, Any]


class Progress(BaseModel):
    Done: int
    Total: int


class EvaluationOut(BaseModel):
    Id: str
    CustomModelId: str
    CustomModelName: str
    BaseModelId: str
    BaseModelName: str
    DatasetLocation: str
    Metrics: list[str]
    JudgeModelId: str | None
    Engine: str = "online"
    BatchJobs: dict[str, Any] | None = None  # per batched model: its batch job (Arn, Output, Region)
    Status: str
    Progress: Progress
    Estimate: dict[str, Any]
    Summary: dict[str, Any]
    Error: str | None
    CreatedBy: str
    CreatedAt: datetime
    StartedAt: datetime | None
    FinishedAt: datetime | None


class EvaluationList(BaseModel):
    Evaluations: list[EvaluationOut]


class ResultOut(BaseModel):
    Record: int
    Prompt: str
    Reference: str
    CustomOutput: str
    BaseOutput: str
    Scores: dict[str, dict[str, float]]
    Verdict: str | None
    JudgeNote: str
    Cost: float | None
    Error: str | None
    Simulated: bool


class ResultList(BaseModel):
    EvaluationId: str
    Results: list[ResultOut]


def evaluation_out(s: Services, e: Evaluation) -> EvaluationOut:
    return EvaluationOut(
        Id=e.id,
        CustomModelId=e.custom_model_id,
        CustomModelName=e.custom_name,
        BaseModelId=e.base_model_id,
        BaseModelName=e.base_name,
        DatasetLocation=e.dataset_uri,
        Metrics=list(e.metrics),
        Engine=e.engine,
        BatchJobs=e.batch_jobs,
        JudgeModelId=e.judge_model_id,
        Status=e.status.value,
        Progress=Progress(Done=s.evaluations.progress(e), Total=e.total),
        Estimate=e.estimate,
        Summary=s.evaluations.summary(e),
        Error=e.error,
        CreatedBy=e.created_by,
        CreatedAt=e.created_at,
        StartedAt=e.started_at,
        FinishedAt=e.finished_at,
    )


def result_out(r: EvaluationResult) -> ResultOut:
    return ResultOut(
        Record=r.index,
        Prompt=r.prompt,
        Reference=r.reference,
        CustomOutput=r.custom_output,
        BaseOutput=r.base_output,
        Scores={m: {"Custom": c, "Base": b} for m, (c, b) in r.scores.items()},
        Verdict=r.verdict,
        JudgeNote=r.judge_note,
        Cost=r.cost,
        Error=r.error,
        Simulated=r.simulated,
    )


@router.post("/custom-models/{model_id}/evaluations", status_code=202, response_model=Started, responses=ERRORS)
def start_evaluation(model_id: str, body: StartEvaluation, s: Svc, actor: Who) -> Started:
    started = s.evaluations.start(body.request(model_id), actor)
    return Started(Id=started.id, Status=started.status.value, Estimate=started.estimate)


@router.post("/custom-models/{model_id}/evaluations/estimate", responses=ERRORS)
def estimate_evaluation(model_id: str, body: StartEvaluation, s: Svc, actor: Who) -> dict[str, Any]:
    return s.evaluations.estimate(body.request(model_id), actor).as_dict()


@router.get("/custom-models/{model_id}/evaluations", response_model=EvaluationList, responses=ERRORS)
def list_evaluations(model_id: str, s: Svc, actor: Who) -> EvaluationList:
    s.customization.get(model_id)  # 404 for a model that does not exist
    return EvaluationList(Evaluations=[evaluation_out(s, e) for e in s.evaluations.list_for(model_id)])


@router.get("/evaluations/{evaluation_id}", response_model=EvaluationOut, responses=ERRORS)
def get_evaluation(evaluation_id: str, s: Svc, actor: Who) -> EvaluationOut:
    return evaluation_out(s, s.evaluations.get(evaluation_id))


@router.get("/evaluations/{evaluation_id}/results", response_model=ResultList, responses=ERRORS)
def evaluation_results(
    evaluation_id: str,
    s: Svc,
    actor: Who,
    verdict: Annotated[Literal["win", "tie", "loss"] | None, Query()] = None,
    format: Annotated[Literal["json", "csv"], Query()] = "json",
) -> Any:
    evaluation = s.evaluations.get(evaluation_id)
    results = [r for r in s.evaluations.results(evaluation_id) if verdict is None or r.verdict == verdict]
    if format == "csv":
        return Response(
            results_csv(results, evaluation.metrics),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{csv_name(evaluation)}"'},
        )
    return ResultList(EvaluationId=evaluation_id, Results=[result_out(r) for r in results])


@router.post("/evaluations/{evaluation_id}/cancel", response_model=EvaluationOut, responses=ERRORS)
def cancel_evaluation(evaluation_id: str, s: Svc, actor: Who) -> EvaluationOut:
    return evaluation_out(s, s.evaluations.cancel(evaluation_id, actor))
