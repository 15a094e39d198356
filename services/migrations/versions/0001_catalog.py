"""Model catalog: models, sync runs, catalog revision.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.adapters.sql_tables import TokenList, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "models",
        sa.Column("id", sa.String(400), primary_key=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model_id", sa.String(2048), nullable=False),
        sa.Column("model_type", sa.String(16), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("vendor", sa.String(128), nullable=False),
        sa.Column("arn", sa.String(2048), nullable=True),
        sa.Column("input_modalities", TokenList(), nullable=False),
        sa.Column("output_modalities", TokenList(), nullable=False),
        sa.Column("customizations", TokenList(), nullable=False),
        sa.Column("inference_types", TokenList(), nullable=False),
        sa.Column("regions", TokenList(), nullable=False),
        sa.Column("streaming", sa.Boolean(), nullable=True),
        sa.Column("chat", sa.Boolean(), nullable=False),
        sa.Column("lifecycle", sa.String(16), nullable=False),
        sa.Column("provider_created", UTCDateTime(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("available", sa.Boolean(), nullable=False),
        sa.Column("first_seen", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("unavailable_since", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_rev", sa.Integer(), nullable=False),
    )
    op.create_index("ix_models_provider_type", "models", ["provider", "model_type"])
    op.create_index("ix_models_changed_rev", "models", ["changed_rev"])
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("added", TokenList(), nullable=False),
        sa.Column("updated", TokenList(), nullable=False),
        sa.Column("gone", TokenList(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
    )
    op.create_index("ix_sync_runs_provider_id", "sync_runs", ["provider", "id"])
    meta = op.create_table(
        "catalog_meta",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )
    op.bulk_insert(meta, [{"key": "revision", "value": 0}])


def downgrade() -> None:
    op.drop_table("catalog_meta")
    op.drop_index("ix_sync_runs_provider_id", table_name="sync_runs")
    op.drop_table("sync_runs")
    op.drop_index("ix_models_changed_rev", table_name="models")
    op.drop_index("ix_models_provider_type", table_name="models")
    op.drop_table("models")
