"""Throughput history: every removed no-commitment throughput, for costs so far.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.adapters.sql_tables import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "throughput_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("model_id", sa.String(400), nullable=False),
        sa.Column("model_units", sa.Integer(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_throughput_history_model", "throughput_history", ["model_id"])


def downgrade() -> None:
    op.drop_index("ix_throughput_history_model", table_name="throughput_history")
    op.drop_table("throughput_history")
