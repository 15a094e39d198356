"""A custom model distilled from Bedrock's invocation logs keeps where they were and which calls it used (Bedrock's
invocationLogsConfig), for jobs made here and elsewhere; a model tuned further from another custom model keeps
which one (its lineage).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.add_column(sa.Column("training_logs", sa.Text(), nullable=True))
        batch.add_column(sa.Column("parent_model_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.drop_column("parent_model_id")
        batch.drop_column("training_logs")
