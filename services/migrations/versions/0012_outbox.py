"""The outbox: notices written with the change that made them, and their deliveries per receiver; the
time of each model's last answered call (idle detection).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.adapters.sql_tables import UTCDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("model_calls", sa.Column("last_at", UTCDateTime(), nullable=True))
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("model_id", sa.String(400), nullable=True),
        sa.Column("model_name", sa.String(255), nullable=True),
        sa.Column("status", sa.String(64), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("actor_id", sa.String(320), nullable=False),
        sa.Column("fanned_out", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_outbox_at", "outbox", ["at"])
    op.create_index("ix_outbox_fanned_out", "outbox", ["fanned_out"])
    op.create_table(
        "deliveries",
        sa.Column("notice_id", sa.String(32), sa.ForeignKey("outbox.id"), primary_key=True),
        sa.Column("receiver", sa.String(1024), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_at", UTCDateTime(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("claimed_by", sa.String(128), nullable=True),
        sa.Column("claimed_until", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )
    op.create_index("ix_deliveries_due", "deliveries", ["state", "next_at"])


def downgrade() -> None:
    op.drop_index("ix_deliveries_due", "deliveries")
    op.drop_table("deliveries")
    op.drop_index("ix_outbox_fanned_out", "outbox")
    op.drop_index("ix_outbox_at", "outbox")
    op.drop_table("outbox")
    with op.batch_alter_table("model_calls") as batch:
        batch.drop_column("last_at")
