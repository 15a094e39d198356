"""Where a running job is (Bedrock's statusDetails: validation, data processing, training).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.add_column(sa.Column("job_stage", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.drop_column("job_stage")
