"""Custom models, their throughput history, names and the reconciler lease (CustomModelStore)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import (
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from services.adapters.sql.engine import (
    CUSTOM_VIEW,
    SqlBase,
    bump_revision,
    changed_since,
    changed_since_statement,
    custom_of,
    write_audit,
)
from services.adapters.sql_tables import (
    custom_models,
    deleted_custom_models,
    leases,
    models,
    throughput_history,
)
from services.domain.custom import CustomModel
from services.domain.errors import ConcurrentUpdate, DuplicateName
from services.domain.models import Lifecycle, ModelRecord, ModelType, Provider
from services.domain.records import AuditEvent

_CHANGED_SINCE = changed_since_statement(CUSTOM_VIEW, custom_models)


class SqlCustomModels(SqlBase):
    """CustomModelStore on SQL."""

    # ---- custom models ---------------------------------------------------------------------
    def insert_custom(
        self, model: CustomModel, base: ModelRecord, region: str, audit: Sequence[AuditEvent] = ()
    ) -> None:
        values = model.model_dump(exclude={"name", "enabled"})
        values["hyperparameters"] = orjson.dumps(model.hyperparameters).decode()
        for key in ("data_summary", "customization_config", "training_logs", "import_details"):
            values[key] = None if values[key] is None else orjson.dumps(values[key]).decode()
        values["job_status"] = model.job_status.value
        values["throughput_status"] = model.throughput_status.value if model.throughput_status else None
        values["deployment_status"] = model.deployment_status.value if model.deployment_status else None
        try:
            with self._engine.begin() as conn:
                rev = bump_revision(conn)
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
                write_audit(conn, audit)
        except IntegrityError as exc:
            raise DuplicateName(
                f"A model named {model.name!r} (or the same request) already exists.",
            ) from exc

    def get_custom(self, model_id: str) -> CustomModel | None:
        with self._engine.connect() as conn:
            row = conn.execute(CUSTOM_VIEW.where(custom_models.c.id == model_id)).first()
        return custom_of(row) if row else None

    def get_custom_by_token(self, client_token: str) -> CustomModel | None:
        with self._engine.connect() as conn:
            row = conn.execute(CUSTOM_VIEW.where(custom_models.c.client_token == client_token)).first()
        return custom_of(row) if row else None

    def list_custom(self) -> list[CustomModel]:
        with self._engine.connect() as conn:
            return [custom_of(r) for r in conn.execute(CUSTOM_VIEW.order_by(custom_models.c.created_at))]

    def custom_changed_since(self, revision: int) -> tuple[list[CustomModel], int]:
        # every write to a custom model moves its catalog row's changed_rev; one statement, on the reads engine
        rows, total = changed_since(self._reads, _CHANGED_SINCE, revision)
        return [custom_of(r) for r in rows], total

    def update_custom(
        self,
        model_id: str,
        expected_version: int,
        changes: dict[str, object],
        closed_throughput: tuple[int, datetime, datetime, str | None] | None = None,
        audit: Sequence[AuditEvent] = (),
    ) -> CustomModel:
        values = dict(changes)
        enabled = values.pop("enabled", None)
        for key in ("job_status", "throughput_status", "deployment_status"):
            if key in values and values[key] is not None:
                values[key] = str(getattr(values[key], "value", values[key]))
        for key in ("hyperparameters", "data_summary", "customization_config", "training_logs", "import_details"):
            if values.get(key) is not None:
                value = values[key]
                values[key] = orjson.dumps(value.model_dump() if hasattr(value, "model_dump") else value).decode()
        now = values.setdefault("updated_at", datetime.now(UTC))
        with self._engine.begin() as conn:
            rev = bump_revision(conn)
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
                units, started, ended, commitment = closed_throughput
                conn.execute(
                    insert(throughput_history).values(
                        model_id=model_id, model_units=units, started_at=started, ended_at=ended, commitment=commitment
                    )
                )
            write_audit(conn, audit)
            row = conn.execute(CUSTOM_VIEW.where(custom_models.c.id == model_id)).one()
        return custom_of(row)

    def delete_custom(
        self,
        model_id: str,
        expected_version: int,
        audit: Sequence[AuditEvent] = (),
        ledger: tuple[CustomModel, datetime] | None = None,
    ) -> None:
        with self._engine.begin() as conn:
            write_audit(conn, audit)
            bump_revision(conn)
            result = conn.execute(
                delete(custom_models).where(custom_models.c.id == model_id, custom_models.c.version == expected_version)
            )
            if result.rowcount != 1:
                raise ConcurrentUpdate("This custom model was changed meanwhile; nothing was deleted. Reload.")
            conn.execute(delete(models).where(models.c.id == model_id))
            if ledger is not None:
                record, deleted_at = ledger
                conn.execute(
                    insert(deleted_custom_models).values(
                        id=record.id, name=record.name, deleted_at=deleted_at, record=record.model_dump_json()
                    )
                )

    def deleted_customs(self) -> list[tuple[CustomModel, datetime]]:
        with self._engine.connect() as conn:
            rows = conn.execute(select(deleted_custom_models).order_by(deleted_custom_models.c.deleted_at))
            return [(CustomModel.model_validate_json(row.record), row.deleted_at) for row in rows]

    def throughput_history(self) -> dict[str, list[tuple[int, datetime, datetime, str | None]]]:
        out: dict[str, list[tuple[int, datetime, datetime, str | None]]] = {}
        with self._engine.connect() as conn:
            for row in conn.execute(select(throughput_history).order_by(throughput_history.c.id)):
                out.setdefault(row.model_id, []).append((row.model_units, row.started_at, row.ended_at, row.commitment))
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
