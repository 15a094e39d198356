"""/api/models: the catalog, sync, enable and disable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.deps import Call, Svc, Who
from api.errors import ERRORS
from api.schemas import ModelList, ModelOut, SyncOut, SyncRunOut, model_out
from services.domain.generations import CATALOG
from services.domain.models import ModelFilter, ModelType, Provider, Status

router = APIRouter(tags=["models"])


@router.get("/models", response_model=ModelList)
async def list_models(  # async: served from memory kept per catalog revision, no thread hop
    request: Request,
    call: Call,
    search: Annotated[str, Query(max_length=200)] = "",
    provider: Annotated[list[Provider] | None, Query()] = None,
    vendor: Annotated[list[str] | None, Query()] = None,
    type: Annotated[list[ModelType] | None, Query()] = None,
    status: Annotated[list[Status] | None, Query()] = None,
    trait: Annotated[list[str] | None, Query()] = None,
) -> Response:
    flt = ModelFilter(
        search=search,
        providers=frozenset(provider or ()),
        vendors=frozenset(vendor or ()),
        model_types=frozenset(type or ()),
        statuses=frozenset(status or ()),
        traits=frozenset(trait or ()),
    )
    generations = call.generations
    return call.rendered().listing(  # the same JSON as ModelList(Models=[model_out(v) ...]), one model at a time
        generations[CATALOG],
        ("models", request.scope["query_string"]),
        "Models",
        lambda: ((v.id, v) for v in call.services.catalog.list_at(generations, flt)),
        model_out,
    )


@router.post("/models/sync", response_model=SyncOut)
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
        ],
        Notes=list(report.notes),
    )


@router.post("/models/{model_id}/enable", response_model=ModelOut, responses=ERRORS)
def enable(model_id: str, s: Svc, actor: Who) -> ModelOut:
    return model_out(s.catalog.enable(model_id, actor=actor))


@router.post("/models/{model_id}/disable", response_model=ModelOut, responses=ERRORS)
def disable(model_id: str, s: Svc, actor: Who) -> ModelOut:
    return model_out(s.catalog.disable(model_id, actor=actor))
