"""SQLAlchemy Core tables. Schema changes go through an Alembic migration in services/migrations."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    false,
)

from services.domain.text import bounded

metadata = MetaData()


class UTCDateTime(TypeDecorator[datetime]):
    """Stores naive UTC (SQLite has no time zones) and always returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TokenList(TypeDecorator[tuple[str, ...]]):
    """A short list of comma-free tokens (modalities, regions, ids) stored as one string."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str:
        items = tuple(value or ())
        if any("\x1f" in item for item in items):
            raise ValueError("token contains the separator")
        return "\x1f".join(items)

    def process_result_value(self, value: str | None, dialect: Dialect) -> tuple[str, ...]:
        return tuple(value.split("\x1f")) if value else ()


class SafeString(TypeDecorator[str]):
    """A String column through the one text rule (services/domain/text.py): no NUL or control
    characters, never longer than the column, identical on SQLite and PostgreSQL."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        length: int | None = getattr(self.impl, "length", None)
        return None if value is None else bounded(str(value), length)


class SafeText(TypeDecorator[str]):
    """A Text column through the one text rule (services/domain/text.py)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else bounded(str(value))


models = Table(
    "models",
    metadata,
    Column("id", SafeString(400), primary_key=True),
    Column("provider", SafeString(32), nullable=False),
    Column("model_id", SafeString(2048), nullable=False),
    Column("model_type", SafeString(16), nullable=False),
    Column("name", SafeString(255), nullable=False),
    Column("vendor", SafeString(128), nullable=False),
    Column("arn", SafeString(2048), nullable=True),
    Column("input_modalities", TokenList, nullable=False),
    Column("output_modalities", TokenList, nullable=False),
    Column("customizations", TokenList, nullable=False),
    Column("inference_types", TokenList, nullable=False),
    Column("regions", TokenList, nullable=False),
    Column("streaming", Boolean, nullable=True),
    Column("chat", Boolean, nullable=False),
    Column("lifecycle", SafeString(16), nullable=False),
    Column("provider_created", UTCDateTime, nullable=True),
    Column("enabled", Boolean, nullable=False),
    Column("available", Boolean, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("unavailable_since", UTCDateTime, nullable=True),
    Column("version", Integer, nullable=False),
    # the catalog revision of the write that last touched this row (for incremental reads)
    Column("changed_rev", Integer, nullable=False),
    Index("ix_models_provider_type", "provider", "model_type"),
    Index("ix_models_changed_rev", "changed_rev"),
)

sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("provider", SafeString(32), nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("outcome", SafeString(16), nullable=False),
    Column("message", SafeText, nullable=False),
    Column("added", TokenList, nullable=False),
    Column("updated", TokenList, nullable=False),
    Column("gone", TokenList, nullable=False),
    Column("seen", Integer, nullable=False),
    Index("ix_sync_runs_provider_id", "provider", "id"),
)

catalog_meta = Table(
    "catalog_meta",
    metadata,
    Column("key", SafeString(64), primary_key=True),
    Column("value", Integer, nullable=False),
)

custom_models = Table(
    "custom_models",
    metadata,
    Column("id", SafeString(400), ForeignKey("models.id"), primary_key=True),
    Column("name_key", SafeString(64), nullable=False, unique=True),  # lower-cased: unique ignoring case
    Column("description", SafeText, nullable=False),
    Column("base_model_id", SafeString(400), nullable=False),
    Column("base_model_name", SafeString(255), nullable=False),
    Column("customization_type", SafeString(32), nullable=False),
    Column("hyperparameters", SafeText, nullable=False),  # JSON object of strings
    Column("training_uri", SafeString(1024), nullable=False),
    Column("validation_uri", SafeString(1024), nullable=True),
    Column("output_uri", SafeString(1024), nullable=False),
    Column("training_records", Integer, nullable=False),
    Column("training_tokens", Integer, nullable=False),
    Column("validation_records", Integer, nullable=True),
    Column("token_method", SafeText, nullable=False),
    Column("job_name", SafeString(63), nullable=False, unique=True),
    Column("client_token", SafeString(256), nullable=False, unique=True),
    Column("region", SafeString(32), nullable=False, server_default=""),
    Column("job_arn", SafeString(1011), nullable=True),
    Column("job_status", SafeString(16), nullable=False),
    Column("job_stage", SafeString(64), nullable=True),
    Column("data_summary", SafeText, nullable=True),  # JSON: what Check data found
    Column("customization_config", SafeText, nullable=True),  # JSON: Bedrock's customizationConfig
    Column("training_logs", SafeText, nullable=True),  # JSON: Bedrock's invocationLogsConfig (distillation)
    Column("import_details", SafeText, nullable=True),  # JSON: an imported model's architecture, CMUs (ImportDetails)
    Column("parent_model_id", SafeString(64), nullable=True),  # tuned further from this custom model
    Column("copied_from", SafeString(64), nullable=True),  # a copy of this custom model, in another region
    Column("failure_message", SafeText, nullable=True),
    Column("custom_model_arn", SafeString(1011), nullable=True),
    Column("job_end_time", UTCDateTime, nullable=True),
    Column("training_loss", Float, nullable=True),
    Column("validation_loss", Float, nullable=True),
    Column("throughput_name", SafeString(63), nullable=True),
    Column("throughput_arn", SafeString(1011), nullable=True),
    Column("throughput_status", SafeString(16), nullable=True),
    Column("model_units", Integer, nullable=True),
    Column("throughput_commitment", SafeString(16), nullable=True),  # OneMonth | SixMonths (None: no commitment)
    Column("throughput_since", UTCDateTime, nullable=True),
    Column("throughput_failure", SafeText, nullable=True),
    Column("deployment_name", SafeString(63), nullable=True),
    Column("deployment_arn", SafeString(1011), nullable=True),
    Column("deployment_status", SafeString(16), nullable=True),
    Column("deployment_since", UTCDateTime, nullable=True),
    Column("deployment_failure", SafeText, nullable=True),
    Column("deployable", Boolean, nullable=False, server_default=false()),
    Column("idle_guard_hours", Float, nullable=True),
    Column("created_by", SafeString(320), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
)

leases = Table(
    "leases",
    metadata,
    Column("name", SafeString(64), primary_key=True),
    Column("owner", SafeString(128), nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

throughput_history = Table(
    "throughput_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("model_id", SafeString(400), nullable=False),  # kept after the model is deleted
    Column("model_units", Integer, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("ended_at", UTCDateTime, nullable=False),
    Column("commitment", SafeString(16), nullable=True),  # the term it was billed under (None: no commitment)
    Index("ix_throughput_history_model", "model_id"),
)

deleted_custom_models = Table(  # the cost ledger: what a deleted model was when it was deleted
    "deleted_custom_models",
    metadata,
    Column("id", SafeString(400), primary_key=True),
    Column("name", SafeString(64), nullable=False),
    Column("deleted_at", UTCDateTime, nullable=False),
    Column("record", SafeText, nullable=False),  # the CustomModel as JSON, its last state
)

refreshed_prices = Table(
    "refreshed_prices",
    metadata,
    Column("model_prefix", SafeString(200), primary_key=True),
    Column("region", SafeString(32), primary_key=True),
    Column("component", SafeString(32), primary_key=True),  # training | storage_month | inference_no_commit
    Column("price", Float, nullable=False),
    Column("source", SafeText, nullable=False),
    Column("fetched_at", UTCDateTime, nullable=False),
)

set_prices = Table(  # prices an admin set on the Costs page
    "set_prices",
    metadata,
    Column("model_prefix", SafeString(200), primary_key=True),
    Column("region", SafeString(32), primary_key=True),
    Column("component", SafeString(32), primary_key=True),
    Column("price", Float, nullable=False),
    Column("source", SafeText, nullable=False),
    Column("set_by", SafeString(320), nullable=False),
    Column("set_at", UTCDateTime, nullable=False),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor_id", SafeString(320), nullable=False),
    Column("actor_name", SafeString(320), nullable=False),
    Column("action", SafeString(64), nullable=False),
    Column("model_id", SafeString(400), nullable=True),  # no foreign key: kept after the model is deleted
    Column("model_name", SafeString(255), nullable=True),
    Column("before", SafeString(64), nullable=True),
    Column("after", SafeString(64), nullable=True),
    Column("request_id", SafeString(64), nullable=False),
    Column("detail", SafeText, nullable=False),
    Index("ix_audit_events_at", "at"),
    Index("ix_audit_events_model", "model_id"),
    Index("ix_audit_events_actor", "actor_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", SafeString(32), primary_key=True),
    Column(
        "token_hash", SafeString(64), nullable=False, unique=True
    ),  # sha256 of the token; the token itself is never stored
    Column("user_id", SafeString(320), nullable=False),
    Column("role", SafeString(16), nullable=False),
    Column("name", SafeString(200), nullable=False),
    Column("scopes", SafeString(64), nullable=True),  # comma-separated; NULL: every scope (tokens made before scopes)
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

model_calls = Table(  # every call through Model Studio, per model and day (UTC)
    "model_calls",
    metadata,
    Column("model_id", SafeString(400), primary_key=True),  # no foreign key: kept after a model goes
    Column("day", SafeString(10), primary_key=True),
    Column("calls", Integer, nullable=False),
    Column("failures", Integer, nullable=False),
    Column("refused", Integer, nullable=False),
    Column("input_tokens", Integer, nullable=False),
    Column("output_tokens", Integer, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("last_at", UTCDateTime, nullable=True),  # the last answered call: how long a model has been idle
)

evaluations = Table(
    "evaluations",
    metadata,
    Column("id", SafeString(40), primary_key=True),
    Column("custom_model_id", SafeString(400), nullable=False),  # no foreign key: kept after a model goes
    Column("custom_name", SafeString(255), nullable=False),
    Column("base_model_id", SafeString(400), nullable=False),
    Column("base_name", SafeString(255), nullable=False),
    Column("dataset_uri", SafeString(1024), nullable=False),
    Column("dataset_fingerprint", SafeString(200), nullable=True),
    Column("metrics", TokenList, nullable=False),
    Column("judge_model_id", SafeString(400), nullable=True),
    Column("max_records", Integer, nullable=False),
    Column("concurrency", Integer, nullable=False),
    Column("max_tokens", Integer, nullable=False),
    Column("temperature", Float, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("status", SafeString(16), nullable=False),
    Column("total", Integer, nullable=False),
    Column("created_by", SafeString(320), nullable=False),
    Column("created_role", SafeString(16), nullable=True),
    Column("tried", Boolean, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("started_at", UTCDateTime, nullable=True),
    Column("finished_at", UTCDateTime, nullable=True),
    Column("error", SafeText, nullable=True),
    Column("estimate", SafeText, nullable=False),  # JSON
    Column("summary", SafeText, nullable=True),  # JSON, once completed
    Column("engine", SafeString(8), nullable=False, server_default="online"),  # online | batch
    Column("batch_jobs", SafeText, nullable=True),  # JSON: the run's Bedrock batch jobs
    Column("version", Integer, nullable=False),
    Index("ix_evaluations_model", "custom_model_id"),
    Index("ix_evaluations_status", "status"),
)

evaluation_results = Table(
    "evaluation_results",
    metadata,
    Column("evaluation_id", SafeString(40), ForeignKey("evaluations.id"), primary_key=True),
    Column("record_index", Integer, primary_key=True),
    Column("result", SafeText, nullable=False),  # the EvaluationResult as JSON
)

outbox = Table(  # notices, written in the transaction of the change that made them (services/notices/events.py)
    "outbox",
    metadata,
    Column("id", SafeString(32), primary_key=True),
    Column("event", SafeString(64), nullable=False),
    Column("model_id", SafeString(400), nullable=True),
    Column("model_name", SafeString(255), nullable=True),
    Column("status", SafeString(64), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("detail", SafeText, nullable=False),
    Column("actor_id", SafeString(320), nullable=False),
    Column("fanned_out", Boolean, nullable=False),  # its deliveries are created
    Index("ix_outbox_at", "at"),
    Index("ix_outbox_fanned_out", "fanned_out"),
)

deliveries = Table(  # one notice to one receiver
    "deliveries",
    metadata,
    Column("notice_id", SafeString(32), ForeignKey("outbox.id"), primary_key=True),
    Column("receiver", SafeString(1024), primary_key=True),
    Column("state", SafeString(16), nullable=False),  # pending, retrying, sent, failed
    Column("attempts", Integer, nullable=False),
    Column("next_at", UTCDateTime, nullable=False),
    Column("answer", SafeText, nullable=False),
    Column("claimed_by", SafeString(128), nullable=True),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_deliveries_due", "state", "next_at"),
)

notice_prefs = Table(  # who wants which notices, and when they last read the bell (services/notices/dispatch.py)
    "notice_prefs",
    metadata,
    Column("user_id", SafeString(320), primary_key=True),
    Column("events", SafeText, nullable=True),  # JSON list of event names; NULL: every event
    Column("scope", SafeString(8), nullable=False),  # own: their models; all: every model (admins)
    Column("email", Boolean, nullable=False),
    Column("seen_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
)

# An endpoint: the throughput or on-demand deployment callers keep while the model behind it changes. Which model
# it serves now is the custom model whose throughput or deployment holds its ARN; here are its name and history.
endpoints = Table(
    "endpoints",
    metadata,
    Column("id", SafeString(40), primary_key=True),
    Column("name", SafeString(63), nullable=False),
    Column("kind", SafeString(16), nullable=False),
    Column("region", SafeString(32), nullable=False),
    Column("arn", SafeString(1011), nullable=True),
    Column("created_by", SafeString(320), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted_at", UTCDateTime, nullable=True),
    Column("history", SafeText, nullable=False),  # JSON: [EndpointEvent, …], oldest first
)
