"""What is kept besides models: the audit trail, prices quoted, set and refreshed, API tokens."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class PriceQuote(BaseModel):
    """One price the AWS Price List API publishes for a customization component."""

    model_config = ConfigDict(frozen=True)

    model: str
    component: str
    price: float
    unit: str
    description: str
    model_prefix: str | None = None  # the base model it is for, when its usage type names one


class AuditEvent(BaseModel):
    """One state change: who, when, what, status before and after, and the request it came from."""

    model_config = ConfigDict(frozen=True)

    at: datetime
    actor_id: str
    actor_name: str
    action: str  # enable, disable, sync, create, stop, provision-throughput, remove-throughput, delete, ...
    model_id: str | None = None
    model_name: str | None = None
    before: str | None = None
    after: str | None = None
    request_id: str = ""
    detail: str = ""
    notice: str | None = None  # the event to tell people about (services/notices/events.py), written with it


class SetPrice(BaseModel):
    """A price an admin set on the Costs page (for a price AWS publishes nowhere Model Studio reads),
    stored for every replica, with who set it and the source they gave."""

    model_config = ConfigDict(frozen=True)

    model_prefix: str  # the base model id (or the catalog entry's prefix it belongs to)
    region: str
    component: str  # training | storage_month | inference_no_commit | inference_1_month | ... | on_demand_output
    price: float
    source: str
    set_by: str
    set_at: datetime


class RefreshedPrice(BaseModel):
    """A price refreshed from the AWS Price List API, stored for every replica."""

    model_config = ConfigDict(frozen=True)

    model_prefix: str
    component: str  # training | storage_month | inference_no_commit
    price: float
    source: str
    fetched_at: datetime
    region: str = ""  # where it applies ("": every region, as rows refreshed before regions were kept)


class ApiToken(BaseModel):
    """An API token as stored: never the token itself, only its SHA-256 hash."""

    model_config = ConfigDict(frozen=True)

    id: str
    token_hash: str
    user_id: str
    role: str
    name: str
    scopes: tuple[str, ...] | None = None  # what it may do (services/access/api_tokens.py: SCOPES); None: everything
    created_at: datetime
    revoked_at: datetime | None = None


# ---- calling a model (services/inference/service.py) ------------------------------------------------------
