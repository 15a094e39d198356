"""The catalog of models and its sync runs (CatalogStore)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import (
    Connection,
    bindparam,
    func,
    insert,
    select,
    tuple_,
    update,
)

from services.adapters.sql.engine import (
    MODEL_VIEW,
    SqlBase,
    bump_revision,
    changed_since,
    changed_since_statement,
    chunks,
    metadata_values,
    record_of,
    run_of,
    write_audit,
)
from services.adapters.sql_tables import (
    catalog_meta,
    models,
    sync_runs,
)
from services.domain.errors import ConcurrentUpdate
from services.domain.models import ModelRecord, ModelType, Provider, ProviderModel, SyncRun
from services.domain.records import AuditEvent

_CHANGED_SINCE = changed_since_statement(MODEL_VIEW, models)


class SqlCatalogRows(SqlBase):
    """CatalogStore on SQL: the models table, sync runs, enable/disable."""

    # ---- reads ---------------------------------------------------------------------------
    # one statement each, on the reads engine (one round trip on PostgreSQL: no BEGIN, no ROLLBACK)
    def list_models(self) -> list[ModelRecord]:
        with self._reads.connect() as conn:
            return [record_of(r) for r in conn.execute(MODEL_VIEW)]

    def changed_since(self, revision: int) -> tuple[list[ModelRecord], int]:
        rows, total = changed_since(self._reads, _CHANGED_SINCE, revision)  # after every write, in every process
        return [record_of(r) for r in rows], total

    def get_model(self, model_id: str) -> ModelRecord | None:
        with self._reads.connect() as conn:
            row = conn.execute(MODEL_VIEW.where(models.c.id == model_id)).first()
        return record_of(row) if row else None

    def get_models(self, model_ids: Iterable[str]) -> list[ModelRecord]:
        ids = list(model_ids)
        out: list[ModelRecord] = []
        with self._engine.connect() as conn:
            for chunk in chunks(ids):
                out.extend(record_of(r) for r in conn.execute(MODEL_VIEW.where(models.c.id.in_(chunk))))
        return out

    def base_models(self, provider: Provider) -> dict[str, ModelRecord]:
        query = MODEL_VIEW.where(models.c.provider == provider.value, models.c.model_type == ModelType.BASE.value)
        with self._engine.connect() as conn:
            return {r.id: record_of(r) for r in conn.execute(query)}

    def last_sync_runs(self) -> dict[Provider, SyncRun]:
        latest = select(func.max(sync_runs.c.id)).group_by(sync_runs.c.provider)
        with self._engine.connect() as conn:
            rows = conn.execute(select(sync_runs).where(sync_runs.c.id.in_(latest)))
            return {Provider(r.provider): run_of(r) for r in rows}

    def revision(self) -> int:
        with self._engine.connect() as conn:
            value = conn.execute(select(catalog_meta.c.value).where(catalog_meta.c.key == "revision")).scalar_one()
        return int(value)

    def generations(self) -> dict[str, int]:
        """Read on every request: on the driver's own cursor, without compiling or a result object (a quarter
        of the time through a Connection)."""
        raw = self._reads.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("SELECT key, value FROM catalog_meta")
            rows = cursor.fetchall()
            cursor.close()
        finally:
            raw.close()  # back to the pool, which ends the read transaction
        return {str(k): int(v) for k, v in rows}

    # ---- writes --------------------------------------------------------------------------
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
            write_audit(conn, audit)

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
            write_audit(conn, audit)
            rev = bump_revision(conn) if inserts or updates or gone else 0
            if inserts:
                conn.execute(
                    insert(models),
                    [
                        {
                            "id": m.key,
                            "provider": provider.value,
                            "model_id": m.model_id,
                            "model_type": ModelType.BASE.value,
                            **metadata_values(m),
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
                        **{key: bindparam(f"b_{key}") for key in metadata_values(updates[0])},
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
                        {"b_id": m.key, "b_now": now} | {f"b_{k}": v for k, v in metadata_values(m).items()}
                        for m in updates
                    ],
                )
            for chunk in chunks(list(gone)):
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
            write_audit(conn, audit)
            rev = bump_revision(conn)
            touched = 0
            for chunk in chunks(list(changes)):
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
