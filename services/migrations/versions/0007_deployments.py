"""On-demand deployments of custom models (CreateCustomModelDeployment).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.adapters.sql_tables import UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.add_column(sa.Column("deployment_name", sa.String(63), nullable=True))
        batch.add_column(sa.Column("deployment_arn", sa.String(1011), nullable=True))
        batch.add_column(sa.Column("deployment_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("deployment_since", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("deployment_failure", sa.Text(), nullable=True))
        batch.add_column(sa.Column("deployable", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        for name in (
            "deployable",
            "deployment_failure",
            "deployment_since",
            "deployment_status",
            "deployment_arn",
            "deployment_name",
        ):
            batch.drop_column(name)
