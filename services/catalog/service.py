"""The model catalog: listing, filtering, enable/disable and sync. Owns the rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime

from services.domain.actions import Action, decide, require, subject
from services.domain.errors import (
    ModelNotFound,
    ProviderError,
    TransitionNotAllowed,
)
from services.domain.generations import CATALOG, Generations, Kept
from services.domain.identity import Actor, require_admin
from services.domain.models import (
    BulkResult,
    CatalogChanges,
    Lifecycle,
    ModelFilter,
    ModelRecord,
    ModelView,
    Provider,
    ProviderModel,
    Status,
    SyncOutcome,
    SyncReport,
    SyncRun,
)
from services.domain.records import AuditEvent
from services.domain.status import derive_status
from services.domain.traits import derive_traits
from services.ports import CatalogSource, CatalogStore

Clock = Callable[[], datetime]

_NOT_CONFIGURED = {
    Provider.BEDROCK: "Amazon Bedrock is not configured.",
    Provider.OPENAI: "OpenAI is not configured: set STUDIO_OPENAI_API_KEY to sync its models.",
}


def _utcnow() -> datetime:
    return datetime.now(UTC)


def to_view(record: ModelRecord) -> ModelView:
    status, hint = derive_status(
        record.model_type,
        available=record.available,
        enabled=record.enabled,
        job_status=record.job_status,
        throughput_status=record.throughput_status,
        deployment_status=record.deployment_status,
        deployable=record.deployable,
        serves_itself=record.serves_itself,
        legacy=record.lifecycle is Lifecycle.LEGACY,
    )
    return ModelView(record=record, status=status, next_action=hint, traits=derive_traits(record))


def display_order(view: ModelView) -> tuple[str, str, str]:
    """The order models are listed in: by provider, then name (case-insensitive), then id."""
    return (view.record.provider.value, view.record.name.casefold(), view.id)


def filter_views(views: Iterable[ModelView], flt: ModelFilter) -> list[ModelView]:
    """Keep the views that match every part of the filter (case-insensitive name/id search)."""
    needle = flt.search.strip().lower()
    wanted_traits = flt.traits
    out = []
    for view in views:
        rec = view.record
        if needle and needle not in rec.name.lower() and needle not in rec.model_id.lower():
            continue
        if flt.providers and rec.provider not in flt.providers:
            continue
        if flt.vendors and rec.vendor not in flt.vendors:
            continue
        if flt.model_types and rec.model_type not in flt.model_types:
            continue
        if flt.statuses and view.status not in flt.statuses:
            continue
        if wanted_traits and not wanted_traits.issubset(view.traits):
            continue
        out.append(view)
    return out


class CatalogService:
    def __init__(
        self,
        store: CatalogStore,
        sources: Mapping[Provider, CatalogSource | None],
        clock: Clock = _utcnow,
        refresh_custom: Callable[[str], None] | None = None,
        after_sync: Callable[[Actor], list[str]] | None = None,
    ) -> None:
        self._store = store
        self._sources = dict(sources)
        self._clock = clock
        self._refresh_custom = refresh_custom
        self._after_sync = after_sync  # e.g. list the custom models made outside Model Studio
        # A read model: the views of the last revision read. Every call still asks the database
        # for the revision, so a change by any process is seen at once.
        self._views = Kept(self._load_views, self._refresh_views)

    def _load_views(self) -> tuple[tuple[ModelView, ...], dict[str, ModelView]]:
        views = tuple(sorted((to_view(r) for r in self._store.list_models()), key=display_order))
        return views, {v.id: v for v in views}

    def _refresh_views(
        self, kept: tuple[tuple[ModelView, ...], dict[str, ModelView]], revision: int
    ) -> tuple[tuple[ModelView, ...], dict[str, ModelView]]:
        """The views kept at ``revision`` brought up to date with the models written since (a write to one model
        no longer re-reads the whole catalog); read whole again when a model was deleted meanwhile."""
        changed, total = self._store.changed_since(revision)
        by_id = dict(kept[1]) | {r.id: to_view(r) for r in changed}
        if len(by_id) != total:  # a model is gone: what is kept has more than the store
            return self._load_views()
        return tuple(sorted(by_id.values(), key=display_order)), by_id

    # ---- reading -------------------------------------------------------------------------
    def generations(self) -> Generations:
        """Every area's generation in one read: what a call takes from memory is as new as this."""
        return self._store.generations()

    def list_models(self, flt: ModelFilter | None = None) -> list[ModelView]:
        views = self._views.at(self._store.revision())[0]
        return filter_views(views, flt) if flt else list(views)

    def list_at(self, generations: Generations, flt: ModelFilter | None = None) -> list[ModelView]:
        """The catalog as of ``generations`` (or newer), from memory: the REST list read."""
        views = self._views.at(generations[CATALOG])[0]
        return filter_views(views, flt) if flt else list(views)

    def view_at(self, model_id: str, generations: Generations) -> ModelView:
        """A model as of ``generations`` (or newer), from memory: the gateway's read of a model on every call."""
        view = self._views.at(generations[CATALOG])[1].get(model_id)
        if view is None:
            raise ModelNotFound(f"No model with id {model_id!r}.")
        return view

    def changes_since(self, revision: int) -> CatalogChanges:
        """For readers that keep a copy: the models changed after ``revision``."""
        current = self._store.revision()
        records, total = self._store.changed_since(revision)
        return CatalogChanges(revision=current, changed=tuple(to_view(r) for r in records), total=total)

    def get_model(self, model_id: str) -> ModelView:
        record = self._store.get_model(model_id)
        if record is None:
            raise ModelNotFound(f"No model with id {model_id!r}.")
        return to_view(record)

    def require_enabled(self, model_id: str) -> ModelView:
        """For the rest of the platform: only GREEN (enabled) models may be used."""
        view = self.get_model(model_id)
        if view.status is not Status.GREEN:
            raise TransitionNotAllowed(
                f"{view.record.name} ({model_id}) is {view.status.value}, not enabled; "
                f"it cannot be used. {view.next_action}"
            )
        return view

    def revision(self) -> int:
        return self._store.revision()

    def last_sync_runs(self) -> dict[Provider, SyncRun]:
        return self._store.last_sync_runs()

    def configured_providers(self) -> list[Provider]:
        return [p for p, s in self._sources.items() if s is not None]

    # ---- enable / disable ----------------------------------------------------------------
    def enable(self, model_id: str, *, actor: Actor) -> ModelView:
        return self._set_one(model_id, enabled=True, actor=actor)

    def disable(self, model_id: str, *, actor: Actor) -> ModelView:
        return self._set_one(model_id, enabled=False, actor=actor)

    def _set_one(self, model_id: str, *, enabled: bool, actor: Actor) -> ModelView:
        require_admin(actor, "Enabling and disabling models")
        if enabled and model_id.startswith("custom:") and self._refresh_custom is not None:
            # a custom model's light depends on its job and throughput: ask the provider first
            self._refresh_custom(model_id)
        view = self.get_model(model_id)
        require(Action.ENABLE if enabled else Action.DISABLE, subject(view), actor)
        self._store.set_enabled([(view.id, view.record.version)], enabled, audit=[self._event(actor, view, enabled)])
        return self.get_model(model_id)

    def _event(self, actor: Actor, view: ModelView, enabled: bool) -> AuditEvent:
        return AuditEvent(
            at=self._clock(),
            actor_id=actor.id,
            actor_name=actor.name,
            action="enable" if enabled else "disable",
            model_id=view.id,
            model_name=view.record.name,
            before=view.status.value,
            after=(Status.GREEN if enabled else Status.YELLOW).value,
            request_id=actor.request_id,
        )

    def bulk_set_enabled(self, model_ids: Sequence[str], *, enabled: bool, actor: Actor) -> BulkResult:
        """Enable (or disable) every eligible model of ``model_ids`` in one transaction.

        Models the rules refuse are skipped with the reason; unknown ids likewise."""
        require_admin(actor, "Enabling and disabling models")
        wanted = list(dict.fromkeys(model_ids))
        records = {r.id: r for r in self._store.get_models(wanted)}
        changes: list[tuple[str, int]] = []
        events: list[AuditEvent] = []
        skipped: list[tuple[str, str]] = []
        for model_id in wanted:
            record = records.get(model_id)
            if record is None:
                skipped.append((model_id, f"No model with id {model_id!r}."))
                continue
            view = to_view(record)
            decision = decide(Action.ENABLE if enabled else Action.DISABLE, subject(view))
            if not decision:
                skipped.append((model_id, decision.reason))
            else:
                changes.append((model_id, record.version))
                events.append(self._event(actor, view, enabled))
        changed = self._store.set_enabled(changes, enabled, audit=events) if changes else []
        return BulkResult(changed=tuple(changed), skipped=tuple(skipped))

    # ---- sync ----------------------------------------------------------------------------
    def sync(self, providers: Iterable[Provider] | None = None, *, actor: Actor) -> SyncReport:
        """Pull every provider; one failing does not stop the others."""
        require_admin(actor, "Syncing models")
        runs = [self._sync_one(p, actor) for p in (providers or list(Provider))]
        notes: list[str] = []
        if self._after_sync is not None and Provider.BEDROCK in (providers or list(Provider)):
            notes = self._after_sync(actor)
        return SyncReport(runs=tuple(runs), notes=tuple(notes))

    def seed(self, snapshot: Mapping[Provider, CatalogSource | None], *, actor: Actor) -> SyncReport:
        """Fill an empty catalog from the bundled snapshot, marked so (aws mode's first start: usable
        before, or without, a successful sync). A later sync replaces it."""
        runs = []
        for provider, source in snapshot.items():
            if source is not None:
                runs.append(self._apply(provider, source.fetch(), self._clock(), actor, bundled=True))
        return SyncReport(runs=tuple(runs))

    def _sync_event(self, actor: Actor, run: SyncRun) -> AuditEvent:
        return AuditEvent(
            at=run.finished_at,
            actor_id=actor.id,
            actor_name=actor.name,
            action="sync",
            after=run.outcome.value,
            request_id=actor.request_id,
            detail=run.message,
        )

    def _sync_one(self, provider: Provider, actor: Actor) -> SyncRun:
        started = self._clock()
        source = self._sources.get(provider)
        if source is None:
            return self._record_unsynced(provider, started, SyncOutcome.SKIPPED, _NOT_CONFIGURED[provider], actor)
        try:
            fetched = source.fetch()
        except ProviderError as exc:
            message = f"{provider.value}: {exc} Nothing was changed for {provider.value}."
            return self._record_unsynced(provider, started, SyncOutcome.FAILED, message, actor)
        return self._apply(provider, fetched, started, actor)

    def _record_unsynced(
        self, provider: Provider, started: datetime, outcome: SyncOutcome, message: str, actor: Actor
    ) -> SyncRun:
        run = SyncRun(
            provider=provider,
            started_at=started,
            finished_at=self._clock(),
            outcome=outcome,
            message=message,
        )
        self._store.record_sync_run(run, audit=[self._sync_event(actor, run)])
        return run

    def _apply(
        self, provider: Provider, fetched: list[ProviderModel], started: datetime, actor: Actor, bundled: bool = False
    ) -> SyncRun:
        by_id: dict[str, ProviderModel] = {}
        for model in fetched:
            by_id[model.key] = model  # a provider listing one id twice: the last one wins
        existing = self._store.base_models(provider)
        inserts: list[ProviderModel] = []
        updates: list[ProviderModel] = []
        for model_id, model in by_id.items():
            old = existing.get(model_id)
            if old is None:
                inserts.append(model)
            elif not old.available or old.metadata_key() != model.metadata_key():
                updates.append(model)
        gone = [mid for mid, rec in existing.items() if rec.available and mid not in by_id]
        now = self._clock()
        run = SyncRun(
            provider=provider,
            started_at=started,
            finished_at=now,
            outcome=SyncOutcome.BUNDLED if bundled else SyncOutcome.OK,
            message=(
                f"{provider.value}: {len(by_id)} models from the bundled snapshot, not yet synced."
                if bundled
                else f"{provider.value}: {len(by_id)} models seen; {len(inserts)} added, "
                f"{len(updates)} updated, {len(gone)} gone."
            ),
            added=tuple(m.key for m in inserts),
            updated=tuple(m.key for m in updates),
            gone=tuple(gone),
            seen=len(by_id),
        )
        self._store.apply_sync(
            provider=provider,
            inserts=inserts,
            updates=updates,
            gone=gone,
            run=run,
            now=now,
            audit=[self._sync_event(actor, run)],
        )
        return run
