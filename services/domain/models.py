"""The catalog's vocabulary: providers, model types, status lights, a model as a provider lists it
and as Model Studio keeps it, filters and sync runs. The other areas' types are beside it in domain/."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from services.domain.custom import DeploymentStatus, JobStatus, ThroughputStatus


class Provider(StrEnum):
    BEDROCK = "Amazon Bedrock"
    OPENAI = "OpenAI"

    @property
    def slug(self) -> str:
        return {"Amazon Bedrock": "bedrock", "OpenAI": "openai"}[self.value]


class ModelType(StrEnum):
    BASE = "Base"
    CUSTOM = "Custom"


class Status(StrEnum):
    GREEN = "GREEN"
    YELLOW = "YELLOW"
    RED = "RED"


class Lifecycle(StrEnum):
    ACTIVE = "ACTIVE"
    LEGACY = "LEGACY"


def make_model_id(provider: Provider, provider_model_id: str) -> str:
    """Our id for a base model: stable across syncs, unique across providers."""
    return f"{provider.slug}:{provider_model_id}"


class ProviderModel(BaseModel):
    """A base model as a provider describes it, normalised. What catalog adapters return."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    model_id: str = Field(min_length=1, max_length=2048)
    name: str = Field(min_length=1)
    vendor: str = Field(min_length=1)
    arn: str | None = None
    input_modalities: tuple[str, ...] = ()
    output_modalities: tuple[str, ...] = ()
    customizations: tuple[str, ...] = ()
    inference_types: tuple[str, ...] = ()
    streaming: bool | None = None
    chat: bool = False
    lifecycle: Lifecycle = Lifecycle.ACTIVE
    regions: tuple[str, ...] = ()
    provider_created: datetime | None = None

    @property
    def key(self) -> str:
        """Our id for this provider model (see make_model_id)."""
        return make_model_id(self.provider, self.model_id)

    def metadata_key(self) -> tuple[object, ...]:
        """What a sync compares to decide whether a stored model changed."""
        return (
            self.name,
            self.vendor,
            self.arn,
            self.input_modalities,
            self.output_modalities,
            self.customizations,
            self.inference_types,
            self.streaming,
            self.chat,
            self.lifecycle,
            self.regions,
            self.provider_created,
        )


class ModelRecord(ProviderModel):
    """A model as we store it: provider metadata plus our own flags."""

    id: str = Field(min_length=1)
    model_type: ModelType = ModelType.BASE
    enabled: bool = False
    available: bool = True
    first_seen: datetime
    updated_at: datetime
    unavailable_since: datetime | None = None
    version: int = 1
    # custom models only: what their status light is derived from
    job_status: JobStatus | None = None
    throughput_status: ThroughputStatus | None = None
    deployment_status: DeploymentStatus | None = None
    deployable: bool = False  # Bedrock serves it on demand (a custom Nova model, say)
    serves_itself: bool = False  # an imported model: served on demand by its own ARN once imported

    @property
    def label(self) -> str:
        """The name people see, the same on every page and in every session: a Bedrock variant with a
        context window in its id ("…:0:128k") says so, and that it is the fine-tunable one, served by
        provisioned throughput only; the model of the same name without it is the one served on demand."""
        match = _CONTEXT_WINDOW.search(self.model_id) if self.provider is Provider.BEDROCK else None
        if match is None or self.model_type is not ModelType.BASE:
            return self.name
        window = match.group(1).upper()
        return f"{self.name} ({window}, fine-tunable)" if self.customizations else f"{self.name} ({window})"


_CONTEXT_WINDOW = re.compile(r":(\d+(?:\.\d+)?[km])$", re.IGNORECASE)


class ModelView(BaseModel):
    """A stored model with what is derived from it: status, next action, traits."""

    model_config = ConfigDict(frozen=True)

    record: ModelRecord
    status: Status
    next_action: str
    traits: tuple[str, ...]

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def traits_label(self) -> str:
        return " · ".join(self.traits)


class CatalogChanges(BaseModel):
    """What changed in the catalog since a revision a reader already has."""

    model_config = ConfigDict(frozen=True)

    revision: int  # read before the changes, so applying them never skips a write
    changed: tuple[ModelView, ...]
    total: int  # how many models exist now (fewer than the reader holds: something was deleted)


class ModelFilter(BaseModel):
    """What the Models table is filtered by. Empty means 'any'."""

    model_config = ConfigDict(frozen=True)

    search: str = ""
    providers: frozenset[Provider] = frozenset()
    vendors: frozenset[str] = frozenset()
    model_types: frozenset[ModelType] = frozenset()
    statuses: frozenset[Status] = frozenset()
    traits: frozenset[str] = frozenset()  # a model must have every trait chosen


class SyncOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"
    BUNDLED = "bundled"  # filled from the bundled snapshot: not yet synced with the provider


class SyncRun(BaseModel):
    """What one sync did for one provider."""

    model_config = ConfigDict(frozen=True)

    provider: Provider
    started_at: datetime
    finished_at: datetime
    outcome: SyncOutcome
    message: str = ""
    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    seen: int = 0


class SyncReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    runs: tuple[SyncRun, ...]
    notes: tuple[str, ...] = ()  # e.g. custom models found at Bedrock that were made elsewhere

    @property
    def failed(self) -> tuple[SyncRun, ...]:
        return tuple(r for r in self.runs if r.outcome is SyncOutcome.FAILED)


class BulkResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    changed: tuple[str, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()  # (model id, reason)
