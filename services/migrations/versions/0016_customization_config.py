"""A custom model keeps Bedrock's customizationConfig (a distillation teacher, a reinforcement
fine-tuning grader) as its job was made with it, for jobs made here and elsewhere.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.add_column(sa.Column("customization_config", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.drop_column("customization_config")
