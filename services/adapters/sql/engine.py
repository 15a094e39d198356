"""The engine: SQLite by default, PostgreSQL by URL; migrations; helpers every store shares."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import orjson
from alembic import command
from alembic.config import Config
from sqlalchemy import (
    Connection,
    Engine,
    Row,
    Select,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError

from services.adapters.sql_tables import (
    audit_events,
    catalog_meta,
    custom_models,
    models,
    outbox,
)
from services.domain.custom import CustomModel, DeploymentStatus, JobStatus, ThroughputStatus
from services.domain.models import Lifecycle, ModelRecord, ModelType, Provider, ProviderModel, SyncOutcome, SyncRun
from services.domain.records import AuditEvent

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
CHUNK = 500
_MIGRATION_LOCK = 7_310_001  # pg advisory lock id: one migrator at a time across replicas


def make_engine(url: str) -> Engine:
    """Create the engine; for a SQLite file, make its folder and turn on WAL + busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # enough connections for the evaluation runner's workers and the server's threads at once
        engine = create_engine(url, connect_args={"timeout": 30}, pool_size=20, max_overflow=20)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            # In WAL mode NORMAL never corrupts the file and keeps every commit through a crash of the
            # process (SIGKILL included); only a power loss may drop the last commits. FULL fsyncs on
            # every commit, which made each call counted and each evaluation record stored cost ms.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20)
    ping_when_idle(engine)
    return engine


IDLE_PING_SECONDS = 5.0


def ping_when_idle(engine: Engine) -> None:
    """Check a pooled PostgreSQL connection before use when it sat unused for IDLE_PING_SECONDS or more (a
    dead one is replaced unseen). pool_pre_ping checked each one at every use: a round trip more per
    statement. A server restarted within those seconds fails one statement per process; SQLAlchemy then
    drops every older connection of the pool, and the next statement reconnects."""

    @event.listens_for(engine.pool, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["checked_in"] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if time.monotonic() - record.info.get("checked_in", float("-inf")) < IDLE_PING_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool discards this connection and checks out another
            raise DisconnectionError(f"A pooled database connection was lost: {exc}") from exc


def read_engine(engine: Engine) -> Engine:
    """For the reads of one statement (the generations every request reads, what changed after a write, a model):
    on PostgreSQL a small pool of its own in autocommit, so a read is one round trip, not BEGIN, SELECT and
    ROLLBACK (one statement sees one snapshot all the same). SQLite needs none of it."""
    if engine.dialect.name != "postgresql":
        return engine
    reads = create_engine(engine.url, isolation_level="AUTOCOMMIT", pool_size=4, max_overflow=20)
    ping_when_idle(reads)
    return reads


def migrate(engine: Engine) -> None:
    """Apply every Alembic migration not yet applied (safe with several replicas on PostgreSQL)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def record_of(row: Row[Any]) -> ModelRecord:
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
        job_status=JobStatus(row.job_status) if row.job_status else None,
        throughput_status=ThroughputStatus(row.throughput_status) if row.throughput_status else None,
        deployment_status=DeploymentStatus(row.deployment_status) if row.deployment_status else None,
        deployable=bool(row.deployable) if row.deployable is not None else False,
        serves_itself=bool(row.serves_itself),
    )


# models joined with the two custom-model columns their status light needs
MODEL_VIEW = select(
    models,
    custom_models.c.job_status,
    custom_models.c.throughput_status,
    custom_models.c.deployment_status,
    custom_models.c.deployable,
    custom_models.c.import_details.isnot(None).label("serves_itself"),
).select_from(models.outerjoin(custom_models, custom_models.c.id == models.c.id))

_CUSTOM_FIELDS = [c.name for c in custom_models.columns if c.name not in ("name_key",)]


def custom_of(row: Row[Any]) -> CustomModel:
    values = {name: getattr(row, name) for name in _CUSTOM_FIELDS}
    values["hyperparameters"] = orjson.loads(values["hyperparameters"])
    for key in ("data_summary", "customization_config", "training_logs", "import_details"):
        if values[key] is not None:
            values[key] = orjson.loads(values[key])
    values["job_status"] = JobStatus(values["job_status"])
    if values["throughput_status"] is not None:
        values["throughput_status"] = ThroughputStatus(values["throughput_status"])
    if values["deployment_status"] is not None:
        values["deployment_status"] = DeploymentStatus(values["deployment_status"])
    return CustomModel(**values, name=row.name, enabled=row.enabled)


CUSTOM_VIEW = select(custom_models, models.c.name, models.c.enabled).join(models, models.c.id == custom_models.c.id)


def metadata_values(model: ProviderModel) -> dict[str, Any]:
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


def run_of(row: Row[Any]) -> SyncRun:
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


def write_audit(conn: Connection, events: Sequence[AuditEvent]) -> None:
    """The audit events of a write and, in the same transaction, the notices they carry (the outbox)."""
    if events:
        conn.execute(insert(audit_events), [e.model_dump(exclude={"notice"}) for e in events])
    notices = [e for e in events if e.notice is not None]
    if notices:
        conn.execute(
            insert(outbox),
            [
                {
                    "id": uuid.uuid4().hex,
                    "event": e.notice,
                    "model_id": e.model_id,
                    "model_name": e.model_name,
                    "status": e.after,
                    "at": e.at,
                    "detail": e.detail,
                    "actor_id": e.actor_id,
                    "fanned_out": False,
                }
                for e in notices
            ],
        )


def bump_revision(conn: Connection) -> int:
    """Take the next revision (first thing in a write: it also serialises writers)."""
    return int(
        conn.execute(
            update(catalog_meta)
            .where(catalog_meta.c.key == "revision")
            .values(value=catalog_meta.c.value + 1)
            .returning(catalog_meta.c.value)
        ).scalar_one()
    )


def bump(conn: Connection, area: str) -> None:
    """Move an area's generation on (services/domain/generations.py), in the transaction of its write."""
    conn.execute(update(catalog_meta).where(catalog_meta.c.key == area).values(value=catalog_meta.c.value + 1))


def changed_since_statement(view: Select[Any], table: Table) -> tuple[Select[Any], Select[Any]]:
    """The rows of ``view`` written after a revision, each with how many rows ``table`` has, as one statement
    (one round trip, one snapshot); and the count alone, for when nothing changed."""
    count = select(func.count()).select_from(table)
    changed = view.add_columns(count.scalar_subquery().label("rows_in_all")).where(
        models.c.changed_rev > bindparam("revision")
    )
    return changed, count


def changed_since(
    reads: Engine, statements: tuple[Select[Any], Select[Any]], revision: int
) -> tuple[Sequence[Any], int]:
    """The rows written after ``revision`` and how many rows there are (changed_since_statement)."""
    changed, count = statements
    with reads.connect() as conn:
        rows = conn.execute(changed, {"revision": revision}).all()
        total = rows[0].rows_in_all if rows else conn.execute(count).scalar_one()
    return rows, int(total)


class SqlBase:
    """An engine shared by the per-port stores below."""

    def __init__(self, engine: Engine, reads: Engine | None = None) -> None:
        self._engine = engine
        self._reads = reads or engine  # one-statement reads, on PostgreSQL in autocommit (read_engine)

    @property
    def engine(self) -> Engine:
        return self._engine
