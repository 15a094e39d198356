"""Imported models (CreateModelImportJob): an imported model keeps what Bedrock says of it (its architecture,
whether Converse serves it, its Custom Model Units and their version) and the folder it came from; a batch
evaluation keeps where its Bedrock batch jobs are.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.add_column(sa.Column("import_details", sa.Text(), nullable=True))
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("engine", sa.String(8), nullable=False, server_default="online"))
        batch.add_column(sa.Column("batch_jobs", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("batch_jobs")
        batch.drop_column("engine")
    with op.batch_alter_table("custom_models") as batch:
        batch.drop_column("import_details")
