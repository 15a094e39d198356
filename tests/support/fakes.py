"""Fakes of the ports, honest enough to pass the same contract tests as the real adapters."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Self

from services.domain.calls import CallCount
from services.domain.custom import CustomModel
from services.domain.endpoints import Endpoint
from services.domain.errors import ConcurrentUpdate, DuplicateName, ProviderError
from services.domain.evaluations import Evaluation, EvaluationResult, EvaluationStatus
from services.domain.generations import CATALOG, ENDPOINTS, PRICES, TOKENS
from services.domain.identity import LOCAL_ADMIN, Actor, Role
from services.domain.models import Lifecycle, ModelRecord, ModelType, Provider, ProviderModel, SyncRun
from services.domain.notices import Delivery, Notice, NoticePrefs
from services.domain.records import ApiToken, AuditEvent, RefreshedPrice, SetPrice


class InMemoryCatalogStore:
    """Every store port on one object, and a Database whose every port is this object (SqlDatabase
    has one object per port; one fake plays them all)."""

    @property
    def catalog(self) -> Self:
        return self

    @property
    def custom_models(self) -> Self:
        return self

    @property
    def prices(self) -> Self:
        return self

    @property
    def audit(self) -> Self:
        return self

    @property
    def tokens(self) -> Self:
        return self

    @property
    def usage(self) -> Self:
        return self

    @property
    def evaluations(self) -> Self:
        return self

    @property
    def outbox(self) -> Self:
        return self

    @property
    def endpoints(self) -> Self:
        return self

    def __init__(self) -> None:
        self.models: dict[str, ModelRecord] = {}
        self.customs: dict[str, CustomModel] = {}
        self.leases: dict[str, tuple[str, datetime]] = {}
        self.history: dict[str, list[tuple[int, datetime, datetime, str | None]]] = {}
        self.audit_log: list[AuditEvent] = []
        self.ledger: list[tuple[CustomModel, datetime]] = []
        self.token_rows: dict[str, ApiToken] = {}
        self.admin_prices: dict[tuple[str, str, str], SetPrice] = {}
        self.refreshed: list[RefreshedPrice] = []
        self.runs: list[SyncRun] = []
        self.calls: dict[tuple[str, str], CallCount] = {}
        self.prefs: dict[str, NoticePrefs] = {}
        self._lock = threading.Lock()
        self.evaluation_rows: dict[str, Evaluation] = {}
        self.endpoint_rows: dict[str, Endpoint] = {}
        self.evaluation_results: dict[str, dict[int, EvaluationResult]] = {}
        self._revision = 0
        self._generations = dict.fromkeys((TOKENS, PRICES, ENDPOINTS), 0)
        self._changed_rev: dict[str, int] = {}

    def list_models(self) -> list[ModelRecord]:
        return list(self.models.values())

    def changed_since(self, revision: int) -> tuple[list[ModelRecord], int]:
        changed = [r for i, r in self.models.items() if self._changed_rev.get(i, 0) > revision]
        return changed, len(self.models)

    def _touch(self, model_ids: Iterable[str]) -> None:
        for model_id in model_ids:
            self._changed_rev[model_id] = self._revision

    def get_model(self, model_id: str) -> ModelRecord | None:
        return self.models.get(model_id)

    def get_models(self, model_ids: Iterable[str]) -> list[ModelRecord]:
        return [self.models[i] for i in model_ids if i in self.models]

    def base_models(self, provider: Provider) -> dict[str, ModelRecord]:
        return {i: r for i, r in self.models.items() if r.provider is provider and r.model_type is ModelType.BASE}

    def apply_sync(
        self,
        *,
        provider: Provider,
        inserts: Sequence[ProviderModel],
        updates: Sequence[ProviderModel],
        gone: Sequence[str],
        run: SyncRun,
        now: datetime,
        audit: Sequence[AuditEvent] = (),
    ) -> None:
        self.audit_log.extend(audit)
        for m in inserts:
            self.models[m.key] = ModelRecord(**m.model_dump(), id=m.key, first_seen=now, updated_at=now)
        for m in updates:
            old = self.models[m.key]
            self.models[m.key] = old.model_copy(
                update=m.model_dump()
                | {
                    "available": True,
                    "unavailable_since": None,
                    "updated_at": now,
                    "version": old.version + 1,
                }
            )
        for model_id in gone:
            old = self.models[model_id]
            self.models[model_id] = old.model_copy(
                update={
                    "available": False,
                    "enabled": False,
                    "unavailable_since": now,
                    "updated_at": now,
                    "version": old.version + 1,
                }
            )
        self.runs.append(run)
        if inserts or updates or gone:
            self._revision += 1
            self._touch([m.key for m in (*inserts, *updates)] + list(gone))

    def record_sync_run(self, run: SyncRun, audit: Sequence[AuditEvent] = ()) -> None:
        self.runs.append(run)
        self.audit_log.extend(audit)

    def last_sync_runs(self) -> dict[Provider, SyncRun]:
        return {run.provider: run for run in self.runs}

    def set_enabled(
        self, changes: Sequence[tuple[str, int]], enabled: bool, audit: Sequence[AuditEvent] = ()
    ) -> list[str]:
        if not changes:
            return []
        for model_id, version in changes:
            rec = self.models.get(model_id)
            if rec is None or rec.version != version:
                raise ConcurrentUpdate("changed meanwhile; nothing was changed")
        for model_id, _ in changes:
            rec = self.models[model_id]
            self.models[model_id] = rec.model_copy(update={"enabled": enabled, "version": rec.version + 1})
        self._revision += 1
        self._touch(model_id for model_id, _ in changes)
        self.audit_log.extend(audit)
        return [model_id for model_id, _ in changes]

    def revision(self) -> int:
        return self._revision

    def generations(self) -> dict[str, int]:
        return self._generations | {CATALOG: self._revision}

    # ---- CustomModelStore ----------------------------------------------------------------
    def _with_status(self, model_id: str) -> None:
        custom = self.customs[model_id]
        rec = self.models[model_id]
        self.models[model_id] = rec.model_copy(
            update={
                "job_status": custom.job_status,
                "throughput_status": custom.throughput_status,
                "deployment_status": custom.deployment_status,
                "deployable": custom.deployable,
                "serves_itself": custom.serves_itself,
            }
        )

    def insert_custom(
        self, model: CustomModel, base: ModelRecord, region: str, audit: Sequence[AuditEvent] = ()
    ) -> None:
        taken = {c.name.lower() for c in self.customs.values()}
        if (
            model.name.lower() in taken
            or any(c.client_token == model.client_token or c.job_name == model.job_name for c in self.customs.values())
            or model.id in self.models
        ):
            raise DuplicateName(f"A model named {model.name!r} (or the same request) already exists.")
        self._revision += 1
        self.models[model.id] = ModelRecord(
            id=model.id,
            provider=Provider.BEDROCK,
            model_id=model.name,
            model_type=ModelType.CUSTOM,
            name=model.name,
            vendor=base.vendor,
            input_modalities=base.input_modalities,
            output_modalities=base.output_modalities,
            inference_types=("PROVISIONED",),
            regions=(region,),
            streaming=base.streaming,
            chat=base.chat,
            first_seen=model.created_at,
            updated_at=model.created_at,
        )
        self.customs[model.id] = model.model_copy(update={"enabled": False})
        self._with_status(model.id)
        self._touch([model.id])
        self.audit_log.extend(audit)

    def _custom_view(self, model_id: str) -> CustomModel:
        return self.customs[model_id].model_copy(update={"enabled": self.models[model_id].enabled})

    def get_custom(self, model_id: str) -> CustomModel | None:
        return self._custom_view(model_id) if model_id in self.customs else None

    def get_custom_by_token(self, client_token: str) -> CustomModel | None:
        hit = next((c for c in self.customs.values() if c.client_token == client_token), None)
        return self._custom_view(hit.id) if hit else None

    def list_custom(self) -> list[CustomModel]:
        return [self._custom_view(i) for i in sorted(self.customs, key=lambda i: self.customs[i].created_at)]

    def custom_changed_since(self, revision: int) -> tuple[list[CustomModel], int]:
        changed = [self._custom_view(i) for i in self.customs if self._changed_rev.get(i, 0) > revision]
        return changed, len(self.customs)

    def update_custom(
        self,
        model_id: str,
        expected_version: int,
        changes: dict[str, object],
        closed_throughput: tuple[int, datetime, datetime, str | None] | None = None,
        audit: Sequence[AuditEvent] = (),
    ) -> CustomModel:
        current = self.customs.get(model_id)
        if current is None or current.version != expected_version:
            raise ConcurrentUpdate("changed meanwhile; nothing was changed")
        values = dict(changes)
        enabled = values.pop("enabled", None)
        values.setdefault("updated_at", datetime.now(UTC))
        self._revision += 1
        self.customs[model_id] = CustomModel.model_validate(
            current.model_dump() | values | {"version": current.version + 1}
        )
        rec = self.models[model_id]
        update: dict[str, object] = {"version": rec.version + 1}
        if enabled is not None:
            update["enabled"] = bool(enabled)
        self.models[model_id] = rec.model_copy(update=update)
        self._with_status(model_id)
        self._touch([model_id])
        if closed_throughput is not None:
            self.history.setdefault(model_id, []).append(closed_throughput)
        self.audit_log.extend(audit)
        return self._custom_view(model_id)

    def throughput_history(self) -> dict[str, list[tuple[int, datetime, datetime, str | None]]]:
        return {k: list(v) for k, v in self.history.items()}

    def record_audit(self, events: Sequence[AuditEvent]) -> None:
        self.audit_log.extend(events)

    def audit_events(
        self,
        *,
        actor_id: str | None = None,
        model_id: str | None = None,
        action: str | None = None,
        limit: int = 10_000,
    ) -> list[AuditEvent]:
        out = [
            e
            for e in reversed(self.audit_log)
            if (not actor_id or e.actor_id == actor_id)
            and (not model_id or e.model_id == model_id)
            and (not action or e.action == action)
        ]
        return out[:limit]

    def add_token(self, token: ApiToken) -> None:
        if any(t.token_hash == token.token_hash for t in self.token_rows.values()):
            raise ValueError("duplicate token")
        self.token_rows[token.id] = token
        self._generations[TOKENS] += 1

    def token_by_hash(self, token_hash: str) -> ApiToken | None:
        return next((t for t in self.token_rows.values() if t.token_hash == token_hash), None)

    def list_tokens(self) -> list[ApiToken]:
        return list(self.token_rows.values())

    def revoke_token(self, token_id: str, now: datetime) -> bool:
        token = self.token_rows.get(token_id)
        if token is None or token.revoked_at is not None:
            return False
        self.token_rows[token_id] = token.model_copy(update={"revoked_at": now})
        self._generations[TOKENS] += 1
        return True

    def refreshed_prices(self) -> list[RefreshedPrice]:
        return sorted(self.refreshed, key=lambda p: p.model_prefix)

    def save_refreshed_prices(self, rows: Sequence[RefreshedPrice]) -> None:
        self.refreshed = list(rows)
        self._generations[PRICES] += 1

    def set_prices(self) -> list[SetPrice]:
        return sorted(self.admin_prices.values(), key=lambda p: (p.model_prefix, p.component))

    def set_price(self, row: SetPrice, audit: Sequence[AuditEvent]) -> None:
        self.admin_prices[(row.model_prefix, row.region, row.component)] = row
        self._generations[PRICES] += 1
        self.audit_log.extend(audit)

    def delete_custom(
        self,
        model_id: str,
        expected_version: int,
        audit: Sequence[AuditEvent] = (),
        ledger: tuple[CustomModel, datetime] | None = None,
    ) -> None:
        current = self.customs.get(model_id)
        if current is None or current.version != expected_version:
            raise ConcurrentUpdate("changed meanwhile; nothing was deleted")
        self._revision += 1
        del self.customs[model_id]
        del self.models[model_id]
        self.audit_log.extend(audit)
        if ledger is not None:
            self.ledger.append(ledger)

    def deleted_customs(self) -> list[tuple[CustomModel, datetime]]:
        return sorted(self.ledger, key=lambda entry: entry[1])

    def name_taken(self, name: str) -> bool:
        key = name.lower()
        return any(r.name.lower() == key or r.model_id.lower() == key for r in self.models.values())

    def try_lease(self, name: str, owner: str, seconds: float, now: datetime) -> bool:
        held = self.leases.get(name)
        if held is not None and held[0] != owner and held[1] >= now:
            return False
        self.leases[name] = (owner, now + timedelta(seconds=seconds))
        return True

    # NoticeStore: the notices the audit events carry (the outbox); deliveries are the SQL store's alone
    # (tests/adapters/test_notifications.py runs the dispatcher on SQLite and PostgreSQL)
    def notices(self, limit: int = 200, since: datetime | None = None) -> list[Notice]:
        found = [
            Notice(
                id=f"n{i}", event=e.notice, model_id=e.model_id, model_name=e.model_name, status=e.after, at=e.at,
                detail=e.detail, actor_id=e.actor_id,
            )
            for i, e in enumerate(self.audit_log)
            if e.notice is not None and (since is None or e.at > since)
        ]  # fmt: skip
        return sorted(found, key=lambda n: n.at, reverse=True)[:limit]

    def unfanned(self, limit: int = 100) -> list[Notice]:
        return []

    def fan_out(self, notice_id: str, receivers: Sequence[str], now: datetime) -> None:
        raise NotImplementedError("deliveries need the SQL store")

    def claim(self, owner: str, now: datetime, seconds: float, limit: int = 20) -> list[tuple[Delivery, Notice]]:
        return []

    def finish(self, delivery: Delivery, owner: str) -> bool:
        raise NotImplementedError("deliveries need the SQL store")

    def deliveries(self, limit: int = 500) -> list[tuple[Delivery, Notice]]:
        return []

    def notice_prefs(self, user_ids: Sequence[str]) -> dict[str, NoticePrefs]:
        return {u: self.prefs[u] for u in user_ids if u in self.prefs}

    def save_notice_prefs(self, prefs: NoticePrefs, now: datetime) -> None:
        self.prefs[prefs.user_id] = prefs

    # UsageStore
    def count_call(self, count: CallCount) -> None:
        key = (count.model_id, count.day)
        with self._lock:  # one atomic add, as the SQL upsert is
            old = self.calls.get(key)
            self.calls[key] = old.plus(count) if old is not None else count

    def call_counts(self, model_id: str | None = None, since_day: str = "") -> list[CallCount]:
        return [
            c
            for (m, day), c in sorted(self.calls.items(), key=lambda kv: (kv[0][1], kv[0][0]))
            if day >= since_day and (model_id is None or m == model_id)
        ]

    # EvaluationStore
    def insert_evaluation(self, evaluation: Evaluation) -> None:
        if evaluation.id in self.evaluation_rows:
            raise ValueError(f"evaluation {evaluation.id} exists")
        self.evaluation_rows[evaluation.id] = evaluation

    def get_evaluation(self, evaluation_id: str) -> Evaluation | None:
        return self.evaluation_rows.get(evaluation_id)

    def list_evaluations(self, custom_model_id: str | None = None) -> list[Evaluation]:
        found = [e for e in self.evaluation_rows.values() if custom_model_id in (None, e.custom_model_id)]
        return sorted(found, key=lambda e: (e.created_at, e.id), reverse=True)

    # ---- endpoints (EndpointStore) ----
    def insert_endpoint(self, endpoint: Endpoint) -> None:
        with self._lock:
            self.endpoint_rows[endpoint.id] = endpoint
            self._generations[ENDPOINTS] += 1

    def get_endpoint(self, endpoint_id: str) -> Endpoint | None:
        return self.endpoint_rows.get(endpoint_id)

    def list_endpoints(self) -> list[Endpoint]:
        return sorted(self.endpoint_rows.values(), key=lambda e: (e.created_at, e.id))

    def update_endpoint(self, endpoint_id: str, version: int, **changes: object) -> Endpoint:
        with self._lock:
            current = self.endpoint_rows.get(endpoint_id)
            if current is None or current.version != version:
                raise ConcurrentUpdate("This endpoint was changed meanwhile; nothing was written. Reload.")
            updated = current.model_copy(update=dict(changes) | {"version": version + 1})
            self.endpoint_rows[endpoint_id] = updated
            self._generations[ENDPOINTS] += 1
            return updated

    def update_evaluation(
        self,
        evaluation_id: str,
        expect: Iterable[EvaluationStatus],
        audit: Sequence[AuditEvent] = (),
        **changes: object,
    ) -> Evaluation | None:
        old = self.evaluation_rows.get(evaluation_id)
        if old is None or old.status not in set(expect):
            return None
        self.audit_log.extend(audit)
        new = Evaluation.model_validate(old.model_dump() | changes | {"version": old.version + 1})
        self.evaluation_rows[evaluation_id] = new
        return new

    def save_result(self, result: EvaluationResult) -> bool:
        run = self.evaluation_rows.get(result.evaluation_id)
        if run is None or run.status is not EvaluationStatus.RUNNING:
            return False  # a run cancelled (or ended) meanwhile stores nothing more
        stored = self.evaluation_results.setdefault(result.evaluation_id, {})
        if result.index in stored:
            return False
        stored[result.index] = result
        return True

    def results(self, evaluation_id: str) -> list[EvaluationResult]:
        stored = self.evaluation_results.get(evaluation_id, {})
        return [stored[i] for i in sorted(stored)]

    def result_indexes(self, evaluation_id: str) -> set[int]:
        return set(self.evaluation_results.get(evaluation_id, {}))


class FakeCatalogSource:
    """Returns what the test put in ``models``, or raises ``error``."""

    def __init__(self, provider: Provider, models: Iterable[ProviderModel] = ()) -> None:
        self.provider = provider
        self.models = list(models)
        self.error: ProviderError | None = None
        self.calls = 0

    def fetch(self) -> list[ProviderModel]:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return list(self.models)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)

    def epoch(self) -> float:
        return self.now.timestamp()


def bedrock_model(model_id: str, **overrides: object) -> ProviderModel:
    values: dict[str, object] = {
        "provider": Provider.BEDROCK,
        "model_id": model_id,
        "name": model_id.split(".")[-1],
        "vendor": "Amazon",
        "arn": f"arn:aws:bedrock:us-east-1::foundation-model/{model_id}",
        "input_modalities": ("TEXT",),
        "output_modalities": ("TEXT",),
        "customizations": ("FINE_TUNING",),
        "inference_types": ("PROVISIONED",),
        "streaming": True,
        "chat": False,
        "lifecycle": Lifecycle.ACTIVE,
        "regions": ("us-east-1",),
    }
    values.update(overrides)
    return ProviderModel.model_validate(values)


def openai_model(model_id: str, **overrides: object) -> ProviderModel:
    values: dict[str, object] = {
        "provider": Provider.OPENAI,
        "model_id": model_id,
        "name": model_id,
        "vendor": "OpenAI",
        "input_modalities": ("TEXT",),
        "output_modalities": ("TEXT",),
        "inference_types": ("ON_DEMAND",),
        "streaming": True,
        "chat": True,
        "provider_created": datetime(2024, 5, 1, tzinfo=UTC),
    }
    values.update(overrides)
    return ProviderModel.model_validate(values)


class FlakyBackend:
    """Wraps a CustomizationBackend; ``fail[method] = error`` makes that method raise it
    (once, or every time with ``sticky``). ``calls`` records what was asked."""

    def __init__(self, inner: object) -> None:
        self.inner = inner
        self.fail: dict[str, BaseException] = {}
        self.fail_after: dict[str, BaseException] = {}  # the call goes through, then the answer is lost
        self.sticky: set[str] = set()
        self.during: dict[str, Callable[[], object]] = {}  # runs once, after the call went through
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> object:
        target = getattr(self.inner, name)
        if not callable(target):
            return target

        def wrapper(*args: object, **kwargs: object) -> object:
            self.calls.append(name)
            if name in self.fail:
                error = self.fail[name] if name in self.sticky else self.fail.pop(name)
                raise error
            result = target(*args, **kwargs)
            if name in self.during:
                self.during.pop(name)()
            if name in self.fail_after:
                raise self.fail_after.pop(name)
            return result

        return wrapper


def _on_demand(model_id: str, name: str, kind: str = "ON_DEMAND") -> ProviderModel:
    return bedrock_model(model_id, name=name, customizations=(), inference_types=(kind,), chat=True)


ON_DEMAND_VARIANTS = (
    _on_demand("amazon.titan-text-lite-v1", "Titan Text G1 - Lite (on demand)"),
    _on_demand("meta.llama3-1-8b-instruct-v1:0", "Llama 3.1 8B Instruct (on demand)"),
    _on_demand("meta.llama3-3-70b-instruct-v1:0", "Llama 3.3 70B Instruct (profile)", "INFERENCE_PROFILE"),
)


class World:
    """Every service, wired by build_services as in production, on fakes of the outside systems
    (catalog sources, the store unless a SQL one is asked for) and the local control plane, on a
    fake clock."""

    def __init__(
        self,
        root: object,
        *,
        job_seconds: float = 60,
        throughput_seconds: float = 10,
        inference: object = None,
        on_demand: bool = False,
        **settings: object,
    ) -> None:
        from pathlib import Path

        from services.adapters.local_bedrock import STOP_SECONDS, LocalBedrock
        from services.adapters.object_store import LocalObjectStore
        from services.bootstrap import build_services
        from services.settings import load_settings

        base = Path(str(root))
        self.root = base
        self.clock = FakeClock()
        self.job_seconds, self.throughput_seconds = job_seconds, throughput_seconds  # the local control plane's
        self.stop_seconds = STOP_SECONDS
        self.store = _world_store(base)
        self.bedrock = FakeCatalogSource(
            Provider.BEDROCK,
            [
                bedrock_model(
                    "amazon.titan-text-lite-v1:0:4k",
                    name="Titan Text G1 - Lite",
                    customizations=("FINE_TUNING", "CONTINUED_PRE_TRAINING"),
                ),
                bedrock_model(
                    "meta.llama3-1-8b-instruct-v1:0:128k", name="Llama 3.1 8B Instruct", vendor="Meta", chat=True
                ),
                bedrock_model(
                    "meta.llama3-3-70b-instruct-v1:0:128k", name="Llama 3.3 70B Instruct", vendor="Meta", chat=True
                ),
                bedrock_model("meta.llama2-13b-v1:0:4k", name="Llama 2 13B", vendor="Meta", lifecycle=Lifecycle.LEGACY),
                # the on-demand variants Model Studio calls for the fine-tunable ones above (opt-in: they
                # are three more rows in every table)
                *(ON_DEMAND_VARIANTS if on_demand else ()),
            ],
        )
        self.openai = FakeCatalogSource(
            Provider.OPENAI,
            [
                openai_model("gpt-4o"),
                openai_model("text-embedding-3-small", output_modalities=("EMBEDDING",), chat=False),
            ],
        )
        self.objects = LocalObjectStore(base)
        self.local_bedrock = LocalBedrock(
            base / "local-bedrock",
            self.objects,
            job_seconds=job_seconds,
            throughput_seconds=throughput_seconds,
            clock=self.clock.epoch,
        )
        self.backend = FlakyBackend(self.local_bedrock)
        chosen = load_settings(
            **(
                {
                    "data_dir": base,
                    "s3_bucket": "studio-test",
                    "s3_prefix": "runs",
                    "allowed_buckets": ["my-data"],
                    "reconcile_seconds": 10,
                }
                | settings
            )
        )
        self.services = build_services(
            chosen,
            store=self.store,  # type: ignore[arg-type]
            sources={Provider.BEDROCK: self.bedrock, Provider.OPENAI: self.openai},
            objects=self.objects,
            backend=self.backend,  # type: ignore[arg-type]
            clock=self.clock,
            inference=inference,  # type: ignore[arg-type]
        )
        self.catalog = self.services.catalog
        self.customization = self.services.customization
        self.reconciler = self.services.reconciler
        self.metrics = self.services.metrics
        self.costs = self.services.costs


ADMIN = LOCAL_ADMIN.for_request("test")
MEMBER = Actor(id="mia@example.com", name="Mia", role=Role.MEMBER, via="test", request_id="test")
OTHER_MEMBER = Actor(id="otto@example.com", name="Otto", role=Role.MEMBER, via="test", request_id="test")


def _world_store(base: object) -> InMemoryCatalogStore:
    """The fake store, or a real one when STUDIO_TEST_WORLD_DATABASE_URL says so ("sqlite", or a
    PostgreSQL URL: each World then gets its own schema), so the whole suite runs on SQL too."""
    import atexit
    import os
    import uuid
    from pathlib import Path

    url = os.environ.get("STUDIO_TEST_WORLD_DATABASE_URL")
    if not url:
        return InMemoryCatalogStore()
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from services.adapters.sql import SqlDatabase

    if url == "sqlite":
        return SqlDatabase.from_url(f"sqlite:///{(Path(str(base)) / 'world.db').as_posix()}")  # type: ignore[return-value]
    schema = f"w_{uuid.uuid4().hex[:12]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()

    atexit.register(drop)
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return SqlDatabase.from_url(scoped.render_as_string(hide_password=False))  # type: ignore[return-value]
