"""Notices, idle throughput and the monthly budget (services/notices/subscriptions.py, services/costs/idle.py,
services/costs/budget.py).

- GET /api/notices: the caller's notices (as the bell shows them) and how many are unread;
  POST /api/notices/read marks them read (up to ``Upto``, default the newest).
- GET/PUT /api/notices/preferences: which events, about whose models, and whether by e-mail.
- GET /api/idle: every InService throughput and Active deployment, how long idle, what it cost idle.
- PUT /api/custom-models/{id}/idle-guard: a model's own idle guard ({"IdleGuardHours": 6}, 0 never,
  null the team's setting).
- GET /api/costs/month: this month's spend against STUDIO_MONTHLY_BUDGET.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter
from pydantic import AwareDatetime, BaseModel, Field

from api.deps import Svc, Who
from api.errors import ERRORS
from api.routers.custom_models import view_of
from api.schemas import CustomModelOut, Pascal
from services.domain.notices import Notice, NoticePrefs
from services.notices.events import EVENTS

router = APIRouter(tags=["notices"])


class NoticeOut(BaseModel):
    Id: str
    Event: str
    ModelId: str | None
    ModelName: str | None
    Status: str | None
    At: datetime
    Detail: str
    Unread: bool


class NoticeList(BaseModel):
    Notices: list[NoticeOut]
    Unread: int


class MarkRead(Pascal):
    Upto: AwareDatetime | None = Field(None, description="with its time zone, e.g. 2026-12-04T10:00:00Z")


class Preferences(Pascal):
    Events: list[str] | None = Field(None, max_length=len(EVENTS), description="null: every event")
    Scope: Literal["own", "all"] = Field("own", description="own: the models you created; all (admins): every model")
    Email: bool = True


class IdleOut(BaseModel):
    ModelId: str
    ModelName: str
    Kind: str
    IdleSince: datetime
    IdleHours: float
    IdleCost: float | None
    WarnedAt: datetime | None
    GuardHours: float | None


class IdleList(BaseModel):
    Idle: list[IdleOut]
    IdleCost: float  # the known part


class IdleGuard(Pascal):
    IdleGuardHours: float | None = Field(..., description="hours idle before removal; 0: never; null: the team's")


class MonthOut(BaseModel):
    Month: str
    Spent: float
    Calls: float
    Unpriced: list[str]
    Budget: float | None
    Share: float | None


def _out(n: Notice, unread: list[Notice]) -> NoticeOut:
    return NoticeOut(
        Id=n.id, Event=n.event, ModelId=n.model_id, ModelName=n.model_name, Status=n.status, At=n.at,
        Detail=n.detail, Unread=n in unread,
    )  # fmt: skip


def _prefs(p: NoticePrefs) -> Preferences:
    return Preferences(Events=None if p.events is None else list(p.events), Scope=p.scope, Email=p.email)


@router.get("/notices", response_model=NoticeList)
def list_notices(s: Svc, actor: Who, limit: int = 50) -> NoticeList:
    notices, unread = s.subscriptions.unread(actor, limit=max(1, min(limit, 500)))
    return NoticeList(Notices=[_out(n, unread) for n in notices], Unread=len(unread))


@router.post("/notices/read", response_model=NoticeList)
def mark_read(body: MarkRead, s: Svc, actor: Who) -> NoticeList:
    upto = body.Upto or max((n.at for n in s.subscriptions.notices_for(actor)), default=None)
    if upto is not None:
        s.subscriptions.mark_read(actor, upto)
    notices, unread = s.subscriptions.unread(actor)
    return NoticeList(Notices=[_out(n, unread) for n in notices], Unread=len(unread))


@router.get("/notices/preferences", response_model=Preferences)
def get_preferences(s: Svc, actor: Who) -> Preferences:
    return _prefs(s.subscriptions.prefs_for(actor.id, actor.is_admin))


@router.put("/notices/preferences", response_model=Preferences, responses=ERRORS)
def put_preferences(body: Preferences, s: Svc, actor: Who) -> Preferences:
    return _prefs(s.subscriptions.choose(actor, events=body.Events, scope=body.Scope, email=body.Email))


@router.get("/idle", response_model=IdleList)
def idle(s: Svc, actor: Who) -> IdleList:
    found = s.idle.shown()
    return IdleList(
        Idle=[
            IdleOut(
                ModelId=i.model_id, ModelName=i.name, Kind=i.kind, IdleSince=i.idle_since, IdleHours=i.idle_hours,
                IdleCost=i.idle_cost, WarnedAt=i.warned_at, GuardHours=i.guard_hours,
            )
            for i in found
        ],
        IdleCost=sum(i.idle_cost or 0.0 for i in found),
    )  # fmt: skip


@router.put("/custom-models/{model_id}/idle-guard", response_model=CustomModelOut, responses=ERRORS)
def set_idle_guard(model_id: str, body: IdleGuard, s: Svc, actor: Who) -> CustomModelOut:
    return view_of(s, s.idle.set_guard(model_id, body.IdleGuardHours, actor=actor))


@router.get("/costs/month", response_model=MonthOut)
def month(s: Svc, actor: Who) -> MonthOut:
    spend = s.costs.month_spend()
    return MonthOut(
        Month=spend.month, Spent=round(spend.spent, 6), Calls=round(spend.calls, 6), Unpriced=list(spend.unpriced),
        Budget=s.budget.budget, Share=s.budget.share(spend),
    )  # fmt: skip
