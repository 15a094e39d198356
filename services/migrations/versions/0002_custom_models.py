"""Custom models (fine-tuning jobs and their throughput) and leases for the reconciler.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.adapters.sql_tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "custom_models",
        sa.Column("id", sa.String(400), sa.ForeignKey("models.id"), primary_key=True),
        sa.Column("name_key", sa.String(64), nullable=False, unique=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("base_model_id", sa.String(400), nullable=False),
        sa.Column("base_model_name", sa.String(255), nullable=False),
        sa.Column("customization_type", sa.String(32), nullable=False),
        sa.Column("hyperparameters", sa.Text(), nullable=False),
        sa.Column("training_uri", sa.String(1024), nullable=False),
        sa.Column("validation_uri", sa.String(1024), nullable=True),
        sa.Column("output_uri", sa.String(1024), nullable=False),
        sa.Column("training_records", sa.Integer(), nullable=False),
        sa.Column("training_tokens", sa.Integer(), nullable=False),
        sa.Column("validation_records", sa.Integer(), nullable=True),
        sa.Column("token_method", sa.Text(), nullable=False),
        sa.Column("job_name", sa.String(63), nullable=False, unique=True),
        sa.Column("client_token", sa.String(256), nullable=False, unique=True),
        sa.Column("job_arn", sa.String(1011), nullable=True),
        sa.Column("job_status", sa.String(16), nullable=False),
        sa.Column("failure_message", sa.Text(), nullable=True),
        sa.Column("custom_model_arn", sa.String(1011), nullable=True),
        sa.Column("job_end_time", UTCDateTime(), nullable=True),
        sa.Column("training_loss", sa.Float(), nullable=True),
        sa.Column("validation_loss", sa.Float(), nullable=True),
        sa.Column("throughput_name", sa.String(63), nullable=True),
        sa.Column("throughput_arn", sa.String(1011), nullable=True),
        sa.Column("throughput_status", sa.String(16), nullable=True),
        sa.Column("model_units", sa.Integer(), nullable=True),
        sa.Column("throughput_since", UTCDateTime(), nullable=True),
        sa.Column("throughput_failure", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("owner", sa.String(128), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_table("custom_models")
