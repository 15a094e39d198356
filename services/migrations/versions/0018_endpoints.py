"""Endpoints: a throughput or an on-demand deployment that callers keep while the model behind it changes (promote,
roll back), with its history; a throughput's commitment term, on the model and on each closed interval; which
model a copy in another region was made from.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from services.adapters.sql_tables import UTCDateTime

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("custom_models") as batch:
        batch.add_column(sa.Column("throughput_commitment", sa.String(16), nullable=True))
        batch.add_column(sa.Column("copied_from", sa.String(64), nullable=True))
    with op.batch_alter_table("throughput_history") as batch:
        batch.add_column(sa.Column("commitment", sa.String(16), nullable=True))
    op.create_table(
        "endpoints",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("region", sa.String(32), nullable=False),
        sa.Column("arn", sa.String(1011), nullable=True),
        sa.Column("created_by", sa.String(320), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("history", sa.Text(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("endpoints")
    with op.batch_alter_table("throughput_history") as batch:
        batch.drop_column("commitment")
    with op.batch_alter_table("custom_models") as batch:
        batch.drop_column("throughput_commitment")
        batch.drop_column("copied_from")
