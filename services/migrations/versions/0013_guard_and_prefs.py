"""The idle guard per model (custom_models.idle_guard_hours) and who wants which notices
(notice_prefs: events, scope, e-mail, when the bell was last read).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.adapters.sql_tables import UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("custom_models", sa.Column("idle_guard_hours", sa.Float(), nullable=True))
    op.create_table(
        "notice_prefs",
        sa.Column("user_id", sa.String(320), primary_key=True),
        sa.Column("events", sa.Text(), nullable=True),
        sa.Column("scope", sa.String(8), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notice_prefs")
    with op.batch_alter_table("custom_models") as batch:
        batch.drop_column("idle_guard_hours")
