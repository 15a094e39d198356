"""The cost ledger: a deleted custom model's last record, so what it cost stays on the Costs page.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.adapters.sql_tables import UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "deleted_custom_models",
        sa.Column("id", sa.String(400), primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("deleted_custom_models")
