"""Notices, who wants which, and their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class Notice(BaseModel):
    """An event worth telling someone about, from the outbox (written with the change that made it)."""

    model_config = ConfigDict(frozen=True)

    id: str  # stable: receivers drop repeats by it
    event: str  # job.completed, throughput.in_service, ...
    model_id: str | None
    model_name: str | None
    status: str | None  # the model's state after the change
    at: datetime
    detail: str = ""
    actor_id: str = ""


class NoticePrefs(BaseModel):
    """Which notices someone gets (in the app and by e-mail), and when they last read the bell."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    events: tuple[str, ...] | None = None  # None: every event
    scope: Literal["own", "all"] = "own"  # own: about the models they created; all: every model (admins)
    email: bool = True
    seen_at: datetime | None = None  # the newest notice they have seen in the bell


class Delivery(BaseModel):
    """One notice to one receiver (a webhook URL, an e-mail address): its state and the last answer."""

    model_config = ConfigDict(frozen=True)

    notice_id: str
    receiver: str
    state: Literal["pending", "retrying", "sent", "failed"]
    attempts: int = 0
    next_at: datetime
    answer: str = ""
    updated_at: datetime
