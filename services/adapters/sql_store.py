"""SqlCatalogStore: the only module that issues SQL. SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    Engine,
    Row,
    bindparam,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from services.adapters.sql_tables import (
    api_tokens,
    audit_events,
    catalog_meta,
    custom_models,
    leases,
    models,
    refreshed_prices,
    sync_runs,
    throughput_history,
)
from services.errors import ConcurrentUpdate, DuplicateName
from services.models import (
    AuditEvent,
    CustomModel,
    JobStatus,
    Lifecycle,
    ModelRecord,
    ModelType,
    Provider,
    ProviderModel,
    SyncOutcome,
    SyncRun,
    ThroughputStatus,
)

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_CHUNK = 500
_MIGRATION_LOCK = 7_310_001  # pg advisory lock id: one migrator at a time across replicas


def make_engine(url: str) -> Engine:
    """Create the engine; for a SQLite file, make its folder and turn on WAL + busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration not yet applied (safe with several replicas on PostgreSQL)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _record(row: Row[Any]) -> ModelRecord:
    # Rows come from our own schema, so we skip re-validation (10,000 rows in a few ms).
    return ModelRecord.model_construct(
        id=row.id,
        provider=Provider(row.provider),
        model_id=row.model_id,
        model_type=ModelType(row.model_type),
        name=row.name,
        vendor=row.vendor,
        arn=row.arn,
        input_modalities=row.input_modalities,
        output_modalities=row.output_modalities,
        customizations=row.customizations,
        inference_types=row.inference_types,
        regions=row.regions,
        streaming=row.streaming,
        chat=row.chat,
        lifecycle=Lifecycle(row.lifecycle),
        provider_created=row.provider_created,
        enabled=row.enabled,
        available=row.available,
        first_seen=row.first_seen,
        updated_at=row.updated_at,
        unavailable_since=row.unavailable_since,
        version=row.version,
        job_status=row.job_status,
        throughput_status=row.throughput_status,
    )


# models joined with the two custom-model columns their status light needs
_MODEL_VIEW = select(models, custom_models.c.job_status, custom_models.c.throughput_status).select_from(
    models.outerjoin(custom_models, custom_models.c.id == models.c.id)
)

_CUSTOM_FIELDS = [c.name for c in custom_models.columns if c.name not in ("name_key",)]


def _custom(row: Row[Any]) -> CustomModel:
    values = {name: getattr(row, name) for name in _CUSTOM_FIELDS}
    values["hyperparameters"] = orjson.loads(values["hyperparameters"])
    values["job_status"] = JobStatus(values["job_status"])
    if values["throughput_status"] is not None:
        values["throughput_status"] = ThroughputStatus(values["throughput_status"])
    return CustomModel(**values, name=row.name, enabled=row.enabled)


_CUSTOM_VIEW = select(custom_models, models.c.name, models.c.enabled).join(models, models.c.id == custom_models.c.id)


def _metadata_values(model: ProviderModel) -> dict[str, Any]:
    return {
        "name": model.name,
        "vendor": model.vendor,
        "arn": model.arn,
        "input_modalities": model.input_modalities,
        "output_modalities": model.output_modalities,
        "customizations": model.customizations,
        "inference_types": model.inference_types,
        "regions": model.regions,
        "streaming": model.streaming,
        "chat": model.chat,
        "lifecycle": model.lifecycle.value,
        "provider_created": model.provider_created,
    }


def _run(row: Row[Any]) -> SyncRun:
    return SyncRun(
        provider=Provider(row.provider),
        started_at=row.started_at,
        finished_at=row.finished_at,
        outcome=SyncOutcome(row.outcome),
        message=row.message,
        added=row.added,
        updated=row.updated,
        gone=row.gone,
        seen=row.seen,
    )


def _write_audit(conn: Connection, events: Sequence[AuditEvent]) -> None:
    if events:
        conn.execute(insert(audit_events), [e.model_dump() for e in events])


class SqlCatalogStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def from_url(cls, url: str, *, run_migrations: bool = True) -> SqlCatalogStore:
        engine = make_engine(url)
        if run_migrations:
            migrate(engine)
        return cls(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    # ---- reads ---------------------------------------------------------------------------
    def list_models(self) -> list[ModelRecord]:
        with self._engine.connect() as conn:
            return [_record(r) for r in conn.execute(_MODEL_VIEW)]

    def changed_since(self, revision: int) -> tuple[list[ModelRecord], int]:
        with self._engine.connect() as conn:
            rows = conn.execute(_MODEL_VIEW.where(models.c.changed_rev > revision))
            changed = [_record(r) for r in rows]
            total = conn.execute(select(func.count()).select_from(models)).scalar_one()
        return changed, int(total)

    def get_model(self, model_id: str) -> ModelRecord | None:
        with self._engine.connect() as conn:
            row = conn.execute(_MODEL_VIEW.where(models.c.id == model_id)).first()
        return _record(row) if row else None

    def get_models(self, model_ids: Iterable[str]) -> list[ModelRecord]:
        ids = list(model_ids)
        out: list[ModelRecord] = []
        with self._engine.connect() as conn:
            for chunk in _chunks(ids):
                out.extend(_record(r) for r in conn.execute(_MODEL_VIEW.where(models.c.id.in_(chunk))))
        return out

    def base_models(self, provider: Provider) -> dict[str, ModelRecord]:
        query = _MODEL_VIEW.where(models.c.provider == provider.value, models.c.model_type == ModelType.BASE.value)
        with self._engine.connect() as conn:
            return {r.id: _record(r) for r in conn.execute(query)}

    def last_sync_runs(self) -> dict[Provider, SyncRun]:
        latest = select(func.max(sync_runs.c.id)).group_by(sync_runs.c.provider)
        with self._engine.connect() as conn:
            rows = conn.execute(select(sync_runs).where(sync_runs.c.id.in_(latest)))
            return {Provider(r.provider): _run(r) for r in rows}

    def revision(self) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(select(catalog_meta.c.value).where(catalog_meta.c.key == "revision")).scalar_one()
        return int(value)

    # ---- writes --------------------------------------------------------------------------
    @staticmethod
    def _bump_revision(conn: Connection) -> int:
        """Take the next revision (first thing in a write: it also serialises writers)."""
        return int(
            conn.execute(
                update(catalog_meta)
                .where(catalog_meta.c.key == "revision")
                .values(value=catalog_meta.c.value + 1)
                .returning(catalog_meta.c.value)
            ).scalar_one()
        )

    @staticmethod
    def _insert_run(conn: Connection, run: SyncRun) -> None:
        conn.execute(
            insert(sync_runs).values(
                provider=run.provider.value,
                started_at=run.started_at,
                finished_at=run.finished_at,
                outcome=run.outcome.value,
                message=run.message,
                added=run.added,
                updated=run.updated,
                gone=run.gone,
                seen=run.seen,
            )
        )

    def record_sync_run(self, run: SyncRun, audit: Sequence[AuditEvent] = ()) -> None:
        with self._engine.begin() as conn:
            self._insert_run(conn, run)
            _write_audit(conn, audit)

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
        with self._engine.begin() as conn:
            _write_audit(conn, audit)
            rev = self._bump_revision(conn) if inserts or updates or gone else 0
            if inserts:
                conn.execute(
                    insert(models),
                    [
                        {
                            "id": m.key,
                            "provider": provider.value,
                            "model_id": m.model_id,
                            "model_type": ModelType.BASE.value,
                            **_metadata_values(m),
                            "enabled": False,
                            "available": True,
                            "first_seen": now,
                            "updated_at": now,
                            "unavailable_since": None,
                            "version": 1,
                            "changed_rev": rev,
                        }
                        for m in inserts
                    ],
                )
            if updates:
                statement = (
                    update(models)
                    .where(models.c.id == bindparam("b_id"))
                    .values(
                        **{key: bindparam(f"b_{key}") for key in _metadata_values(updates[0])},
                        available=True,
                        unavailable_since=None,
                        updated_at=bindparam("b_now"),
                        version=models.c.version + 1,
                        changed_rev=rev,
                    )
                )
                conn.execute(
                    statement,
                    [
                        {"b_id": m.key, "b_now": now} | {f"b_{k}": v for k, v in _metadata_values(m).items()}
                        for m in updates
                    ],
                )
            for chunk in _chunks(list(gone)):
                conn.execute(
                    update(models)
                    .where(models.c.id.in_(chunk))
                    .values(
                        available=False,
                        enabled=False,
                        unavailable_since=now,
                        updated_at=now,
                        version=models.c.version + 1,
                        changed_rev=rev,
                    )
                )
            self._insert_run(conn, run)

    def set_enabled(
        self, changes: Sequence[tuple[str, int]], enabled: bool, audit: Sequence[AuditEvent] = ()
    ) -> list[str]:
        if not changes:
            return []
        with self._engine.begin() as conn:
            _write_audit(conn, audit)
            rev = self._bump_revision(conn)
            touched = 0
            for chunk in _chunks(list(changes)):
                result = conn.execute(
                    update(models)
                    .where(tuple_(models.c.id, models.c.version).in_(list(chunk)))
                    .values(enabled=enabled, version=models.c.version + 1, changed_rev=rev)
                )
                touched += result.rowcount
            if touched != len(changes):  # raising inside begin() rolls everything back
                raise ConcurrentUpdate(
                    "Another user or a sync changed "
                    + ("this model" if len(changes) == 1 else "some of these models")
                    + " meanwhile; nothing was changed. Reload and try again."
                )
        return [model_id for model_id, _ in changes]

    # ---- custom models ---------------------------------------------------------------------
    def insert_custom(
        self, model: CustomModel, base: ModelRecord, region: str, audit: Sequence[AuditEvent] = ()
    ) -> None:
        values = model.model_dump(exclude={"name", "enabled"})
        values["hyperparameters"] = orjson.dumps(model.hyperparameters).decode()
        values["job_status"] = model.job_status.value
        values["throughput_status"] = model.throughput_status.value if model.throughput_status else None
        try:
            with self._engine.begin() as conn:
                rev = self._bump_revision(conn)
                conn.execute(
                    insert(models).values(
                        id=model.id,
                        provider=Provider.BEDROCK.value,
                        model_id=model.name,
                        model_type=ModelType.CUSTOM.value,
                        name=model.name,
                        vendor=base.vendor,
                        arn=None,
                        input_modalities=base.input_modalities,
                        output_modalities=base.output_modalities,
                        customizations=(),
                        inference_types=("PROVISIONED",),
                        regions=(region,),
                        streaming=base.streaming,
                        chat=base.chat,
                        lifecycle=Lifecycle.ACTIVE.value,
                        provider_created=None,
                        enabled=False,
                        available=True,
                        first_seen=model.created_at,
                        updated_at=model.created_at,
                        unavailable_since=None,
                        version=1,
                        changed_rev=rev,
                    )
                )
                conn.execute(insert(custom_models).values(**values, name_key=model.name.lower()))
                _write_audit(conn, audit)
        except IntegrityError as exc:
            raise DuplicateName(
                f"A model named {model.name!r} (or the same request) already exists.",
            ) from exc

    def get_custom(self, model_id: str) -> CustomModel | None:
        with self._engine.connect() as conn:
            row = conn.execute(_CUSTOM_VIEW.where(custom_models.c.id == model_id)).first()
        return _custom(row) if row else None

    def get_custom_by_token(self, client_token: str) -> CustomModel | None:
        with self._engine.connect() as conn:
            row = conn.execute(_CUSTOM_VIEW.where(custom_models.c.client_token == client_token)).first()
        return _custom(row) if row else None

    def list_custom(self) -> list[CustomModel]:
        with self._engine.connect() as conn:
            return [_custom(r) for r in conn.execute(_CUSTOM_VIEW.order_by(custom_models.c.created_at))]

    def update_custom(
        self,
        model_id: str,
        expected_version: int,
        changes: dict[str, object],
        closed_throughput: tuple[int, datetime, datetime] | None = None,
        audit: Sequence[AuditEvent] = (),
    ) -> CustomModel:
        values = dict(changes)
        enabled = values.pop("enabled", None)
        for key in ("job_status", "throughput_status"):
            if key in values and values[key] is not None:
                values[key] = str(getattr(values[key], "value", values[key]))
        if "hyperparameters" in values:
            values["hyperparameters"] = orjson.dumps(values["hyperparameters"]).decode()
        now = values.setdefault("updated_at", datetime.now(UTC))
        with self._engine.begin() as conn:
            rev = self._bump_revision(conn)
            result = conn.execute(
                update(custom_models)
                .where(custom_models.c.id == model_id, custom_models.c.version == expected_version)
                .values(**values, version=custom_models.c.version + 1)
            )
            if result.rowcount != 1:
                raise ConcurrentUpdate(
                    "This custom model was changed meanwhile (by another user or the background "
                    "refresh); nothing was changed. Reload and try again."
                )
            model_values: dict[str, Any] = {"changed_rev": rev, "updated_at": now, "version": models.c.version + 1}
            if enabled is not None:
                model_values["enabled"] = bool(enabled)
            conn.execute(update(models).where(models.c.id == model_id).values(**model_values))
            if closed_throughput is not None:
                units, started, ended = closed_throughput
                conn.execute(
                    insert(throughput_history).values(
                        model_id=model_id, model_units=units, started_at=started, ended_at=ended
                    )
                )
            _write_audit(conn, audit)
            row = conn.execute(_CUSTOM_VIEW.where(custom_models.c.id == model_id)).one()
        return _custom(row)

    def delete_custom(self, model_id: str, expected_version: int, audit: Sequence[AuditEvent] = ()) -> None:
        with self._engine.begin() as conn:
            _write_audit(conn, audit)
            self._bump_revision(conn)
            result = conn.execute(
                delete(custom_models).where(custom_models.c.id == model_id, custom_models.c.version == expected_version)
            )
            if result.rowcount != 1:
                raise ConcurrentUpdate("This custom model was changed meanwhile; nothing was deleted. Reload.")
            conn.execute(delete(models).where(models.c.id == model_id))

    def throughput_history(self) -> dict[str, list[tuple[int, datetime, datetime]]]:
        out: dict[str, list[tuple[int, datetime, datetime]]] = {}
        with self._engine.connect() as conn:
            for row in conn.execute(select(throughput_history).order_by(throughput_history.c.id)):
                out.setdefault(row.model_id, []).append((row.model_units, row.started_at, row.ended_at))
        return out

    def name_taken(self, name: str) -> bool:
        key = name.lower()
        with self._engine.connect() as conn:
            hit = conn.execute(
                select(models.c.id)
                .where((func.lower(models.c.name) == key) | (func.lower(models.c.model_id) == key))
                .limit(1)
            ).first()
        return hit is not None

    def try_lease(self, name: str, owner: str, seconds: float, now: datetime) -> bool:
        expires = now + timedelta(seconds=seconds)
        with self._engine.begin() as conn:
            taken = conn.execute(
                update(leases)
                .where(leases.c.name == name, (leases.c.owner == owner) | (leases.c.expires_at < now))
                .values(owner=owner, expires_at=expires)
            ).rowcount
            if taken:
                return True
            try:
                with conn.begin_nested():
                    conn.execute(insert(leases).values(name=name, owner=owner, expires_at=expires))
            except IntegrityError:
                return False
            return True

    # ---- refreshed prices --------------------------------------------------------------------
    def refreshed_prices(self) -> list[tuple[str, str, float, str, datetime]]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(refreshed_prices).order_by(refreshed_prices.c.model_prefix))
            return [(r.model_prefix, r.component, r.price, r.source, r.fetched_at) for r in rows]

    def save_refreshed_prices(self, rows: Sequence[tuple[str, str, float, str, datetime]]) -> None:
        with self._engine.begin() as conn:
            conn.execute(delete(refreshed_prices))
            if rows:
                conn.execute(
                    insert(refreshed_prices),
                    [
                        {"model_prefix": m, "component": c, "price": p, "source": s, "fetched_at": f}
                        for m, c, p, s, f in rows
                    ],
                )

    # ---- audit trail -------------------------------------------------------------------------
    def record_audit(self, events: Sequence[AuditEvent]) -> None:
        with self._engine.begin() as conn:
            _write_audit(conn, events)

    def audit_events(
        self,
        *,
        actor_id: str | None = None,
        model_id: str | None = None,
        action: str | None = None,
        limit: int = 10_000,
    ) -> list[AuditEvent]:
        query = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
        if actor_id:
            query = query.where(audit_events.c.actor_id == actor_id)
        if model_id:
            query = query.where(audit_events.c.model_id == model_id)
        if action:
            query = query.where(audit_events.c.action == action)
        with self._engine.connect() as conn:
            return [
                AuditEvent.model_validate({k: getattr(r, k) for k in AuditEvent.model_fields})
                for r in conn.execute(query)
            ]

    # ---- API tokens ----------------------------------------------------------------------------
    def add_token(self, token_id: str, token_hash: str, user_id: str, role: str, name: str, now: datetime) -> None:
        with self._engine.begin() as conn:
            conn.execute(
                insert(api_tokens).values(
                    id=token_id, token_hash=token_hash, user_id=user_id, role=role, name=name, created_at=now
                )
            )

    def token_by_hash(self, token_hash: str) -> tuple[str, str, str, str, datetime | None] | None:
        """(id, user, role, name, revoked at) of a token."""
        with self._engine.connect() as conn:
            row = conn.execute(select(api_tokens).where(api_tokens.c.token_hash == token_hash)).first()
        return (row.id, row.user_id, row.role, row.name, row.revoked_at) if row else None

    def list_tokens(self) -> list[tuple[str, str, str, str, datetime, datetime | None]]:
        """(id, user, role, name, created at, revoked at) of every token."""
        with self._engine.connect() as conn:
            rows = conn.execute(select(api_tokens).order_by(api_tokens.c.created_at))
            return [(r.id, r.user_id, r.role, r.name, r.created_at, r.revoked_at) for r in rows]

    def revoke_token(self, token_id: str, now: datetime) -> bool:
        with self._engine.begin() as conn:
            result = conn.execute(
                update(api_tokens)
                .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
                .values(revoked_at=now)
            )
        return bool(result.rowcount)
