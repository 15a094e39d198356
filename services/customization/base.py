"""The base of the customization service: collaborators, audit events, versioned writes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from services.customization.common import Clock, CustomizationConfig, NewCustomModel, _state
from services.customization.methods import FINE_TUNING, method_for
from services.domain.custom import CustomModel, JobStatus
from services.domain.errors import ConcurrentUpdate, ModelNotFound, ProviderError, ProviderRejected
from services.domain.generations import CATALOG, Generations, Kept
from services.domain.identity import Actor
from services.domain.invocation_logs import logs_of
from services.domain.models import ModelRecord
from services.domain.records import AuditEvent
from services.notices.events import event_for
from services.ports import CatalogStore, CustomizationBackend, CustomModelStore, ObjectStore


@dataclass(frozen=True)
class Collaborators:
    """What every part of the customization service works with, built once by the facade."""

    catalog: CatalogStore
    store: CustomModelStore
    objects: ObjectStore
    backend: CustomizationBackend | Mapping[str, CustomizationBackend]
    config: CustomizationConfig
    clock: Clock = lambda: datetime.now(UTC)


def _logs_api(config: dict[str, Any] | None) -> dict[str, Any] | None:
    logs = logs_of(config)
    return logs.api() if logs is not None else None


class KeptCustomModels:
    """Every custom model in memory, read again once the catalog's revision (which each write to one moves
    on) passes the one they were read at: the gateway reads a custom model on every call to it."""

    def __init__(self, store: CustomModelStore) -> None:
        self._store = store
        self._kept = Kept(self._load, self._refresh)

    def _load(self) -> dict[str, CustomModel]:
        return {m.id: m for m in self._store.list_custom()}

    def _refresh(self, kept: dict[str, CustomModel], revision: int) -> dict[str, CustomModel]:
        """The records kept at ``revision`` brought up to date with those written since (a write to any model
        moves the revision on: the rest are not read again); read whole again when one was deleted meanwhile."""
        changed, total = self._store.custom_changed_since(revision)
        by_id = kept | {m.id: m for m in changed}
        if len(by_id) != total:
            return self._load()
        return dict(sorted(by_id.items(), key=lambda item: item[1].created_at))  # as list_custom: oldest first

    def get_at(self, model_id: str, generations: Generations) -> CustomModel:
        model = self._kept.at(generations[CATALOG]).get(model_id)
        if model is None:
            raise ModelNotFound(f"No custom model with id {model_id!r}.")
        return model

    def list_at(self, generations: Generations) -> list[CustomModel]:
        return list(self._kept.at(generations[CATALOG]).values())


class ServiceBase:
    """What every part of the customization service shares: its collaborators, the audit
    event builder, and the one way a custom model is written (with its audit event). Each part
    (checks, submissions, lifecycle, reconciliation, adoption) is one of these; the facade in
    ``__init__`` composes them."""

    def __init__(self, parts: Collaborators) -> None:
        self._catalog = parts.catalog
        self._store = parts.store
        self._objects = parts.objects
        # One control plane per region (each adapter holds that region's client); a single one
        # serves every region (the local control plane, a test's fake).
        backend = parts.backend
        self._backends: Mapping[str, CustomizationBackend] | None = backend if isinstance(backend, Mapping) else None
        self._single = None if isinstance(backend, Mapping) else backend
        self._config = parts.config
        self._clock = parts.clock

    def _backend(self, region: str) -> CustomizationBackend:
        """The control plane of ``region``: every call about a model goes to the region it lives in."""
        if self._single is not None:
            return self._single
        assert self._backends is not None
        backend = self._backends.get(region or self._config.region)
        if backend is None:
            raise ProviderRejected(
                f"Region {region} is not configured (STUDIO_AWS_REGIONS: {', '.join(self._backends)}); "
                "add it to reach this model."
            )
        return backend

    def _event(
        self, actor: Actor, action: str, model: CustomModel, before: str | None, after: str | None, detail: str = ""
    ) -> AuditEvent:
        return AuditEvent(
            at=self._clock(),
            actor_id=actor.id,
            actor_name=actor.name,
            action=action,
            model_id=model.id,
            model_name=model.name,
            before=before,
            after=after,
            request_id=actor.request_id,
            detail=detail,
        )

    def _update(
        self,
        model: CustomModel,
        changes: dict[str, object],
        *,
        actor: Actor,
        action: str,
        detail: str = "",
        closed_throughput: tuple[int, datetime, datetime, str | None] | None = None,
    ) -> CustomModel:
        """Write ``changes`` and, in the same transaction, the audit event that says so."""
        after = model.model_copy(update={k: v for k, v in changes.items() if k in CustomModel.model_fields})
        event = self._event(actor, action, model, _state(model), _state(after), detail)
        event = event.model_copy(update={"notice": event_for(model, after)})
        return self._store.update_custom(
            model.id,
            model.version,
            changes | {"updated_at": self._clock()},
            closed_throughput=closed_throughput,
            audit=[event],
        )

    def _made_at_bedrock(
        self, model: CustomModel, base: ModelRecord, actor: Actor, verb: str, detail: str, started: str,
        ask: Callable[[], str],
    ) -> CustomModel:  # fmt: skip
        """A model Bedrock makes without training here (a copy, an import, a registration): recorded first (audited
        ``verb``), then ``ask`` Bedrock for it; nothing is left when Bedrock refuses (``{verb}-refused``); followed
        from then on by the ARN it answers with (``{verb}-started``)."""
        self._store.insert_custom(
            model, base, model.region, audit=[self._event(actor, verb, model, None, _state(model), detail)]
        )
        try:
            arn = ask()
        except ProviderError as exc:
            refused = self._event(actor, f"{verb}-refused", model, _state(model), None, str(exc))
            self._store.delete_custom(model.id, model.version, audit=[refused])
            raise
        return self._update(
            self.get(model.id), {"job_arn": arn, "job_status": JobStatus.IN_PROGRESS}, actor=actor,
            action=f"{verb}-started", detail=started,
        )  # fmt: skip

    def _rewritten(self, model_id: str, write: Callable[[CustomModel], CustomModel], gave_up: str) -> CustomModel:
        """``write`` to the model as it is now, read again and written again when a refresh (the
        reconciler, another replica) wrote it meanwhile: for changes that stand whatever it wrote."""
        for _ in range(5):
            try:
                return write(self.get(model_id))
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate(gave_up)

    def get(self, model_id: str) -> CustomModel:
        model = self._store.get_custom(model_id)
        if model is None:
            raise ModelNotFound(f"No custom model with id {model_id!r}.")
        return model

    def list(self) -> list[CustomModel]:
        return self._store.list_custom()

    def rerun_request(self, model_id: str, further: bool = False) -> tuple[NewCustomModel, str, str | None]:
        """A new run from an existing one, the way engineers iterate: the same base model (the model it was
        tuned further from, if it was), region, hyperparameters and data (the S3 copies the first run used),
        under the next free name ("bot" -> "bot-2", "bot-2" -> "bot-3"); ``further``: from this model's own
        weights instead (supervised fine-tuning). Returns (request, training URI, validation URI)."""
        model = self.get(model_id)
        stem, _, number = model.name.rpartition("-")
        if not (stem and number.isdigit()):
            stem, number = model.name, "1"
        n = int(number) + 1
        while True:
            suffix = f"-{n}"
            name = stem[: 63 - len(suffix)].rstrip("-_") + suffix
            if not self._store.name_taken(name):
                break
            n += 1
        method = "FINE_TUNING" if further else model.customization_type
        request = NewCustomModel(
            name=name,
            description=model.description,
            base_model_id=model.id if further else (model.parent_model_id or model.base_model_id),
            customization_type=method,
            hyperparameters=dict(model.hyperparameters) if method == model.customization_type else {},
            region=model.region or None,
            options=None
            if further
            else (method_for(model.customization_type) or FINE_TUNING).options_of(model.customization_config),
            invocation_logs=None if further else _logs_api(model.training_logs),
        )
        return request, model.training_uri, model.validation_uri
