"""What Check data found in a custom model's data (records, tokens, distributions), kept with it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.add_column(sa.Column("data_summary", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.drop_column("data_summary")
