"""Calls counted per model and day; evaluation runs and their per-record results.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.adapters.sql_tables import TokenList, UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "model_calls",
        sa.Column("model_id", sa.String(400), primary_key=True),
        sa.Column("day", sa.String(10), primary_key=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
    )
    op.create_table(
        "evaluations",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("custom_model_id", sa.String(400), nullable=False),
        sa.Column("custom_name", sa.String(255), nullable=False),
        sa.Column("base_model_id", sa.String(400), nullable=False),
        sa.Column("base_name", sa.String(255), nullable=False),
        sa.Column("dataset_uri", sa.String(1024), nullable=False),
        sa.Column("dataset_fingerprint", sa.String(200), nullable=True),
        sa.Column("metrics", TokenList(), nullable=False),
        sa.Column("judge_model_id", sa.String(400), nullable=True),
        sa.Column("max_records", sa.Integer(), nullable=False),
        sa.Column("concurrency", sa.Integer(), nullable=False),
        sa.Column("max_tokens", sa.Integer(), nullable=False),
        sa.Column("temperature", sa.Float(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=True),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("estimate", sa.Text(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index("ix_evaluations_model", "evaluations", ["custom_model_id"])
    op.create_index("ix_evaluations_status", "evaluations", ["status"])
    op.create_table(
        "evaluation_results",
        sa.Column("evaluation_id", sa.String(40), sa.ForeignKey("evaluations.id"), primary_key=True),
        sa.Column("record_index", sa.Integer(), primary_key=True),
        sa.Column("result", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("evaluation_results")
    op.drop_index("ix_evaluations_status", "evaluations")
    op.drop_index("ix_evaluations_model", "evaluations")
    op.drop_table("evaluations")
    op.drop_table("model_calls")
